/**
 * Persisted passages per plaza in fixed time buckets (default 5 s × 60), for the per-plaza sparklines.
 * Bounded: at most `maxPlazas` plazas are tracked by id; passages of further plazas are summed under plaza 0.
 */
import type { PlazaThroughput } from '../types.ts';

/** The id under which plazas beyond the tracking limit are summed. */
export const OTHER_PLAZAS = 0;

interface Track {
  counts: Float64Array;
  /** Bucket number (time / bucketMs) that each slot currently holds. */
  epochs: Float64Array;
  total: number;
}

export class PlazaBuckets {
  private readonly tracks = new Map<number, Track>();

  constructor(
    readonly bucketMs = 5000,
    readonly buckets = 60,
    readonly maxPlazas = 1024,
  ) {}

  record(plazaId: number, count: number, now: number): void {
    let track = this.tracks.get(plazaId);
    if (!track) {
      if (this.tracks.size >= this.maxPlazas && plazaId !== OTHER_PLAZAS) {
        this.record(OTHER_PLAZAS, count, now);
        return;
      }
      track = {
        counts: new Float64Array(this.buckets),
        epochs: new Float64Array(this.buckets).fill(-1),
        total: 0,
      };
      this.tracks.set(plazaId, track);
    }
    const epoch = Math.floor(now / this.bucketMs);
    const i = epoch % this.buckets;
    if (track.epochs[i] !== epoch) {
      track.epochs[i] = epoch;
      track.counts[i] = 0;
    }
    track.counts[i]! += count;
    track.total += count;
  }

  /** Oldest bucket first, the current (partial) bucket last; plazas ordered by id. */
  snapshot(now: number): PlazaThroughput[] {
    const current = Math.floor(now / this.bucketMs);
    const out: PlazaThroughput[] = [];
    for (const [plazaId, track] of [...this.tracks].sort((a, b) => a[0] - b[0])) {
      const buckets: number[] = [];
      for (let epoch = current - this.buckets + 1; epoch <= current; epoch++) {
        const i = ((epoch % this.buckets) + this.buckets) % this.buckets;
        buckets.push(track.epochs[i] === epoch ? track.counts[i]! : 0);
      }
      out.push({ plazaId, buckets, total: track.total });
    }
    return out;
  }
}
