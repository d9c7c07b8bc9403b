/** Lag trend, consume/produce rates and catch-up ETA over the sample window (pure). */
import type { Trend } from '../types.ts';

/** One poll of a partition: when, the group's committed offset, the high watermark and the lag then. */
export interface PartitionSample {
  at: number;
  committed: number;
  high: number;
  lag: number;
}

/**
 * Up or down when the least-squares line through the lag samples moves by more than a tenth of the largest lag of
 * the window (at least one message) from the first to the last sample; otherwise flat. The tolerance keeps the
 * arrow calm while a healthy consumer's lag jitters between commits.
 */
export function lagTrend(samples: readonly PartitionSample[]): Trend {
  if (samples.length < 2) return 'flat';
  const slope = slopePerMs(samples.map((s) => [s.at, s.lag]));
  const span = samples.at(-1)!.at - samples[0]!.at;
  const change = slope * span;
  const tolerance = Math.max(1, 0.1 * Math.max(...samples.map((s) => s.lag)));
  if (change > tolerance) return 'up';
  if (change < -tolerance) return 'down';
  return 'flat';
}

function slopePerMs(points: [number, number][]): number {
  const n = points.length;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

export interface Rates {
  /** Committed offsets per second (the group's consume rate). */
  consumePerSec: number;
  /** High-watermark growth per second (the produce rate). */
  producePerSec: number;
}

/** Rates between the first and the last sample of the window; null until two samples span some time. */
export function windowRates(samples: readonly PartitionSample[]): Rates | null {
  const first = samples[0];
  const last = samples.at(-1);
  if (!first || !last || last.at <= first.at) return null;
  const seconds = (last.at - first.at) / 1000;
  return {
    // A rewind (negative progress) is not consumption.
    consumePerSec: Math.max(0, last.committed - first.committed) / seconds,
    producePerSec: Math.max(0, last.high - first.high) / seconds,
  };
}

/**
 * Time to consume the current lag while producers keep adding: lag / (consume - produce). 0 when caught up; null
 * when the group is not gaining on the producers (or the rates are not known yet).
 */
export function catchUpEtaMs(lag: number, rates: Rates | null): number | null {
  if (lag <= 0) return 0;
  if (!rates) return null;
  const drainPerSec = rates.consumePerSec - rates.producePerSec;
  if (drainPerSec <= 0) return null;
  return Math.round((lag / drainPerSec) * 1000);
}
