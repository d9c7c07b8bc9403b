/**
 * The benchmark: the headless pipeline (simulator -> Kafka -> sink -> MySQL, all in this process) against the
 * running stack on run-scoped topics, database and group (fixture.ts), one fixture per group of phases.
 *  0. warm-up (unreported): min(`events`, 30,000) passages at full speed on a fixture of its own;
 *  1. full speed: rate 0 for `events` passages; produced/s, persisted/s (until the sink has persisted the last
 *     one and the run reconciled), latency at full speed;
 *  2. at rate: 2,000 passages/s for 20 s (a flat curve, so the rate holds at any hour); p50/p99 produce-to-commit latency there;
 *  3. and 4. the same two with the full-screen monitor open: the real Ink app drawn in this process into an
 *     off-screen 80×24 terminal (monitor.ts), on a fixture of their own so they start from the same empty topics
 *     and tables as 1 and 2; the monitor's cost is 1 − persisted/s of 3 / persisted/s of 1;
 *  5. a backlog of min(`events`, 300,000) produced with the sink off, then drained by the sink alone (backlog.ts);
 *  6. Kafka's ProducerPerformance with `events` 200-byte records, acks=all, on a topic like the passages topic.
 * Peak RSS is the process's maxRSS after phases 1 and 2, and again after 5 (ProducerPerformance runs in its own JVM).
 * CPU (phase 1): process.cpuUsage() (user + system, all threads of this process) at three marks — producers
 * started, producers stopped, sink drained. The drain stretch is the sink alone: its CPU / passages persisted in it
 * is the sink's µs per passage. While producing both engines run: the producer's µs per passage is that stretch's
 * CPU minus the sink's share (sink µs × passages persisted meanwhile), divided by passages produced. The box's
 * split is read from /proc between producers started and drained (see proc.ts).
 */
import type { Config } from '../config/config.ts';
import { runHeadless } from '../headless/run.ts';
import type { HeadlessOptions, HeadlessResult, RunMark } from '../headless/run.ts';
import type { LogLevel, LogSink } from '../util/log.ts';
import { MAX_BACKLOG, runBacklog } from './backlog.ts';
import { offscreenTerminal } from './offscreen.ts';
import type { OffscreenTerminal } from './offscreen.ts';
import { stackPaths } from '../stack/paths.ts';
import { isOurProcess, stackMarker } from '../stack/processes.ts';
import { readRecord } from '../stack/record.ts';
import type { Logger } from '../util/log.ts';
import { createFixture } from './fixture.ts';
import type { BenchFixture } from './fixture.ts';
import { runPerfTool } from './perf-tool.ts';
import { cpuSplit, pidsByComm, readCpuSample } from './proc.ts';
import type { CpuPids, CpuSample } from './proc.ts';
import type { BacklogResult, BenchCpu, BenchResult, MonitorPhaseResult, PhaseResult } from './report.ts';
import { ProgressLine, progressText } from './progress.ts';

export interface BenchOptions {
  events: number;
  latencyRate?: number;
  latencyDurationMs?: number;
  perfTool?: boolean;
  /** Passages of the backlog the sink drains alone (default min(events, 300,000)). */
  backlogPassages?: number;
  /** Passages of the unreported warm-up before phase 1 (default min(events, 30,000); 0: none). */
  warmUpPassages?: number;
  keep?: boolean;
  log: Logger;
  /**
   * Where logs go once the monitor phases are over (the monitor takes the log sink over while it is up, as on a
   * terminal); by default they are dropped then.
   */
  logSink?: { sink: LogSink; level: LogLevel };
  progress?: ProgressLine;
  signal?: AbortSignal;
  /** Test seam: substitute sources. */
  producerOptions?: HeadlessOptions['producerOptions'];
  /** Test seam: the off-screen terminal of each monitor phase, as it is created. */
  onTerminal?: (phase: 'fullSpeed' | 'latency', terminal: OffscreenTerminal) => void;
  /** Test seam: the fixtures that were created, before they are removed (unless `keep`). */
  beforeCleanup?: (fixtures: BenchFixtures) => Promise<void>;
}

export interface BenchFixtures {
  /** Phases 1, 2 and ProducerPerformance. */
  headless: BenchFixture;
  /** Phases 3 and 4. */
  monitor?: BenchFixture;
  /** Phase 5. */
  backlog?: BenchFixture;
  /** The warm-up. */
  warmUp?: BenchFixture;
}

function phaseConfig(fixture: BenchFixture, base: Config, run: Partial<Config['run']>): Config {
  // The bench's own runs: not the caller's ack log, duration or event count.
  const { durationMs: _d, events: _e, ackLog: _a, ...rest } = base.run;
  return {
    ...fixture.config,
    run: { ...rest, sources: ['simulator:curve=flat'], role: 'all', intervalMs: 1000, ...run },
    // The bench measures ingestion; the anomaly detector is a consumer of its own, left out of these figures.
    anomalies: { ...fixture.config.anomalies, enabled: false },
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

function skipped(): PhaseResult {
  return {
    passages: 0,
    seconds: 0,
    producedPerSec: null,
    persistedPerSec: null,
    p50Ms: null,
    p99Ms: null,
    reconciled: null,
    reason: 'skipped',
  };
}

/** The warm-up's size at most: a few seconds at full speed. */
const WARM_UP = 30_000;

const maxRssMb = (): number => process.resourceUsage().maxRSS / 1024;

export async function runBench(config: Config, options: BenchOptions): Promise<BenchResult> {
  const { log, events, signal } = options;
  const progress = options.progress ?? new ProgressLine();
  const rate = options.latencyRate ?? 2000;
  const latencyMs = options.latencyDurationMs ?? 20_000;
  const backlogPassages = options.backlogPassages ?? Math.min(events, MAX_BACKLOG);
  const keep = options.keep ?? false;
  const phases = options.perfTool === false ? 5 : 6;
  const label = (phase: number, what: string): string => `[${phase}/${phases} ${what}]`;
  const aborted = (): boolean => signal?.aborted ?? false;
  const logSink = options.logSink ?? { sink: () => {}, level: 'warn' };
  const fixtures: Partial<BenchFixtures> = {};
  const headlessOptions = (fixture: BenchFixture): HeadlessOptions => ({
    out: () => {},
    logger: log,
    topics: fixture.topics,
    groupId: fixture.groupId,
    ...(signal ? { stop: signal } : {}),
    ...(options.producerOptions ? { producerOptions: options.producerOptions } : {}),
  });
  const pids = cpuPids(config);
  const marks: Partial<Record<RunMark, Mark>> = {};
  const onMark = (m: RunMark, counts: { produced: number; persisted: number }): void => {
    const proc = m === 'producersStopped' ? null : readCpuSample(pids);
    marks[m] = { cpu: process.cpuUsage(), at: Date.now(), ...counts, proc };
  };
  try {
    const fixture = await createFixture(config, log, { keep });
    fixtures.headless = fixture;
    log.info(`bench run ${fixture.runId}: topics bench-${fixture.runId}.*, database ${fixture.database}`);

    // Warm-up, unreported: the first full-speed run in a process also pays for JIT compilation and lazy loading,
    // which would make phase 1 look slower than phase 3 and hide the monitor's cost. Its own fixture, so phase 1
    // still starts on empty topics and tables. The monitor is not drawn here: phase 3 starts with Ink cold, so if
    // anything its cost is overstated.
    const warmUpPassages = options.warmUpPassages ?? Math.min(events, WARM_UP);
    if (warmUpPassages > 0 && !aborted()) {
      const warm = await createFixture(config, log, { keep, perfTopic: false });
      fixtures.warmUp = warm;
      const r = await runHeadless(phaseConfig(warm, config, { rate: 0, events: warmUpPassages }), {
        ...headlessOptions(warm),
        onStatus: (line) => progress.update(progressText('[warm-up]', line, warmUpPassages)),
      });
      progress.done();
      if (r.summary?.reconciled !== true)
        log.warn(`warm-up did not reconcile: ${r.summary?.reason ?? r.usageError ?? 'no summary'}`);
    }

    // 1 and 2: headless.
    const full = await runHeadless(phaseConfig(fixture, config, { rate: 0, events }), {
      ...headlessOptions(fixture),
      onMark,
      onStatus: (line) => progress.update(progressText(label(1, 'full speed'), line, events)),
    });
    progress.done();
    const fullSpeed = phaseResult(full);
    const cpu = cpuFromMarks(marks);
    let latency = skipped();
    if (!aborted()) {
      const atRate = await runHeadless(phaseConfig(fixture, config, { rate, durationMs: latencyMs }), {
        ...headlessOptions(fixture),
        onStatus: (line) => progress.update(progressText(label(2, `${rate}/s`), line)),
      });
      progress.done();
      latency = phaseResult(atRate);
    }
    const peakRssMb = maxRssMb();

    // 3 and 4: the same with the monitor open.
    const monitor: NonNullable<BenchResult['monitor']> = {
      fullSpeed: { ...skipped(), screen: null },
      latency: { ...skipped(), screen: null, rate },
    };
    if (!aborted()) {
      const onScreen = await createFixture(config, log, { keep, perfTopic: false });
      fixtures.monitor = onScreen;
      // Ink and React load here, after the command has chosen React's build.
      const { offscreenMonitor } = await import('./monitor.ts');
      const withMonitor = async (
        phase: 'fullSpeed' | 'latency',
        run: Partial<Config['run']>,
        status: (line: Record<string, unknown>) => string,
      ): Promise<MonitorPhaseResult> => {
        const terminal = offscreenTerminal(80, 24);
        options.onTerminal?.(phase, terminal);
        const screen = offscreenMonitor(onScreen.config, terminal, logSink);
        const r = await runHeadless(phaseConfig(onScreen, config, run), {
          ...headlessOptions(onScreen),
          // As the monitor runs it: its header reads the cluster monitor.
          clusterMonitor: true,
          attach: screen.attach,
          onStatus: (line) => progress.update(status(line)),
        });
        progress.done();
        const stats = screen.stats();
        const result = phaseResult(r);
        return stats.error
          ? { ...result, screen: stats, reconciled: false, reason: `the monitor failed: ${stats.error}` }
          : { ...result, screen: stats };
      };
      monitor.fullSpeed = await withMonitor('fullSpeed', { rate: 0, events }, (line) =>
        progressText(label(3, 'full speed, monitor open'), line, events),
      );
      if (!aborted()) {
        monitor.latency = {
          ...(await withMonitor('latency', { rate, durationMs: latencyMs }, (line) =>
            progressText(label(4, `${rate}/s, monitor open`), line),
          )),
          rate,
        };
      }
    }

    // 5: a backlog for the sink alone.
    let backlog: BacklogResult = {
      passages: 0,
      producedPerSec: null,
      joinSeconds: null,
      seconds: null,
      persistedPerSec: null,
      rows: null,
      reconciled: null,
      reason: 'skipped',
    };
    if (!aborted()) {
      const alone = await createFixture(config, log, { keep, perfTopic: false });
      fixtures.backlog = alone;
      backlog = await runBacklog(alone, {
        passages: backlogPassages,
        config: (run) => phaseConfig(alone, config, run),
        headless: headlessOptions(alone),
        log,
        ...(signal ? { signal } : {}),
        onStatus: (stage, line) =>
          progress.update(
            stage === 'producing'
              ? progressText(label(5, 'backlog, sink off'), line, backlogPassages)
              : progressText(label(5, 'backlog, sink alone'), line),
          ),
      });
      progress.done();
    }
    const peakRssMbAll = maxRssMb();

    let perfTool: BenchResult['perfTool'] = null;
    if (options.perfTool !== false && !aborted() && fixture.perfTopic) {
      progress.update(
        `${label(6, 'ProducerPerformance')} ${events.toLocaleString('en-US')} records of 200 bytes, acks=all ...`,
      );
      try {
        perfTool = await runPerfTool({
          brokers: config.kafka.brokers,
          topic: fixture.perfTopic,
          records: events,
          ...(signal ? { signal } : {}),
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
      latency: { ...latency, rate },
      peakRssMb,
      perfTool,
      cpu,
      monitor,
      backlog,
      peakRssMbAll,
      ...(warmUpPassages > 0 ? { warmUpPassages } : {}),
    };
  } finally {
    progress.done();
    if (options.beforeCleanup && fixtures.headless) {
      await options.beforeCleanup(fixtures as BenchFixtures).catch((e: unknown) => {
        log.warn(`beforeCleanup failed: ${(e as Error).message}`);
      });
    }
    for (const f of [fixtures.warmUp, fixtures.headless, fixtures.monitor, fixtures.backlog])
      await f?.cleanup();
  }
}
