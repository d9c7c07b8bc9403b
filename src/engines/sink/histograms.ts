/**
 * Cumulative histograms with fixed upper bounds, the shape Prometheus stores: constant memory, one counter per
 * bound, never reset while the sink lives. The sink records end-to-end latency and its batches into them; the
 * metrics endpoint (src/metrics) exposes their snapshots as they are.
 */

export interface HistogramSnapshot {
  /** Upper bounds, ascending; an observation equal to a bound counts in that bound's bucket. */
  bounds: readonly number[];
  /** Cumulative: observations <= bounds[i]. Observations above the last bound appear only in `count`. */
  cumulative: number[];
  sum: number;
  count: number;
}

export class BucketHistogram {
  private readonly counts: Float64Array;
  private sum = 0;
  private count = 0;

  constructor(readonly bounds: readonly number[]) {
    for (let i = 1; i < bounds.length; i++) {
      if (!(bounds[i]! > bounds[i - 1]!)) throw new Error('histogram bounds must ascend');
    }
    this.counts = new Float64Array(bounds.length);
  }

  observe(value: number, times = 1): void {
    const v = value > 0 ? value : 0;
    this.sum += v * times;
    this.count += times;
    const { bounds } = this;
    for (let i = 0; i < bounds.length; i++) {
      if (v <= bounds[i]!) {
        this.counts[i]! += times;
        return;
      }
    }
  }

  snapshot(): HistogramSnapshot {
    const cumulative: number[] = [];
    let acc = 0;
    for (const c of this.counts) cumulative.push((acc += c));
    return { bounds: this.bounds, cumulative, sum: this.sum, count: this.count };
  }
}

/**
 * Produce-to-commit latency in seconds: from 5 ms (a sink keeping up on one box) to an hour (a backlog being
 * caught up after an outage).
 */
export const LATENCY_SECONDS_BOUNDS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600,
] as const;
/** Kafka messages per committed chunk (one partition, one transaction). */
export const BATCH_MESSAGES_BOUNDS = [1, 10, 50, 100, 250, 500, 1000, 2500, 5000, 10_000] as const;
/** From taking a chunk to its commit, seconds (retries included). */
export const BATCH_SECONDS_BOUNDS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
] as const;
