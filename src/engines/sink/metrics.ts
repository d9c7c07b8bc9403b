/**
 * The sink's measurements. Hot paths bump plain fields and record into bounded structures; `snapshot()` turns
 * them into the immutable SinkSnapshot the throttled store publishes.
 */
import type { InvalidCode, ValidPassage } from '../../domain/validate.ts';
import { Ring } from '../../util/ring.ts';
import type { EngineStatus, LatencySummary, SinkSnapshot } from '../types.ts';
import type { HistogramSnapshot } from './histograms.ts';
import {
  BATCH_MESSAGES_BOUNDS,
  BATCH_SECONDS_BOUNDS,
  BucketHistogram,
  LATENCY_SECONDS_BOUNDS,
} from './histograms.ts';
import { LatencyHistogram, WindowedLatency } from './latency.ts';
import { PlazaBuckets } from './plaza-buckets.ts';
import { RecentPassages } from './recent.ts';

/** One dead letter as a person sees it in the monitor. */
export interface DeadLetterNote {
  topic: string;
  partition: number;
  offset: string;
  code: InvalidCode;
  reason: string;
  at: number;
}

/** SinkSnapshot plus optional extras (additive to the contract in src/engines/types.ts). */
export interface SinkSnapshotExtras {
  /** Produce-to-commit latency over the last 10 s (`latency` covers the whole run). */
  recentLatency?: LatencySummary;
  /** Messages below the stored next offset, skipped without parsing (already persisted). */
  skippedBelowOffset?: number;
  /** Batch attempts that failed and were retried (MySQL or Kafka unavailable, fenced by another member). */
  retries?: number;
  /** Rows of replace runs that were over when they arrived (swapped or abandoned): not written anywhere. */
  stagedDiscarded?: number;
  recentDeadLetters?: DeadLetterNote[];
  /** Passages persisted per input topic and per the passages' own `source` field (totals: `persisted`). */
  persistedBySource?: { topic: string; source: string; count: number }[];
  /** Dead letters per topic they came from and reason code (totals: `deadLettered`). */
  deadLettersByTopic?: { topic: string; reason: string; count: number }[];
  /** Cumulative histograms: produce-to-commit latency (s), messages per committed chunk, chunk time (s). */
  histograms?: {
    latencySeconds: HistogramSnapshot;
    batchMessages: HistogramSnapshot;
    batchSeconds: HistogramSnapshot;
  };
}
export type SinkEngineSnapshot = SinkSnapshot & SinkSnapshotExtras;

const RATE_WINDOW_MS = 5000;
/** A passage's `source` is free text from whoever produced it: beyond this many per topic they count as "other". */
const MAX_SOURCES_PER_TOPIC = 32;
/** The source label of passages that carry none. */
export const NO_SOURCE = 'none';

export class SinkMetrics {
  status: EngineStatus = { kind: 'idle' };
  assignment: Record<string, number[]> = {};
  consumed = 0;
  persisted = 0;
  payments = 0;
  plazas = 0;
  deadLettered = 0;
  readonly deadLetterReasons: Record<string, number> = {};
  alreadyPresent = 0;
  skippedBelowOffset = 0;
  retries = 0;
  stagedDiscarded = 0;
  lastBatch: SinkSnapshot['lastBatch'];
  readonly latency = new LatencyHistogram();
  readonly latencySeconds = new BucketHistogram(LATENCY_SECONDS_BOUNDS);
  readonly batchMessages = new BucketHistogram(BATCH_MESSAGES_BOUNDS);
  readonly batchSeconds = new BucketHistogram(BATCH_SECONDS_BOUNDS);
  private readonly persistedBy = new Map<string, Map<string, number>>();
  private readonly deadLettersBy = new Map<string, number>();
  readonly recentLatency = new WindowedLatency(10, 1000);
  readonly recent: RecentPassages;
  readonly throughput: PlazaBuckets;
  private readonly deadLetters = new Ring<DeadLetterNote>(50);
  private readonly samples = new Ring<{ at: number; persisted: number }>(64);

  constructor(
    readonly groupId: string,
    { recentCapacity = 200, bucketMs = 5000, buckets = 60 } = {},
  ) {
    this.recent = new RecentPassages(recentCapacity);
    this.throughput = new PlazaBuckets(bucketMs, buckets);
  }

  /**
   * `inserted` of `passages` (read from `topic`) became rows; the others were there already. When only some of a
   * chunk mixing sources were new, which ones is not known: the split per source is then approximate, the total
   * per topic exact.
   */
  passagesPersisted(topic: string, passages: readonly ValidPassage[], inserted: number): void {
    this.persisted += inserted;
    let left = inserted;
    for (const p of passages) {
      if (left-- <= 0) break;
      this.countSource(topic, p.source);
    }
  }

  private countSource(topic: string, source: string | undefined): void {
    let bySource = this.persistedBy.get(topic);
    if (!bySource) this.persistedBy.set(topic, (bySource = new Map()));
    let key = source ?? NO_SOURCE;
    if (!bySource.has(key) && bySource.size >= MAX_SOURCES_PER_TOPIC) key = 'other';
    bySource.set(key, (bySource.get(key) ?? 0) + 1);
  }

  /** A passage committed `ms` after Kafka received it. */
  passageLatency(ms: number, at: number): void {
    this.latency.record(ms);
    this.recentLatency.record(ms, at);
    this.latencySeconds.observe(ms / 1000);
  }

  batchCommitted(size: number, ms: number, at: number): void {
    this.lastBatch = { size, ms, at };
    this.batchMessages.observe(size);
    this.batchSeconds.observe(ms / 1000);
  }

  deadLetter(note: DeadLetterNote): void {
    this.deadLettered++;
    this.deadLetterReasons[note.code] = (this.deadLetterReasons[note.code] ?? 0) + 1;
    const key = `${note.topic}\u0000${note.code}`;
    this.deadLettersBy.set(key, (this.deadLettersBy.get(key) ?? 0) + 1);
    this.deadLetters.push(note);
  }

  /** A dead letter the broker refused for good (logged; the message stays in its source topic). */
  deadLetterRefused(code: InvalidCode): void {
    const key = `refused:${code}`;
    this.deadLetterReasons[key] = (this.deadLetterReasons[key] ?? 0) + 1;
  }

  /** Called about once a second, so the rate decays to 0 when nothing flows. */
  sample(now: number): void {
    this.samples.push({ at: now, persisted: this.persisted });
  }

  ratePerSec(now: number): number {
    const recent = this.samples.toArray().filter((s) => s.at >= now - RATE_WINDOW_MS);
    const first = recent[0];
    if (!first) return 0;
    const seconds = (now - first.at) / 1000;
    return seconds >= 0.5 ? Math.round((this.persisted - first.persisted) / seconds) : 0;
  }

  snapshot(now = Date.now()): SinkEngineSnapshot {
    return {
      status: this.status,
      groupId: this.groupId,
      assignment: Object.fromEntries(Object.entries(this.assignment).map(([t, ps]) => [t, [...ps]])),
      consumed: this.consumed,
      persisted: this.persisted,
      payments: this.payments,
      plazas: this.plazas,
      deadLettered: this.deadLettered,
      deadLetterReasons: { ...this.deadLetterReasons },
      alreadyPresent: this.alreadyPresent,
      ratePerSec: this.ratePerSec(now),
      ...(this.lastBatch ? { lastBatch: { ...this.lastBatch } } : {}),
      latency: this.latency.summary(),
      recent: this.recent.newest(),
      bucketMs: this.throughput.bucketMs,
      throughput: this.throughput.snapshot(now),
      recentLatency: this.recentLatency.summary(now),
      skippedBelowOffset: this.skippedBelowOffset,
      retries: this.retries,
      stagedDiscarded: this.stagedDiscarded,
      recentDeadLetters: this.deadLetters.newest(this.deadLetters.capacity),
      persistedBySource: [...this.persistedBy].flatMap(([topic, bySource]) =>
        [...bySource].map(([source, count]) => ({ topic, source, count })),
      ),
      deadLettersByTopic: [...this.deadLettersBy].map(([key, count]) => {
        const [topic = '', reason = ''] = key.split('\u0000');
        return { topic, reason, count };
      }),
      histograms: {
        latencySeconds: this.latencySeconds.snapshot(),
        batchMessages: this.batchMessages.snapshot(),
        batchSeconds: this.batchSeconds.snapshot(),
      },
    };
  }
}
