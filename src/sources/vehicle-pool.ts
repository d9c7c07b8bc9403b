/**
 * Who drives through the simulated plazas. Most passages come from a pool of recurring vehicles (commuters,
 * delivery vans) drawn with a Zipf-like frequency, so "where did vehicle X pass" has an interesting answer; the
 * rest are one-off vehicles never seen again. Each vehicle keeps its type and axle count for life.
 */
import { drawAxles } from './tariff.ts';
import { randomInt, WeightedPicker, zipfWeights, type Rng } from './random.ts';

export interface Vehicle {
  id: string;
  type: string;
  axles: number;
}

export interface PoolOptions {
  /** Relative frequency of each vehicle type, e.g. { car: 11, truck: 4, van: 2 }. */
  mix: Readonly<Record<string, number>>;
  /** Recurring vehicles in total, shared out by the mix. */
  size: number;
  /** Zipf exponent: 1 makes the busiest vehicle twice as frequent as the second. */
  zipf: number;
  /** Share of passages made by one-off vehicles. */
  oneOffShare: number;
}

export const DEFAULT_MIX: Readonly<Record<string, number>> = { car: 11, truck: 4, van: 2 };

/** Recurring ids have 6-7 digits like the classic data set's; one-off ids have 8, so the two never collide. */
const RECURRING_IDS: readonly [number, number] = [100_000, 9_999_999];
const ONE_OFF_IDS: readonly [number, number] = [10_000_000, 99_999_999];

export class VehiclePool {
  private readonly types: WeightedPicker<string>;
  private readonly pools = new Map<string, { vehicles: Vehicle[]; picker: WeightedPicker<number> }>();

  constructor(
    rng: Rng,
    private readonly options: PoolOptions,
  ) {
    const entries = Object.entries(options.mix).filter(([, w]) => w > 0);
    this.types = new WeightedPicker(
      entries.map(([t]) => t),
      entries.map(([, w]) => w),
    );
    const weightSum = entries.reduce((s, [, w]) => s + w, 0);
    const taken = new Set<number>();
    for (const [type, weight] of entries) {
      const n = Math.max(1, Math.round((options.size * weight) / weightSum));
      const vehicles: Vehicle[] = [];
      while (vehicles.length < n) {
        const id = randomInt(rng, RECURRING_IDS[0], RECURRING_IDS[1]);
        if (taken.has(id)) continue;
        taken.add(id);
        vehicles.push({ id: String(id), type, axles: drawAxles(type, rng) });
      }
      const indexes = vehicles.map((_, i) => i);
      this.pools.set(type, { vehicles, picker: new WeightedPicker(indexes, zipfWeights(n, options.zipf)) });
    }
  }

  /** The type is drawn first, so the passage mix follows `mix` exactly however the pool is skewed. */
  draw(rng: Rng): Vehicle {
    const type = this.types.pick(rng);
    if (rng() < this.options.oneOffShare) {
      return {
        id: String(randomInt(rng, ONE_OFF_IDS[0], ONE_OFF_IDS[1])),
        type,
        axles: drawAxles(type, rng),
      };
    }
    const pool = this.pools.get(type)!;
    return pool.vehicles[pool.picker.pickIndex(rng)]!;
  }
}
