/**
 * `stack up`: jars, ZooKeeper, brokers, MySQL and topics, each waited for until it really answers. Idempotent:
 * processes of this state dir that still run are kept, only missing ones start. When something does not come
 * up, what this run started is stopped again and the error names the log to read.
 */
import { mkdirSync, statSync } from 'node:fs';
import type { Config } from '../config/config.ts';
import type { TopicSpec } from '../kafka/admin.ts';
import { allRegistered, brokerAnswers, brokerMetadata } from './broker.ts';
import { describePlan, ensureStackTopics } from './ensure-topics.ts';
import { StackError } from './errors.ts';
import { ensureJars } from './fetch.ts';
import { requireJava } from './jvm.ts';
import { launchBroker, launchZooKeeper } from './launch.ts';
import type { BrokerCount, BrokerEndpoint, Endpoint } from './layout.ts';
import { address, brokerLabel, stackLayout } from './layout.ts';
import type { MysqlReady } from './mysql.ts';
import { ensureMysql, mysqlLabel } from './mysql.ts';
import type { StackPaths } from './paths.ts';
import { jarCache, stackPaths } from './paths.ts';
import type { Started } from './processes.ts';
import { fileSize, isOurProcess, stackMarker, stopProcess } from './processes.ts';
import type { Progress } from './progress.ts';
import { requireFreePort, waitForExpiredRegistrations, waitReady } from './readiness.ts';
import type { StackRecord } from './record.ts';
import { readRecord, writeRecord } from './record.ts';
import { seconds, stopwatch } from './timing.ts';
import { sleep } from '../util/backoff.ts';
import { zookeeperOk } from './zookeeper.ts';

export type { Progress } from './progress.ts';

/** How long a broker start is retried while ZooKeeper still holds its previous registration. */
const REGISTRATION_RETRY_MS = 30_000;

export interface UpOptions {
  /** From `--brokers N`; defaults to what the state dir was created with, else 1. */
  brokers?: BrokerCount;
  progress?: Progress;
  zookeeperTimeoutMs?: number;
  brokerTimeoutMs?: number;
}

export interface UpResult {
  /** Everything was running before this call. */
  alreadyRunning: boolean;
  /** What this call started: "ZooKeeper", "broker 0", ... */
  started: string[];
  record: StackRecord;
  topics: TopicSpec[];
  mysql: MysqlReady;
  elapsedMs: number;
}

export async function stackUp(config: Config, options: UpOptions = {}): Promise<UpResult> {
  const progress = options.progress ?? (() => {});
  const elapsed = stopwatch();
  const paths = stackPaths(config.stateDir);
  const previous = readRecord(paths.record);
  const brokerCount = chooseBrokerCount(options.brokers, previous, paths);
  const layout = stackLayout(config, brokerCount);
  const marker = stackMarker(paths.stateDir);

  const zookeeperPid = runningPid(previous?.zookeeper, layout.zookeeper, marker, paths.zookeeperProperties);
  const brokerPids = layout.brokers.map((b) =>
    runningPid(
      previous?.brokers.find((p) => p.id === b.id),
      b,
      marker,
      paths.broker(b.id).properties,
    ),
  );
  const alreadyRunning = zookeeperPid !== null && brokerPids.every((p) => p !== null);

  const java = requireJava();
  const jarWatch = stopwatch();
  const jars = await ensureJars(jarCache(), {
    onFetch: (log) => progress('jars', `fetching Kafka 3.9.2 from Maven Central (log: ${log}) …`),
  });
  progress(
    'jars',
    jars.fetched ? `${jars.count} jars fetched (${seconds(jarWatch())})` : `${jars.count} jars cached`,
  );

  // Every port this run needs must be free before anything starts.
  const toStart: [string, Endpoint][] = [
    ...(zookeeperPid === null ? [['ZooKeeper', layout.zookeeper] as [string, Endpoint]] : []),
    ...layout.brokers
      .filter((_, i) => brokerPids[i] === null)
      .map((b) => [brokerLabel(b), b] as [string, Endpoint]),
  ];
  for (const [label, e] of toStart) await requireFreePort(label, e);

  for (const dir of [paths.configDir, paths.logsDir]) mkdirSync(dir, { recursive: true });
  const launch = { java, jarDir: jars.dir, paths };
  const now = new Date().toISOString();
  const record: StackRecord = {
    version: 1,
    stateDir: paths.stateDir,
    brokerCount,
    startedAt:
      zookeeperPid !== null || brokerPids.some((p) => p !== null) ? (previous?.startedAt ?? now) : now,
    zookeeper: {
      ...layout.zookeeper,
      pid: zookeeperPid,
      startedAt: zookeeperPid ? (previous?.zookeeper.startedAt ?? null) : null,
    },
    brokers: layout.brokers.map((b, i) => ({
      ...b,
      pid: brokerPids[i] ?? null,
      startedAt: brokerPids[i] ? (previous?.brokers.find((p) => p.id === b.id)?.startedAt ?? null) : null,
    })),
  };
  writeRecord(paths.record, record);

  const started: { label: string; pid: number; stop: () => void }[] = [];
  const remember = (label: string, proc: Started, update: (pid: number | null) => void): void => {
    update(proc.pid);
    writeRecord(paths.record, record);
    started.push({ label, pid: proc.pid, stop: () => update(null) });
  };
  /** Drops a process of this run that has already exited. */
  const forget = (pid: number): void => {
    const i = started.findIndex((s) => s.pid === pid);
    if (i >= 0) started.splice(i, 1)[0]!.stop();
    writeRecord(paths.record, record);
  };

  // MySQL does not depend on Kafka: prepare it while the JVMs start.
  const mysqlWatch = stopwatch();
  const mysqlAbort = new AbortController();
  const mysqlTask = settle(
    ensureMysql(config, {
      signal: mysqlAbort.signal,
      onStartServer: (how) =>
        progress(
          'MySQL',
          `${mysqlLabel(config.mysql.url)} not reachable; ${how === 'starting' ? 'starting' : 'waiting for'} the local MariaDB …`,
        ),
    }).then((m) => {
      progress(
        'MySQL',
        `${mysqlLabel(config.mysql.url)} ${m.version}, schema v${m.schemaVersion}, reader account ${m.readerAccount} (${seconds(mysqlWatch())})`,
      );
      return m;
    }),
  );

  try {
    // ZooKeeper
    const zkLabel = `ZooKeeper ${address(layout.zookeeper)}`;
    const zkWatch = stopwatch();
    const zkLogFrom = { log: fileSize(paths.zookeeperLog), out: fileSize(paths.zookeeperOut) };
    let zkProc: Started | null = null;
    if (zookeeperPid !== null) {
      progress('ZooKeeper', `${address(layout.zookeeper)} already running (pid ${zookeeperPid})`);
    } else {
      zkProc = launchZooKeeper(launch, layout.zookeeper);
      remember('ZooKeeper', zkProc, (pid) => {
        record.zookeeper.pid = pid;
        record.zookeeper.startedAt = pid ? new Date().toISOString() : null;
      });
      progress('ZooKeeper', `${address(layout.zookeeper)} starting (pid ${zkProc.pid}) …`);
    }
    await waitReady({
      label: zkLabel,
      what: 'answer ruok with imok',
      proc: zkProc,
      pid: zkProc?.pid ?? zookeeperPid!,
      logFrom: zkProc ? zkLogFrom : { log: 0, out: 0 },
      logFile: paths.zookeeperLog,
      outFile: paths.zookeeperOut,
      timeoutMs: options.zookeeperTimeoutMs ?? 30_000,
      probe: () => zookeeperOk(layout.zookeeper, 1000),
    });
    if (zkProc) progress('ZooKeeper', `${address(layout.zookeeper)} ready (${seconds(zkWatch())})`);

    // Brokers: the missing ones start together, then each is waited for.
    await waitForExpiredRegistrations(
      layout.zookeeper,
      layout.brokers.filter((_, i) => brokerPids[i] === null),
      progress,
      paths.zookeeperLog,
    );
    const brokerWatch = stopwatch();
    const brokerLogFrom = layout.brokers.map((b) => ({
      log: fileSize(paths.broker(b.id).log),
      out: fileSize(paths.broker(b.id).out),
    }));
    const ids = layout.brokers.map((b) => b.id);
    const startBroker = async (b: BrokerEndpoint, i: number): Promise<void> => {
      const running = brokerPids[i];
      if (running) {
        progress(`broker ${b.id}`, `${address(b)} already running (pid ${running})`);
      }
      const files = paths.broker(b.id);
      const deadline = Date.now() + REGISTRATION_RETRY_MS;
      for (;;) {
        let proc: Started | null = null;
        if (!running) {
          proc = launchBroker(launch, { broker: b, zookeeper: layout.zookeeper, brokerCount });
          const entry = record.brokers[i]!;
          remember(`broker ${b.id}`, proc, (p) => {
            entry.pid = p;
            entry.startedAt = p ? new Date().toISOString() : null;
          });
          progress(`broker ${b.id}`, `${address(b)} starting (pid ${proc.pid}) …`);
        }
        try {
          await waitReady({
            label: brokerLabel(b),
            what: `register and answer metadata listing broker${ids.length > 1 ? 's' : ''} ${ids.join(', ')}`,
            proc,
            pid: proc?.pid ?? running!,
            logFrom: proc ? brokerLogFrom[i]! : { log: 0, out: 0 },
            logFile: files.log,
            outFile: files.out,
            timeoutMs: options.brokerTimeoutMs ?? 60_000,
            probe: async () =>
              (await brokerAnswers(b, 1000)) &&
              allRegistered(await brokerMetadata(config.kafka, b, 3000), ids),
          });
          if (proc) progress(`broker ${b.id}`, `${address(b)} ready (${seconds(brokerWatch())})`);
          return;
        } catch (e) {
          // A ZooKeeper without `dump` (started by an older tollstream, or not ours) cannot tell us that a
          // killed broker's registration is still there; the new broker then exits with NodeExistsException.
          const stale =
            proc?.exitReason() &&
            e instanceof StackError &&
            e.logTail.some((l) => l.includes('NodeExistsException'));
          if (!stale || Date.now() > deadline) throw e;
          forget(proc!.pid);
          brokerLogFrom[i] = { log: fileSize(files.log), out: fileSize(files.out) };
          progress(`broker ${b.id}`, `${address(b)} still registered from its previous run; retrying …`);
          await sleep(1000);
        }
      }
    };
    await Promise.all(layout.brokers.map(startBroker));

    const mysqlOutcome = await mysqlTask;
    if (!mysqlOutcome.ok) throw mysqlOutcome.error;
    const mysql = mysqlOutcome.value;

    const topicWatch = stopwatch();
    const plan = await ensureStackTopics(config, layout, brokerCount);
    progress('topics', `${describePlan(plan)}; leaders elected (${seconds(topicWatch())})`);

    return {
      alreadyRunning,
      started: started.map((s) => s.label),
      record,
      topics: plan,
      mysql,
      elapsedMs: elapsed(),
    };
  } catch (e) {
    mysqlAbort.abort();
    await mysqlTask; // never leave it running unobserved
    if (started.length) {
      progress(
        'stack',
        `stopping what this run started: ${started.map((s) => `${s.label} (pid ${s.pid})`).join(', ')}`,
      );
      // Brokers before ZooKeeper, as `down` does.
      for (const s of [...started].reverse()) {
        // A process that died during start-up may have left its PID to someone else: signal only our own.
        if (isOurProcess(s.pid, marker)) await stopProcess(s.pid, { graceMs: 10_000 });
        s.stop();
      }
      if (record.brokers.every((b) => b.pid === null) && record.zookeeper.pid === null)
        record.startedAt = null;
      writeRecord(paths.record, record);
    }
    throw e;
  }
}

function chooseBrokerCount(
  requested: BrokerCount | undefined,
  previous: StackRecord | null,
  paths: StackPaths,
): BrokerCount {
  if (!previous) return requested ?? 1;
  if (requested === undefined || requested === previous.brokerCount) return previous.brokerCount;
  const hasData = previous.brokers.some((b) => exists(paths.broker(b.id).data));
  if (!hasData) return requested;
  throw new StackError(
    `the stack in ${paths.stateDir} was created with ${previous.brokerCount} broker${previous.brokerCount > 1 ? 's' : ''}; ` +
      `run "tollstream stack down --purge" first to start it with ${requested}`,
    { part: 'stack', exitCode: 2 },
  );
}

function exists(p: string): boolean {
  try {
    statSync(p);
    return true;
  } catch {
    return false;
  }
}

/** The recorded PID when it still is this stack's process for `file` on the same endpoint, else null. */
function runningPid(
  recorded: { host: string; port: number; pid: number | null } | undefined,
  endpoint: Endpoint,
  marker: string,
  file: string,
): number | null {
  if (!recorded || !isOurProcess(recorded.pid, marker, file)) return null;
  if (recorded.host !== endpoint.host || recorded.port !== endpoint.port) {
    throw new StackError(
      `the stack is running on ${address(recorded)} (pid ${recorded.pid}) but the configuration says ${address(endpoint)}; ` +
        'run "tollstream stack down" first to change ports',
      { part: 'stack', exitCode: 2 },
    );
  }
  return recorded.pid;
}

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

function settle<T>(p: Promise<T>): Promise<Settled<T>> {
  return p.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}
