/**
 * The sink's measurements. Hot paths bump plain fields and record into bounded structures; `snapshot()` turns
 * them into the immutable SinkSnapshot the throttled store publishes.
 */
import type { InvalidCode } from '../../domain/validate.ts';
import { Ring } from '../../util/ring.ts';
import type { EngineStatus, LatencySummary, SinkSnapshot } from '../types.ts';
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
}
export type SinkEngineSnapshot = SinkSnapshot & SinkSnapshotExtras;

const RATE_WINDOW_MS = 5000;

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

  deadLetter(note: DeadLetterNote): void {
    this.deadLettered++;
    this.deadLetterReasons[note.code] = (this.deadLetterReasons[note.code] ?? 0) + 1;
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
    };
  }
}
