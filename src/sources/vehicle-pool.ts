/**
 * Who drives through the simulated plazas. Most passages come from a pool of recurring vehicles (commuters,
 * delivery vans) drawn with a Zipf-like frequency, so "where did vehicle X pass" has an interesting answer; the
 * rest are one-off vehicles never seen again. Each vehicle keeps its type and axle count for life.
 *
 * A recurring vehicle rests for a cooldown after each passage (event time): long enough that it could drive
 * between any two plazas at a legal speed and is never charged twice at one plaza within minutes. A vehicle
 * drawn while resting is replaced by a one-off vehicle, so the busiest commuters are capped at one passage per
 * cooldown and everybody else keeps the Zipf frequency.
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
  /** How long a recurring vehicle rests after a passage, ms of event time (default 0: never). */
  cooldownMs?: number;
}

export const DEFAULT_MIX: Readonly<Record<string, number>> = { car: 11, truck: 4, van: 2 };

/** Recurring ids have 6-7 digits like the classic data set's; one-off ids have 8, so the two never collide. */
const RECURRING_IDS: readonly [number, number] = [100_000, 9_999_999];
const ONE_OFF_FIRST = 10_000_000;
const ONE_OFF_COUNT = 90_000_000;

/** A resting vehicle is drawn again (from the same Zipf weights) this many times before a one-off replaces it. */
const REDRAWS = 3;

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

export class VehiclePool {
  private readonly types: WeightedPicker<string>;
  /** Per type: its recurring vehicles, their Zipf picker and the event time from which each may pass again. */
  private readonly pools = new Map<
    string,
    { vehicles: Vehicle[]; picker: WeightedPicker<number>; readyAt: Float64Array }
  >();
  /** Where a recurring vehicle's readyAt is kept, for hold(). */
  private readonly slots = new WeakMap<Vehicle, { readyAt: Float64Array; index: number }>();
  private readonly cooldownMs: number;
  /**
   * One-off ids walk a permutation of the 8-digit range (n -> offset + stride * n, stride coprime to its size),
   * so they look random yet none repeats within 90 million one-off passages: two one-off passages never share
   * a vehicle by chance.
   */
  private readonly oneOffStride: number;
  private readonly oneOffOffset: number;
  private oneOffs = 0;
  /** Recurring vehicles drawn while resting and replaced by a one-off vehicle. */
  rested = 0;

  constructor(
    rng: Rng,
    private readonly options: PoolOptions,
  ) {
    this.cooldownMs = options.cooldownMs ?? 0;
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
      const readyAt = new Float64Array(n).fill(-Infinity);
      vehicles.forEach((v, index) => this.slots.set(v, { readyAt, index }));
      this.pools.set(type, {
        vehicles,
        picker: new WeightedPicker(indexes, zipfWeights(n, options.zipf)),
        readyAt,
      });
    }
    let stride = randomInt(rng, ONE_OFF_COUNT / 3, ONE_OFF_COUNT - 1);
    while (gcd(stride, ONE_OFF_COUNT) !== 1) stride++;
    this.oneOffStride = stride;
    this.oneOffOffset = randomInt(rng, 0, ONE_OFF_COUNT - 1);
  }

  /**
   * A vehicle passing at `atMs` (event time). The type is drawn first, so the passage mix follows `mix` exactly
   * however the pool is skewed. A recurring vehicle drawn rests until `atMs` + cooldown.
   */
  draw(rng: Rng, atMs = -Infinity): Vehicle {
    const type = this.types.pick(rng);
    if (rng() < this.options.oneOffShare) return this.oneOff(type, rng);
    const pool = this.pools.get(type)!;
    for (let attempt = 0; attempt <= REDRAWS; attempt++) {
      const i = pool.picker.pickIndex(rng);
      if (pool.readyAt[i]! > atMs) continue;
      pool.readyAt[i] = atMs + this.cooldownMs;
      return pool.vehicles[i]!;
    }
    this.rested++;
    return this.oneOff(type, rng);
  }

  /** `vehicle` passes again at `atMs` (a scripted passage): it rests until then plus the cooldown. */
  hold(vehicle: Vehicle, atMs: number): void {
    const slot = this.slots.get(vehicle);
    if (slot) slot.readyAt[slot.index] = Math.max(slot.readyAt[slot.index]!, atMs + this.cooldownMs);
  }

  private oneOff(type: string, rng: Rng): Vehicle {
    const n = this.oneOffs++ % ONE_OFF_COUNT;
    const id = ONE_OFF_FIRST + ((this.oneOffOffset + this.oneOffStride * n) % ONE_OFF_COUNT);
    return { id: String(id), type, axles: drawAxles(type, rng) };
  }
}
