/**
 * One soak: a private MariaDB and a private 3-broker stack, a producer and two sinks as real `tollstream`
 * processes at a steady rate, the seeded faults for `durationMs`, then a graceful end (producer stopped, sinks
 * drained and stopped) and the reconciliation by the soak's own readers. Everything it started is stopped again
 * in `finally` (also after a Ctrl-C), unless `keep`.
 */
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/config.ts';
import { loadConfig } from '../config/config.ts';
import { realServices } from '../headless/services.ts';
import { waitForDrain } from '../runtime/drain.ts';
import type { DrainResult } from '../runtime/drain.ts';
import { stackProcesses } from '../stack/down.ts';
import { PrivateMariaDb } from '../stack/private-mariadb.ts';
import { sleep } from '../util/backoff.ts';
import type { Logger } from '../util/log.ts';
import { AckCounter, readAcked } from './acks.ts';
import { runCli, soakEnv, tail } from './cli.ts';
import { injectFault } from './faults.ts';
import type { FaultWorld } from './faults.ts';
import { readDeadLetters, readPassages } from './reader.ts';
import { reconcileSoak } from './reconcile.ts';
import type { SoakTotals } from './reconcile.ts';
import { clock, faultLine, recoveryLine, statusLine } from './report.ts';
import type { FaultOutcome } from './report.ts';
import { PassageCounter, readMysql } from './rows.ts';
import { RoleProcess } from './roles.ts';
import { SINK_NAMES } from './schedule.ts';
import type { PlannedFault } from './schedule.ts';

export interface SoakOptions {
  seed: number;
  durationMs: number;
  rate: number;
  faults: PlannedFault[];
  /** The soak folder: stack state, MariaDB data, logs, ack logs. */
  dir: string;
  /** Remove `dir` at the end (the soak created it). */
  ownsDir: boolean;
  keep: boolean;
  zookeeper: string;
  /** Broker 0's address; brokers 1 and 2 listen on the next ports. */
  broker: string;
  mysqlPort: number;
  /** Aborted by Ctrl-C / SIGTERM: stop injecting, clean up, report what happened so far. */
  signal: AbortSignal;
  progress: (line: string) => void;
  statusEveryMs?: number;
  logger: Logger;
}

export interface SoakResult {
  faults: FaultOutcome[];
  totals: SoakTotals | null;
  /** Why the soak could not judge the run (setup failed, interrupted, not drained, ...). */
  failure: string | null;
  notes: string[];
  elapsedMs: number;
}

const DATABASE = 'tollstream';

function brokerList(first: string): string[] {
  const i = first.lastIndexOf(':');
  const host = first.slice(0, i);
  const port = Number(first.slice(i + 1));
  return [0, 1, 2].map((k) => `${host}:${port + k}`);
}

export async function runSoak(o: SoakOptions): Promise<SoakResult> {
  const started = Date.now();
  const since = (): number => Date.now() - started;
  const say = (text: string): void => o.progress(text);
  const logsDir = path.join(o.dir, 'logs');
  const acksDir = path.join(o.dir, 'acks');
  const stackDir = path.join(o.dir, 'stack');
  for (const d of [logsDir, acksDir]) mkdirSync(d, { recursive: true });
  const cliLog = path.join(logsDir, 'cli.log');

  const mariadb = new PrivateMariaDb({ dir: path.join(o.dir, 'mariadb'), port: o.mysqlPort });
  const brokers = brokerList(o.broker);
  const endpoints = { zookeeper: o.zookeeper, brokers, mysqlUrl: mariadb.url(DATABASE), stackDir };
  const env = soakEnv(endpoints);
  const config: Config = loadConfig(
    { brokers: brokers.join(','), zookeeper: o.zookeeper, stateDir: stackDir, mysqlUrl: endpoints.mysqlUrl },
    {},
    o.dir,
  );
  const cli = (args: string[]) => runCli(args, { env, cwd: o.dir, logFile: cliLog });
  const runTag = Date.now().toString(36);
  const producer = new RoleProcess({
    name: 'producer',
    env,
    cwd: o.dir,
    logsDir,
    args: (n) => [
      '--headless',
      '--role',
      'producer',
      '--source',
      // A run id per incarnation keeps the event ids of a restarted producer apart from its predecessor's, and
      // a seed per incarnation keeps it from replaying the same vehicles (same plaza, lane and vehicle twice).
      `simulator:curve=flat&seed=${o.seed}-${n}&runId=${runTag}p${n}`,
      '--rate',
      String(o.rate),
      '--interval',
      '1s',
      '--ack-log',
      path.join(acksDir, `producer.${n}.txt`),
    ],
  });
  const sinks = [0, 1].map(
    (i) =>
      new RoleProcess({
        name: `sink ${SINK_NAMES[i]}`,
        env,
        cwd: o.dir,
        logsDir,
        args: () => ['--headless', '--role', 'consumer', '--interval', '1s'],
      }),
  );
  const roles = [producer, ...sinks];
  const outcomes: FaultOutcome[] = [];
  const held = new Set<RoleProcess>();
  let failure: string | null = null;
  /** What the soak saw besides the faults it injected: processes that ended by themselves or hung. */
  const notes: string[] = [];
  let totals: SoakTotals | null = null;
  let stackStarted = false;
  let ticker: NodeJS.Timeout | undefined;
  let supervisor: NodeJS.Timeout | undefined;
  const counter = new PassageCounter(endpoints.mysqlUrl);

  try {
    // ---- setup ----
    say(`setup: private MariaDB on 127.0.0.1:${o.mysqlPort} (${mariadb.dir})`);
    await mariadb.install();
    await mariadb.start();
    say(`setup: private stack (ZooKeeper ${o.zookeeper}, brokers ${brokers.join(', ')}) in ${stackDir}`);
    stackStarted = true;
    const up = await cli(['stack', 'up', '--brokers', '3']);
    if (up.code !== 0)
      throw new Error(`stack up --brokers 3 failed (exit ${up.code}):\n${tail(up.output, 8)}`);
    if (o.signal.aborted) throw new Error('interrupted');

    say('setup: two sinks (--role consumer) and a producer (--role producer)');
    for (const s of sinks) s.start();
    await waitSinksRunning(sinks, 60_000, o.signal);
    producer.start();

    // A role that ends without being told to is a finding; it is noted and restarted so the soak goes on.
    supervisor = setInterval(() => {
      for (const r of roles) {
        if (r.running || held.has(r) || o.signal.aborted || r.incarnation === 0) continue;
        const note = `${r.options.name} ended by itself (${r.endings.at(-1) ?? '?'}) and was restarted`;
        notes.push(note);
        say(`${clock(since())}  ${note}`);
        r.start();
      }
    }, 1000);

    // ---- faults ----
    const acks = new AckCounter(acksDir);
    const phaseStart = Date.now();
    const sinceFaults = (): number => Date.now() - phaseStart;
    let statusBusy = false;
    ticker = setInterval(() => {
      if (statusBusy || o.signal.aborted) return;
      statusBusy = true;
      void counter
        .count()
        .then((persisted) =>
          say(
            statusLine({
              elapsedMs: sinceFaults(),
              faultsDone: outcomes.length,
              faultsTotal: o.faults.length,
              acknowledged: acks.count(),
              persisted,
            }),
          ),
        )
        .finally(() => (statusBusy = false));
    }, o.statusEveryMs ?? 10_000);

    const world: FaultWorld = {
      config,
      mariadb,
      producer,
      sinks,
      held,
      signal: o.signal,
      stackUp: () => cli(['stack', 'up']),
    };
    for (const fault of o.faults) {
      await sleep(fault.atMs - sinceFaults(), o.signal);
      if (o.signal.aborted) break;
      const outcome: FaultOutcome = { ...fault, startedMs: sinceFaults(), recoveredAfterMs: null };
      say(faultLine(outcome, o.faults.length));
      try {
        const note = await injectFault(fault, world);
        if (note) outcome.note = note;
        outcome.recoveredAfterMs = sinceFaults() - outcome.startedMs;
      } catch (e) {
        outcome.error = (e as Error).message.split('\n')[0]!;
      }
      outcomes.push(outcome);
      say(recoveryLine(outcome, sinceFaults()));
    }
    await sleep(o.durationMs - sinceFaults(), o.signal);
    clearInterval(ticker);
    if (o.signal.aborted) throw new Error('interrupted');

    // ---- the end: producer stopped, sinks drained ----
    say(`${clock(sinceFaults())}  stopping the producer (SIGTERM: it flushes what it holds)`);
    held.add(producer);
    const ended = await producer.stop(60_000);
    if (!ended.startsWith('exit code 0')) notes.push(`the producer, asked to stop at the end: ${ended}`);
    say(`${clock(sinceFaults())}  producer ${ended}; waiting for the sinks to persist everything`);
    const drain = await drainSinks(config, o.logger, o.signal);
    if (!drain.drained) failure = `the sinks did not drain: ${drain.reason ?? 'unknown'}`;
    for (const s of sinks) held.add(s);
    const sinkEnds = await Promise.all(sinks.map((s) => s.stop(30_000)));
    sinkEnds.forEach((how, i) => {
      if (!how.startsWith('exit code 0'))
        notes.push(`${sinks[i]!.options.name}, asked to stop at the end: ${how}`);
    });
    say(`${clock(sinceFaults())}  sinks stopped (${sinkEnds.join(', ')}); reconciling`);
    if (o.signal.aborted) throw new Error('interrupted');

    // ---- reconciliation ----
    const acked = readAcked(acksDir);
    const deadLetters = await readDeadLetters(config, o.logger);
    const kafka = await readPassages(config, o.logger, deadLetters);
    const mysql = await readMysql(endpoints.mysqlUrl);
    totals = reconcileSoak(acked, kafka, mysql);
  } catch (e) {
    failure ??= o.signal.aborted ? 'interrupted' : (e as Error).message;
  } finally {
    clearInterval(ticker);
    clearInterval(supervisor);
    await counter.close();
    for (const r of roles) held.add(r);
    await Promise.all(roles.map((r) => r.stop(10_000)));
    if (o.keep) {
      mariadb.release();
      say(`--keep: the stack and MariaDB still run; everything is in ${o.dir}`);
      say(
        `  look:  mariadb -h127.0.0.1 -P${o.mysqlPort} -uroot ${DATABASE}; logs in ${logsDir}, ack logs in ${acksDir}`,
      );
      say(
        `  stop:  TOLLSTREAM_STATE_DIR=${stackDir} TOLLSTREAM_ZOOKEEPER=${o.zookeeper} TOLLSTREAM_KAFKA_BROKERS=${brokers[0]} npx tollstream stack down --purge; kill ${mariadb.pid ?? ''}`,
      );
    } else {
      say('clean-up: stopping what the soak started');
      if (stackStarted) await stopStack(cli, stackDir);
      await mariadb.stop().catch(() => {});
      if (o.ownsDir) rmSync(o.dir, { recursive: true, force: true });
    }
  }
  return { faults: outcomes, totals, failure, notes, elapsedMs: since() };
}

async function waitSinksRunning(sinks: RoleProcess[], timeoutMs: number, signal: AbortSignal): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !signal.aborted) {
    if (sinks.every((s) => s.lastStatus?.sink === 'running')) return;
    await sleep(250, signal);
  }
}

/** Until the sinks' committed position reaches the end of the passages and payments topics. */
async function drainSinks(config: Config, logger: Logger, signal: AbortSignal): Promise<DrainResult> {
  const services = realServices(config, logger);
  const topics = [config.topics.passages, config.topics.payments];
  try {
    const targets = await services.highWatermarks(topics);
    return await waitForDrain({
      targets,
      committed: () => services.committed(config.groupId, topics),
      signal,
      stallMs: 120_000,
      pollMs: 500,
    });
  } catch (e) {
    return { drained: false, lag: NaN, reason: `cannot read offsets: ${(e as Error).message}` };
  } finally {
    await services.close();
  }
}

/** `stack down --purge`; when that fails, the stack's JVMs (found by their state-dir marker) are killed. */
async function stopStack(
  cli: (args: string[]) => Promise<{ code: number }>,
  stackDir: string,
): Promise<void> {
  const down = await cli(['stack', 'down', '--purge']);
  if (down.code === 0) return;
  for (const p of stackProcesses(stackDir)) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  await sleep(500);
}
