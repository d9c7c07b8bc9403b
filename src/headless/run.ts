/**
 * A headless run: the same pipeline as the monitor, reported as NDJSON on stdout. It ends on SIGINT/SIGTERM,
 * after --duration, once --events passages are produced, or once every (finite) source is exhausted. Then it
 * stops the producers (flush), waits for the sink to persist what they published, reconciles Kafka against
 * MySQL, shuts the pipeline down and prints the summary. A second signal skips the waiting.
 */
import { ConfigError } from '../config/config.ts';
import type { Config } from '../config/config.ts';
import type { EngineStatus, ProducersSnapshot } from '../engines/types.ts';
import type { DrainResult, OffsetMap } from '../runtime/drain.ts';
import { partitionKey } from '../kafka/partition-key.ts';
import { waitForDrain } from '../runtime/drain.ts';
import { createPipeline } from '../runtime/pipeline.ts';
import type { Pipeline, PipelineOptions, PipelineParts } from '../runtime/pipeline.ts';
import { RECONCILE_CHUNK, reconcile } from '../runtime/reconcile.ts';
import type { ReconcileResult } from '../runtime/reconcile.ts';
import { EventIdSpool } from '../runtime/spool.ts';
import type { TollEvent } from '../domain/types.ts';
import type { AckTally } from '../kafka/ack-check.ts';
import { AckLog } from './ack-log.ts';
import type { Topics } from '../config/config.ts';
import { sleep } from '../util/backoff.ts';
import { createLogger } from '../util/log.ts';
import type { Logger } from '../util/log.ts';
import { realServices } from './services.ts';
import type { RunServices } from './services.ts';
import { ourLag, sourceSummaries, statusLine } from './status.ts';
import type { EndReason, ProducedVerification, RunPhase, RunSummary } from './status.ts';
import { rejectLimit, verdict } from './verdict.ts';
import { finishReplace, prepareReplace } from '../imports/replace.ts';
import type { ReplaceRun } from '../imports/replace.ts';
import { startMetricsEndpoint } from '../metrics/index.ts';
import type { MetricsEndpoint } from '../metrics/index.ts';

export interface HeadlessOptions {
  /** Where NDJSON lines go (stdout by default). */
  out?: (line: string) => void;
  logger?: Logger;
  /** Substitute engines (tests) and services (offsets, MySQL look-ups). */
  parts?: Partial<PipelineParts>;
  services?: RunServices;
  topics?: Partial<Topics>;
  groupId?: string;
  producerOptions?: PipelineOptions['producerOptions'];
  /** Listen to SIGINT/SIGTERM (the CLI does; the benchmark and tests stop through `stop`). */
  signals?: boolean;
  /** Aborting it is a graceful stop request, like the first SIGINT. */
  stop?: AbortSignal;
  /** Called with every status line (the benchmark's progress display). */
  onStatus?: (line: Record<string, unknown>) => void;
  /** How long the sink may make no progress while the run waits for it (default 60 s). */
  drainStallMs?: number;
  /** Longest wait for the sink to join before producers start anyway (default 15 s). */
  sinkJoinWaitMs?: number;
  spoolDir?: string;
  /**
   * Called synchronously as the producers start, once they have stopped, and when the sink has drained, with the
   * passages acknowledged and persisted so far (lets a caller measure each stretch, e.g. CPU per passage).
   */
  onMark?: (mark: RunMark, counts: { produced: number; persisted: number }) => void;
  /**
   * Called once with the pipeline before its engines start (the benchmark draws the monitor on it, or watches the
   * sink); what it returns is called after the pipeline has shut down.
   */
  attach?: (pipeline: Pipeline) => (() => Promise<void> | void) | undefined;
  /** Runs the cluster monitor too (the monitor's header reads it; a headless run has no use for it). */
  clusterMonitor?: boolean;
}

export type RunMark = 'producersStarted' | 'producersStopped' | 'drained';

export interface RunTimes {
  startedAt: number;
  producersStartedAt: number | null;
  /** When the last passage was acknowledged (producers stopped). */
  producersStoppedAt: number | null;
  /** When the sink had persisted everything (role all, drained). */
  drainedAt: number | null;
  endedAt: number;
}

export interface HeadlessResult {
  exitCode: number;
  summary: RunSummary | null;
  times: RunTimes;
  /** Why a run refused to start (exit 2). */
  usageError?: string;
}

export class UsageError extends Error {}

const CONSUMED_ROLES = ['passages', 'payments', 'plazas', 'legacy', 'dlq'] as const;
const PRODUCED_ROLES = ['passages', 'payments', 'plazas'] as const;

export async function runHeadless(config: Config, options: HeadlessOptions = {}): Promise<HeadlessResult> {
  const out = options.out ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const log = options.logger ?? createLogger('headless');
  const role = config.run.role;
  const startedAt = Date.now();
  const times: RunTimes = {
    startedAt,
    producersStartedAt: null,
    producersStoppedAt: null,
    drainedAt: null,
    endedAt: 0,
  };
  const spool = role === 'all' ? new EventIdSpool(options.spoolDir) : null;
  const produces = role === 'producer' || role === 'all';
  const ackLog = config.run.ackLog && produces ? new AckLog(config.run.ackLog) : null;
  const recordAcked =
    spool || ackLog
      ? (events: readonly TollEvent[]): void => {
          const ids = events.map((e) => e.passage.eventId);
          spool?.append(ids);
          ackLog?.append(ids);
        }
      : null;

  let pipeline: Pipeline;
  let replace: ReplaceRun | null;
  try {
    replace = config.run.replace ? prepareReplace(config, log.child('replace')) : null;
    pipeline = createPipeline(config, {
      role,
      sources: config.run.sources,
      ...(options.topics ? { topics: options.topics } : {}),
      ...(options.groupId ? { groupId: options.groupId } : {}),
      logger: log,
      ...(config.run.events !== undefined ? { maxPassages: config.run.events } : {}),
      ...(recordAcked ? { onAcked: (_id: string, events) => recordAcked(events) } : {}),
      producerOptions: replace ? replace.producerOptions(options.producerOptions) : options.producerOptions,
      ...(options.parts ? { parts: options.parts } : {}),
      lagIntervalMs: Math.min(2000, config.run.intervalMs),
      clusterMonitor: options.clusterMonitor ?? false,
    });
  } catch (e) {
    spool?.remove();
    return usage(e, times);
  }

  const services = options.services ?? realServices(config, log);
  const needed = [
    ...new Set([
      ...(produces ? PRODUCED_ROLES.map((r) => pipeline.topics[r]) : []),
      ...(role !== 'producer' ? CONSUMED_ROLES.map((r) => pipeline.topics[r]) : []),
      ...(pipeline.anomalies ? [pipeline.topics.anomalies] : []),
    ]),
  ];
  try {
    const missing = await services.topicsMissing(needed);
    if (missing.length) {
      throw new UsageError(
        `topic${missing.length > 1 ? 's' : ''} ${missing.join(', ')} do${missing.length > 1 ? '' : 'es'} not exist on ${config.kafka.brokers.join(',')}; create them with "tollstream stack up"`,
      );
    }
  } catch (e) {
    if (e instanceof UsageError) {
      spool?.remove();
      await services.close();
      await pipeline.shutdown();
      return usage(e, times);
    }
    // Kafka unreachable: not a usage error; the engines show it and keep retrying.
    log.warn(`cannot check topics: ${(e as Error).message}`);
  }
  let metrics: MetricsEndpoint | null;
  try {
    metrics = await startMetricsEndpoint(config, pipeline, log.child('metrics'));
  } catch (e) {
    spool?.remove();
    await services.close();
    await pipeline.shutdown();
    return usage(e, times);
  }

  // ---- ending ----
  let phase: RunPhase = 'running';
  const graceful = new AbortController();
  const interrupt = new AbortController();
  let endReason: EndReason | null = null;
  const end = (reason: EndReason): void => {
    if (endReason) return;
    endReason = reason;
    log.info(`stopping: ${reason}`);
    graceful.abort();
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    if (!endReason) {
      log.info(`${signal}: stopping gracefully (again to skip waiting for the sink)`);
      end('signal');
    } else if (!interrupt.signal.aborted) {
      log.warn(`${signal} again: not waiting any longer`);
      interrupt.abort();
    }
  };
  if (options.signals) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  options.stop?.addEventListener('abort', () => end('signal'), { once: true });
  if (options.stop?.aborted) end('signal');
  const durationTimer =
    config.run.durationMs !== undefined
      ? setTimeout(() => end('duration'), config.run.durationMs)
      : undefined;
  const unwatch = pipeline.producers
    ? watchProducers(pipeline.producers.store, config.run.events, end)
    : undefined;

  const mark = (m: RunMark): void =>
    options.onMark?.(m, {
      produced: pipeline.producers?.store.getSnapshot().totals.acked ?? 0,
      persisted: pipeline.sink?.store.getSnapshot().persisted ?? 0,
    });

  // ---- status lines ----
  const snapshotLine = (): Record<string, unknown> =>
    statusLine({
      now: Date.now(),
      startedAt,
      role,
      phase,
      groupId: pipeline.groupId,
      producers: pipeline.producers?.store.getSnapshot() ?? null,
      sink: pipeline.sink?.store.getSnapshot() ?? null,
      lag: pipeline.lag?.store.getSnapshot() ?? null,
      anomalies: pipeline.anomalies?.store.getSnapshot() ?? null,
    });
  const emit = (): void => {
    const line = snapshotLine();
    out(JSON.stringify(line));
    options.onStatus?.(line);
  };
  const ticker = setInterval(emit, config.run.intervalMs);

  let drain: DrainResult | null = null;
  let verified: ProducedVerification | null = null;
  let reconciled: ReconcileResult | null = null;
  let reconcileError: string | undefined;
  // Stopping the sink turns its status into "stopped"; the verdict needs the state the run ended in.
  let sinkStatusAtEnd: EngineStatus | null = null;
  let detectorStatusAtEnd: EngineStatus | null = null;
  let detach: (() => Promise<void> | void) | undefined;
  try {
    detach = options.attach?.(pipeline);
    if (pipeline.sink) {
      const joined = pipeline.startConsumers();
      joined.catch((e: unknown) => log.error(`sink failed to start: ${(e as Error).message}`));
      // Producing before the sink has joined only adds the join to the first passages' latency.
      if (pipeline.producers)
        await Promise.race([joined, sleep(options.sinkJoinWaitMs ?? 15_000, graceful.signal)]);
    } else {
      // No sink here: the lag monitor, and the anomaly detector of a --role anomalies run.
      void pipeline
        .startConsumers()
        .catch((e: unknown) => log.error(`failed to start: ${(e as Error).message}`));
    }
    if (!graceful.signal.aborted) {
      times.producersStartedAt = Date.now();
      mark('producersStarted');
      pipeline.startProducers();
    }
    await new Promise<void>((resolve) => {
      if (graceful.signal.aborted) resolve();
      graceful.signal.addEventListener('abort', () => resolve(), { once: true });
    });

    phase = 'flushing';
    await pipeline.stopProducers();
    times.producersStoppedAt = Date.now();
    mark('producersStopped');
    const producedTopics = PRODUCED_ROLES.map((r) => pipeline.topics[r]);
    const tally = pipeline.producers?.acknowledgements;
    const draining = role === 'all' && spool !== null;
    // One read of the partitions' ends serves both the acknowledgement check and the drain's target.
    const ends =
      (tally?.counters.sends ?? 0) > 0 || draining
        ? await services.highWatermarks(producedTopics).then(
            (map) => ({ map }),
            (e: unknown) => ({ error: (e as Error).message }),
          )
        : null;
    verified = tally && ends ? verifyProduced(tally, ends) : null;
    if (draining && ends) {
      phase = 'draining';
      try {
        if ('error' in ends) throw new Error(ends.error);
        drain = await waitForDrain({
          targets: ends.map,
          committed: () => services.committed(pipeline.groupId, producedTopics),
          signal: interrupt.signal,
          ...(options.drainStallMs !== undefined ? { stallMs: options.drainStallMs } : {}),
        });
      } catch (e) {
        drain = { drained: false, lag: NaN, reason: `cannot read offsets: ${(e as Error).message}` };
      }
      if (drain.drained) {
        times.drainedAt = Date.now();
        mark('drained');
        phase = 'reconciling';
        try {
          reconciled = await reconcile(spool.chunks(RECONCILE_CHUNK), replace?.lookup ?? services.lookup, {
            signal: interrupt.signal,
            since: startedAt,
          });
        } catch (e) {
          reconcileError = (e as Error).message;
        }
      }
    }
    phase = 'stopping';
  } finally {
    clearInterval(ticker);
    // The last status line, also for a run shorter than one interval.
    emit();
    if (durationTimer) clearTimeout(durationTimer);
    unwatch?.();
    sinkStatusAtEnd = pipeline.sink?.store.getSnapshot().status ?? null;
    detectorStatusAtEnd = pipeline.anomalies?.store.getSnapshot().status ?? null;
    await pipeline.shutdown();
    await detach?.();
    if (options.signals) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    spool?.remove();
    ackLog?.close();
    await services.close();
    await metrics?.close();
  }
  times.endedAt = Date.now();

  const producers = pipeline.producers?.store.getSnapshot() ?? null;
  const sink = pipeline.sink?.store.getSnapshot() ?? null;
  const judged = verdict({
    role,
    interrupted: interrupt.signal.aborted,
    producers,
    verified,
    sinkStatus: sinkStatusAtEnd,
    detectorStatus: detectorStatusAtEnd,
    drain,
    reconcile: reconciled,
    ...(reconcileError ? { reconcileError } : {}),
    ...(config.run.maxRejects ? { maxRejects: config.run.maxRejects } : {}),
  });
  // A replace run swaps its staged rows in only now that the run has passed its checks.
  const { verdict: v, replaced } = await finishReplace(replace, judged, endReason);
  const producingS = times.producersStartedAt
    ? ((times.producersStoppedAt ?? times.endedAt) - times.producersStartedAt) / 1000
    : 0;
  const persistingS = ((times.drainedAt ?? times.endedAt) - startedAt) / 1000;
  const summary: RunSummary = {
    type: 'summary',
    role,
    stoppedBy: endReason ?? 'signal',
    durationS: Math.round((times.endedAt - startedAt) / 100) / 10,
    sources: sourceSummaries(producers, (p) => rejectLimit(p, config.run.maxRejects)),
    plazasRegistered: pipeline.producers?.plazaRegistry?.registeredThisRun() ?? [],
    produced: producers?.totals.acked ?? null,
    failed: producers?.totals.failed ?? null,
    unacked: producers ? producers.totals.sent - producers.totals.acked - producers.totals.failed : null,
    payments: producers ? producers.producers.reduce((n, p) => n + p.payments, 0) : null,
    persisted: sink?.persisted ?? null,
    rows: sink
      ? {
          passages: sink.persisted,
          payments: sink.payments,
          thisRun: reconciled
            ? { written: reconciled.written, alreadyPresent: reconciled.found - reconciled.written }
            : null,
          backlog: reconciled ? Math.max(0, sink.persisted - reconciled.written) : null,
        }
      : null,
    alreadyPresent: sink?.alreadyPresent ?? null,
    deadLettered: sink?.deadLettered ?? null,
    duplicatesFound: reconciled?.duplicates ?? null,
    missing: reconciled?.missing ?? null,
    lag:
      drain && Number.isFinite(drain.lag)
        ? drain.lag
        : ourLag(pipeline.lag?.store.getSnapshot() ?? null, pipeline.groupId),
    producedPerSec: producers && producingS > 0 ? Math.round(producers.totals.acked / producingS) : null,
    persistedPerSec: sink && persistingS > 0 ? Math.round(sink.persisted / persistingS) : null,
    latencyP50Ms: sink?.latency.p50Ms ?? null,
    latencyP99Ms: sink?.latency.p99Ms ?? null,
    verified,
    reconciled: v.reconciled,
    reason: v.reason,
    ...(replaced ? { replaced } : {}),
  };
  const detector = pipeline.anomalies?.store.getSnapshot();
  if (detector) {
    const { findings, perRule, published, watermark, inputs, late } = detector;
    summary.anomalies = { findings, perRule, published, watermark, inputs, late };
  }
  out(JSON.stringify(summary));
  if (v.exitCode !== 0) log.error(v.reason ?? 'run failed');
  return { exitCode: v.exitCode, summary, times };
}

/** Checks, once the producers have flushed, that every partition's log still reaches what it acknowledged. */
function verifyProduced(
  tally: AckTally,
  ends: { map: OffsetMap } | { error: string },
): ProducedVerification | null {
  if (!tally.counters.sends) return null;
  const { partitionAcks, resent, overlaps } = tally.counters;
  const base = { partitionAcks, resent, overlaps, partitionsChecked: tally.partitions };
  if ('error' in ends) return { ...base, shortfalls: [], error: ends.error };
  const shortfalls = tally
    .shortfalls((topic, partition) => ends.map.get(partitionKey(topic, partition)))
    .map(
      (s) =>
        `${s.topic}[${s.partition}] ends at ${s.logEnd ?? 'nothing'} but offsets up to ${s.acknowledgedEnd - 1n} were acknowledged`,
    );
  return { ...base, shortfalls, error: null };
}

function usage(e: unknown, times: RunTimes): HeadlessResult {
  const message = e instanceof Error ? e.message : String(e);
  const known =
    e instanceof UsageError || e instanceof ConfigError || (e as Error)?.name === 'SourceSpecError';
  times.endedAt = Date.now();
  return { exitCode: 2, summary: null, times, usageError: known ? message : `cannot start: ${message}` };
}

/** Ends the run once every producer is done: finished (source exhausted or --events spent) or failed for good. */
function watchProducers(
  store: { subscribe(l: () => void): () => void; getSnapshot(): ProducersSnapshot },
  events: number | undefined,
  end: (reason: EndReason) => void,
): () => void {
  const check = (): void => {
    const { producers, totals } = store.getSnapshot();
    if (!producers.length) return;
    const done = producers.every(
      (p) => p.status.kind === 'finished' || (p.status.kind === 'error' && !p.status.willRetry),
    );
    if (!done) return;
    if (producers.some((p) => p.status.kind === 'error')) end('sources-failed');
    else if (events !== undefined && totals.acked + totals.failed >= events) end('events');
    else end('sources-finished');
  };
  return store.subscribe(check);
}
