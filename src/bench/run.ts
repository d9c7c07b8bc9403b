/**
 * The benchmark: the headless pipeline (simulator -> Kafka -> sink -> MySQL, all in this process) against the
 * running stack on run-scoped topics, database and group (fixture.ts).
 *  1. full speed: rate 0 for `events` passages; produced/s, persisted/s (until the sink has persisted the last
 *     one and the run reconciled), latency at full speed;
 *  2. at rate: 2,000 passages/s for 20 s (a flat curve, so the rate holds at any hour); p50/p99 produce-to-commit latency there;
 *  3. Kafka's ProducerPerformance with `events` 200-byte records, acks=all, on a topic like the passages topic.
 * Peak RSS is the process's maxRSS over phases 1 and 2 (ProducerPerformance runs in its own JVM).
 * CPU (phase 1): process.cpuUsage() (user + system, all threads of this process) at three marks — producers
 * started, producers stopped, sink drained. The drain stretch is the sink alone: its CPU / passages persisted in it
 * is the sink's µs per passage. While producing both engines run: the producer's µs per passage is that stretch's
 * CPU minus the sink's share (sink µs × passages persisted meanwhile), divided by passages produced. The box's
 * split is read from /proc between producers started and drained (see proc.ts).
 */
import type { Config } from '../config/config.ts';
import { runHeadless } from '../headless/run.ts';
import type { HeadlessOptions, HeadlessResult, RunMark } from '../headless/run.ts';
import { stackPaths } from '../stack/paths.ts';
import { isOurProcess, stackMarker } from '../stack/processes.ts';
import { readRecord } from '../stack/record.ts';
import type { Logger } from '../util/log.ts';
import { createFixture } from './fixture.ts';
import type { BenchFixture } from './fixture.ts';
import { runPerfTool } from './perf-tool.ts';
import { cpuSplit, pidsByComm, readCpuSample } from './proc.ts';
import type { CpuPids, CpuSample } from './proc.ts';
import type { BenchCpu, BenchResult, PhaseResult } from './report.ts';
import { ProgressLine, progressText } from './progress.ts';

export interface BenchOptions {
  events: number;
  latencyRate?: number;
  latencyDurationMs?: number;
  perfTool?: boolean;
  keep?: boolean;
  log: Logger;
  progress?: ProgressLine;
  signal?: AbortSignal;
  /** Test seam: substitute sources. */
  producerOptions?: HeadlessOptions['producerOptions'];
}

function phaseConfig(fixture: BenchFixture, base: Config, run: Partial<Config['run']>): Config {
  const { durationMs: _d, events: _e, ...rest } = base.run;
  return {
    ...fixture.config,
    run: { ...rest, sources: ['simulator:curve=flat'], role: 'all', intervalMs: 1000, ...run },
  };
}

function phaseResult(r: HeadlessResult): PhaseResult {
  const s = r.summary;
  const t = r.times;
  const persisted = s?.persisted ?? 0;
  const start = t.producersStartedAt ?? t.startedAt;
  const producing = ((t.producersStoppedAt ?? t.endedAt) - start) / 1000;
  const endToEnd = ((t.drainedAt ?? t.endedAt) - start) / 1000;
  return {
    passages: persisted,
    seconds: endToEnd,
    producedPerSec: s?.produced != null && producing > 0 ? s.produced / producing : null,
    persistedPerSec: t.drainedAt && endToEnd > 0 ? persisted / endToEnd : null,
    p50Ms: s?.latencyP50Ms ?? null,
    p99Ms: s?.latencyP99Ms ?? null,
    reconciled: s?.reconciled ?? null,
    reason: s?.reason ?? r.usageError ?? null,
  };
}

/** Below this many passages the drain stretch is too short to price the sink. */
const MIN_DRAIN_PASSAGES = 1000;

/** The stack's JVMs (from its record, when this state dir's stack runs them) and MariaDB's server processes. */
function cpuPids(config: Config): CpuPids {
  const paths = stackPaths(config.stateDir);
  const record = readRecord(paths.record);
  const marker = stackMarker(paths.stateDir);
  const ours = (pid: number | null): number[] => (isOurProcess(pid, marker) ? [pid] : []);
  const mariadbd = pidsByComm('mariadbd');
  return {
    kafka: record ? record.brokers.flatMap((b) => ours(b.pid)) : [],
    zookeeper: record ? ours(record.zookeeper.pid) : [],
    mariadb: mariadbd.length ? mariadbd : pidsByComm('mysqld'),
  };
}

interface Mark {
  cpu: NodeJS.CpuUsage;
  at: number;
  produced: number;
  persisted: number;
  proc: CpuSample | null;
}

/** CPU per passage and the box's split from the full-speed phase's marks (see the header). */
export function cpuFromMarks(marks: Partial<Record<RunMark, Mark>>): BenchCpu | null {
  const { producersStarted: a, producersStopped: b, drained: c } = marks;
  if (!a || !b) return null;
  const us = (from: Mark, to: Mark): number =>
    to.cpu.user + to.cpu.system - (from.cpu.user + from.cpu.system);
  const producing = {
    cpuUs: us(a, b),
    produced: b.produced - a.produced,
    persisted: b.persisted - a.persisted,
    seconds: (b.at - a.at) / 1000,
  };
  const draining = c
    ? { cpuUs: us(b, c), persisted: c.persisted - b.persisted, seconds: (c.at - b.at) / 1000 }
    : null;
  const sinkUsPerPassage =
    draining && draining.persisted >= MIN_DRAIN_PASSAGES ? draining.cpuUs / draining.persisted : null;
  const producerUsPerPassage =
    sinkUsPerPassage !== null && producing.produced > 0
      ? Math.max(0, producing.cpuUs - sinkUsPerPassage * producing.persisted) / producing.produced
      : null;
  return {
    producerUsPerPassage,
    sinkUsPerPassage,
    producingUsPerPassage: producing.produced > 0 ? producing.cpuUs / producing.produced : null,
    producing,
    draining,
    split: c?.proc && a.proc ? cpuSplit(a.proc, c.proc) : null,
  };
}

export async function runBench(config: Config, options: BenchOptions): Promise<BenchResult> {
  const { log, events } = options;
  const progress = options.progress ?? new ProgressLine();
  const rate = options.latencyRate ?? 2000;
  const latencyMs = options.latencyDurationMs ?? 20_000;
  const fixture = await createFixture(config, log, { keep: options.keep ?? false });
  log.info(`bench run ${fixture.runId}: topics bench-${fixture.runId}.*, database ${fixture.database}`);
  const common: HeadlessOptions = {
    out: () => {},
    logger: log,
    topics: fixture.topics,
    groupId: fixture.groupId,
    ...(options.signal ? { stop: options.signal } : {}),
    ...(options.producerOptions ? { producerOptions: options.producerOptions } : {}),
  };
  const pids = cpuPids(config);
  const marks: Partial<Record<RunMark, Mark>> = {};
  const onMark = (m: RunMark, counts: { produced: number; persisted: number }): void => {
    const proc = m === 'producersStopped' ? null : readCpuSample(pids);
    marks[m] = { cpu: process.cpuUsage(), at: Date.now(), ...counts, proc };
  };
  try {
    const full = await runHeadless(phaseConfig(fixture, config, { rate: 0, events }), {
      ...common,
      onMark,
      onStatus: (line) => progress.update(progressText('[1/3 full speed]', line, events)),
    });
    progress.done();
    const fullSpeed = phaseResult(full);
    const cpu = cpuFromMarks(marks);
    let latency: PhaseResult = {
      ...fullSpeed,
      passages: 0,
      seconds: 0,
      p50Ms: null,
      p99Ms: null,
      reconciled: null,
      reason: 'skipped',
    };
    if (!options.signal?.aborted) {
      const atRate = await runHeadless(phaseConfig(fixture, config, { rate, durationMs: latencyMs }), {
        ...common,
        onStatus: (line) => progress.update(progressText(`[2/3 ${rate}/s]`, line)),
      });
      progress.done();
      latency = phaseResult(atRate);
    }
    const peakRssMb = process.resourceUsage().maxRSS / 1024;
    let perfTool: BenchResult['perfTool'] = null;
    if (options.perfTool !== false && !options.signal?.aborted) {
      progress.update(
        `[3/3 ProducerPerformance] ${events.toLocaleString('en-US')} records of 200 bytes, acks=all ...`,
      );
      try {
        perfTool = await runPerfTool({
          brokers: config.kafka.brokers,
          topic: fixture.perfTopic,
          records: events,
          ...(options.signal ? { signal: options.signal } : {}),
        });
      } catch (e) {
        perfTool = { error: (e as Error).message };
      }
      progress.done();
    }
    return {
      events,
      brokers: fixture.brokers,
      partitions: fixture.partitions,
      fullSpeed,
      latency: { ...latency, rate, seconds: latency.seconds },
      peakRssMb,
      perfTool,
      cpu,
    };
  } finally {
    await fixture.cleanup();
  }
}
