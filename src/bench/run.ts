/**
 * The benchmark: the headless pipeline (simulator -> Kafka -> sink -> MySQL, all in this process) against the
 * running stack on run-scoped topics, database and group (fixture.ts).
 *  1. full speed: rate 0 for `events` passages; produced/s, persisted/s (until the sink has persisted the last
 *     one and the run reconciled), latency at full speed;
 *  2. at rate: 2,000 passages/s for 20 s (a flat curve, so the rate holds at any hour); p50/p99 produce-to-commit latency there;
 *  3. Kafka's ProducerPerformance with `events` 200-byte records, acks=all, on a topic like the passages topic.
 * Peak RSS is the process's maxRSS over phases 1 and 2 (ProducerPerformance runs in its own JVM).
 */
import type { Config } from '../config/config.ts';
import { runHeadless } from '../headless/run.ts';
import type { HeadlessOptions, HeadlessResult } from '../headless/run.ts';
import type { Logger } from '../util/log.ts';
import { createFixture } from './fixture.ts';
import type { BenchFixture } from './fixture.ts';
import { runPerfTool } from './perf-tool.ts';
import type { BenchResult, PhaseResult } from './report.ts';
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
  try {
    const full = await runHeadless(phaseConfig(fixture, config, { rate: 0, events }), {
      ...common,
      onStatus: (line) => progress.update(progressText('[1/3 full speed]', line, events)),
    });
    progress.done();
    const fullSpeed = phaseResult(full);
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
    };
  } finally {
    await fixture.cleanup();
  }
}
