/**
 * The simulator's pure core: given a seed, it turns a span of simulated time into toll passages with payments.
 * Arrivals are a Poisson process whose rate follows the daily curve (constant within each local hour), split
 * over plazas by their weight; scenarios amplify peaks or silence a plaza. No clocks and no I/O, so tests can
 * generate a simulated day in milliseconds and assert on its distributions.
 */
import type { PaymentMethod, Plaza, TollEvent } from '../domain/types.ts';
import { createRng, exponentialGap, hash32, WeightedPicker, type Rng } from './random.ts';
import { DEFAULT_TARIFF, TARIFF_CURRENCY, tollCents, type Tariff } from './tariff.ts';
import { hourWeight, localHour, type Curve } from './traffic-curve.ts';
import { isoUtc } from './iso-time.ts';
import { DEFAULT_MIX, VehiclePool } from './vehicle-pool.ts';

export interface SimPlaza extends Plaza {
  /** Share of traffic relative to the other plazas. */
  weight: number;
  tariff: Tariff;
}

/** Lanes of the classic eleven plazas 4000..4010. */
const DEFAULT_LANES = [6, 8, 4, 10, 5, 7, 9, 4, 6, 8, 10];

/** A tolldata-looking accounting code ("PC" + 7 hex digits), stable per plaza id. */
export function plazaCode(plazaId: number): string {
  return `PC${hash32(`plaza-${plazaId}`).toString(16).toUpperCase().padStart(8, '0').slice(0, 7)}`;
}

/** A plaza with defaults: traffic in proportion to its lanes, the shared tariff. */
export function simPlaza(plazaId: number, lanes: number, overrides: Partial<SimPlaza> = {}): SimPlaza {
  return {
    v: 1,
    plazaId,
    code: plazaCode(plazaId),
    name: `Plaza ${plazaId}`,
    lanes,
    weight: lanes,
    tariff: DEFAULT_TARIFF,
    ...overrides,
  };
}

/** Lanes for the i-th configured plaza when the configuration names none. */
export function defaultLanes(index: number): number {
  return DEFAULT_LANES[index % DEFAULT_LANES.length]!;
}

export function defaultPlazas(): SimPlaza[] {
  return DEFAULT_LANES.map((lanes, i) => simPlaza(4000 + i, lanes));
}

export const DEFAULT_METHODS: Readonly<Record<PaymentMethod, number>> = {
  'e-tag': 80,
  cash: 7,
  card: 9,
  prepaid: 4,
};

/** A plaza that emits nothing every day from `startMinute` (local time of day) for `minutes`. */
export interface Outage {
  plazaId: number;
  startMinute: number;
  minutes: number;
}

export interface TrafficOptions {
  seed: number | string;
  /** Part of every event id, so two runs never produce the same id. */
  runId: string;
  tz: string;
  plazas: SimPlaza[];
  mix: Readonly<Record<string, number>>;
  poolSize: number;
  zipf: number;
  oneOffShare: number;
  methods: Readonly<Record<string, number>>;
  /** Multiplier for the rush hours; 1 means no rush-hour scenario. */
  rushFactor: number;
  /** The 24-hour shape of the rate (default daily). */
  curve?: Curve;
  outage?: Outage;
}

export const DEFAULT_TRAFFIC: Omit<TrafficOptions, 'seed' | 'runId' | 'tz'> = {
  plazas: defaultPlazas(),
  mix: DEFAULT_MIX,
  poolSize: 5000,
  zipf: 1,
  oneOffShare: 0.2,
  methods: DEFAULT_METHODS,
  rushFactor: 1,
};

export class Traffic {
  /** Passages generated so far; also the sequence number in event ids. */
  seq = 0;
  private readonly rng: Rng;
  private readonly pool: VehiclePool;
  private readonly plazas: WeightedPicker<SimPlaza>;
  private readonly methods: WeightedPicker<PaymentMethod>;
  /** The process's next arrival and the rate it was drawn at; kept across calls so splitting a span changes nothing. */
  private next: number | undefined;
  private nextRate = -1;

  constructor(readonly options: TrafficOptions) {
    this.rng = createRng(options.seed);
    this.pool = new VehiclePool(this.rng, {
      mix: options.mix,
      size: options.poolSize,
      zipf: options.zipf,
      oneOffShare: options.oneOffShare,
    });
    this.plazas = new WeightedPicker(
      options.plazas,
      options.plazas.map((p) => p.weight),
    );
    const methods = Object.entries(options.methods) as [PaymentMethod, number][];
    this.methods = new WeightedPicker(
      methods.map(([m]) => m),
      methods.map(([, w]) => w),
    );
  }

  /** Forgets the pending arrival, for a clock that jumps: the next span starts the process afresh (memoryless). */
  restart(): void {
    this.next = undefined;
  }

  /**
   * Passages arriving in [fromMs, toMs) for a day-mean rate of `meanPerSec`, in time order. Timestamps are
   * capped at `latestMs`: a simulated clock running ahead of the wall clock must not stamp the future.
   */
  arrivals(fromMs: number, toMs: number, meanPerSec: number, latestMs = Infinity): TollEvent[] {
    const out: TollEvent[] = [];
    let t = fromMs;
    while (t < toMs) {
      const { hour, nextHourMs } = localHour(t, this.options.tz);
      const segmentEnd = Math.min(toMs, nextHourMs);
      const ratePerMs = (meanPerSec * hourWeight(hour, this.options.rushFactor, this.options.curve)) / 1000;
      // Memoryless: when the rate changes (new hour, new pace) the next arrival is redrawn from here.
      if (this.next === undefined || this.nextRate !== ratePerMs || this.next < t) {
        this.next = t + exponentialGap(this.rng, ratePerMs);
        this.nextRate = ratePerMs;
      }
      const hourStart = nextHourMs - 3_600_000;
      while (this.next < segmentEnd) {
        const minuteOfDay = hour * 60 + Math.floor((this.next - hourStart) / 60_000);
        const event = this.passage(this.next, minuteOfDay, latestMs);
        if (event) out.push(event);
        this.next += exponentialGap(this.rng, ratePerMs);
      }
      t = segmentEnd;
    }
    return out;
  }

  private passage(atMs: number, minuteOfDay: number, latestMs: number): TollEvent | undefined {
    const rng = this.rng;
    const plaza = this.plazas.pick(rng);
    const vehicle = this.pool.draw(rng);
    const lane = 1 + Math.floor(rng() * plaza.lanes);
    const method = this.methods.pick(rng);
    // e-tags are read as the vehicle passes; cash and cards take a few seconds at the booth.
    const payDelay = method === 'e-tag' ? 50 + rng() * 250 : 1000 + rng() * 4000;
    if (this.inOutage(plaza.plazaId, minuteOfDay)) return undefined;
    this.seq++;
    const ms = Math.floor(Math.min(atMs, latestMs));
    const eventId = `sim-${plaza.plazaId}-${this.options.runId}-${String(this.seq).padStart(9, '0')}`;
    const passedAt = isoUtc(ms);
    return {
      passage: {
        v: 1,
        eventId,
        plazaId: plaza.plazaId,
        lane,
        vehicleId: vehicle.id,
        vehicleType: vehicle.type,
        axles: vehicle.axles,
        passedAt,
        source: 'simulator',
      },
      payment: {
        v: 1,
        paymentId: `pay-${eventId}`,
        eventId,
        plazaId: plaza.plazaId,
        method,
        amountCents: tollCents(vehicle.type, vehicle.axles, plaza.tariff),
        currency: TARIFF_CURRENCY,
        paidAt: isoUtc(ms + Math.floor(payDelay)),
      },
    };
  }

  private inOutage(plazaId: number, minuteOfDay: number): boolean {
    const o = this.options.outage;
    if (!o || o.plazaId !== plazaId) return false;
    return (minuteOfDay - o.startMinute + 1440) % 1440 < o.minutes;
  }
}
