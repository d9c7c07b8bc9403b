/**
 * End-to-end latency (Kafka produce timestamp to MySQL commit) in a bounded log-scale histogram: constant memory
 * at any rate, quantiles within ±2 %, exact maximum. A windowed variant keeps the last few seconds for live views.
 */
import type { LatencySummary } from '../types.ts';

const GROWTH = 1.04;
const LOG_GROWTH = Math.log(GROWTH);
// Values are kept in tenths of a millisecond; one hour is the largest bucket.
const UNITS_PER_MS = 10;
const MAX_UNITS = 3_600_000 * UNITS_PER_MS;
const BUCKETS = 2 + Math.ceil(Math.log(MAX_UNITS) / LOG_GROWTH);

function bucketOf(ms: number): number {
  const units = ms * UNITS_PER_MS;
  if (!(units >= 1)) return 0;
  return Math.min(BUCKETS - 1, 1 + Math.floor(Math.log(units) / LOG_GROWTH));
}

/** A representative value of a bucket in ms: the geometric middle of its range. */
function valueOf(bucket: number): number {
  if (bucket === 0) return 0;
  return (GROWTH ** (bucket - 1) * Math.sqrt(GROWTH)) / UNITS_PER_MS;
}

export class LatencyHistogram {
  private readonly counts = new Float64Array(BUCKETS);
  count = 0;
  max: number | null = null;

  record(ms: number, times = 1): void {
    const v = ms > 0 ? ms : 0;
    this.counts[bucketOf(v)]! += times;
    this.count += times;
    if (this.max === null || v > this.max) this.max = v;
  }

  merge(other: LatencyHistogram): void {
    for (let i = 0; i < BUCKETS; i++) this.counts[i]! += other.counts[i]!;
    this.count += other.count;
    if (other.max !== null && (this.max === null || other.max > this.max)) this.max = other.max;
  }

  reset(): void {
    this.counts.fill(0);
    this.count = 0;
    this.max = null;
  }

  quantile(q: number): number | null {
    if (this.count === 0) return null;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]!;
      // Never report more than the exact maximum (the top bucket's middle can exceed it).
      if (seen >= rank) return Math.min(valueOf(i), this.max ?? 0);
    }
    return this.max;
  }

  summary(): LatencySummary {
    return {
      p50Ms: round(this.quantile(0.5)),
      p99Ms: round(this.quantile(0.99)),
      maxMs: round(this.max),
      count: this.count,
    };
  }
}

function round(v: number | null): number | null {
  return v === null ? null : Math.round(v * 10) / 10;
}

/** The last `slots × slotMs` of latencies, as a ring of per-slot histograms. */
export class WindowedLatency {
  private readonly histograms: LatencyHistogram[];
  private readonly epochs: number[];

  constructor(
    readonly slots = 10,
    readonly slotMs = 1000,
  ) {
    this.histograms = Array.from({ length: slots }, () => new LatencyHistogram());
    this.epochs = new Array<number>(slots).fill(-1);
  }

  private slot(now: number): LatencyHistogram {
    const epoch = Math.floor(now / this.slotMs);
    const i = epoch % this.slots;
    if (this.epochs[i] !== epoch) {
      this.epochs[i] = epoch;
      this.histograms[i]!.reset();
    }
    return this.histograms[i]!;
  }

  record(ms: number, now: number, times = 1): void {
    this.slot(now).record(ms, times);
  }

  summary(now: number): LatencySummary {
    const merged = new LatencyHistogram();
    const current = Math.floor(now / this.slotMs);
    for (let i = 0; i < this.slots; i++) {
      const e = this.epochs[i]!;
      if (e >= 0 && e > current - this.slots && e <= current) merged.merge(this.histograms[i]!);
    }
    return merged.summary();
  }
}
