/**
 * A rate from successive totals, for counters whose snapshot carries no rate of its own (dead letters). Keeps a
 * bounded window of samples and measures over it, so one late snapshot does not make the rate jump.
 */
export interface Sample {
  at: number;
  value: number;
}

export const RATE_WINDOW_MS = 5000;
const MAX_SAMPLES = 64;

export function addSample(
  samples: readonly Sample[],
  sample: Sample,
  windowMs = RATE_WINDOW_MS * 12,
): Sample[] {
  const last = samples[samples.length - 1];
  if (last && last.at === sample.at && last.value === sample.value) return [...samples];
  const kept = samples.filter((s) => sample.at - s.at <= windowMs);
  kept.push(sample);
  return kept.slice(-MAX_SAMPLES);
}

/** Units per second over the last `windowMs` (0 when there is not enough history yet). */
export function rateOver(samples: readonly Sample[], now: number, windowMs = RATE_WINDOW_MS): number {
  const last = samples[samples.length - 1];
  if (!last) return 0;
  const first = samples.find((s) => now - s.at <= windowMs) ?? last;
  const dt = last.at - first.at;
  return dt > 0 ? Math.max(0, (last.value - first.value) / (dt / 1000)) : 0;
}

/** Growth of a counter seen within the last `windowMs` (measured from the first sample inside the window). */
export function growthWithin(samples: readonly Sample[], now: number, windowMs: number): number {
  const last = samples[samples.length - 1];
  if (!last) return 0;
  const base = samples.find((s) => now - s.at <= windowMs) ?? last;
  return Math.max(0, last.value - base.value);
}
