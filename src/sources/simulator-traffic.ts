/**
 * The simulator's pure core: given a seed, it turns a span of simulated time into toll passages with payments.
 * Arrivals are a Poisson process whose rate follows the daily curve (constant within each local hour), split
 * over plazas by their weight; scenarios amplify peaks, silence a plaza or inject anomalies
 * (simulator-anomalies.ts). No clocks and no I/O, so tests can generate a simulated day in milliseconds and assert
 * on its distributions.
 */
import type { PaymentMethod, Plaza, TollEvent } from '../domain/types.ts';
import { createRng, exponentialGap, hash32, WeightedPicker, type Rng } from './random.ts';
import { classTariffs, DEFAULT_TARIFF, TARIFF_CURRENCY, tollCents, type Tariff } from './tariff.ts';
import { hourWeight, localHour, type Curve } from './traffic-curve.ts';
import { isoUtc } from './iso-time.ts';
import { DEFAULT_MIX, VehiclePool, type Vehicle } from './vehicle-pool.ts';
import { corridorPosition, longestDistanceKm } from './simulator-corridor.ts';
import {
  AnomalyInjector,
  vehicleCooldownMs,
  type AnomalyKind,
  type AnomalyOptions,
  type InjectedAnomaly,
} from './simulator-anomalies.ts';

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

/** A plaza with defaults: traffic in proportion to its lanes, the shared tariff, its place on the corridor. */
export function simPlaza(plazaId: number, lanes: number, overrides: Partial<SimPlaza> = {}): SimPlaza {
  return {
    v: 1,
    plazaId,
    code: plazaCode(plazaId),
    name: `Plaza ${plazaId}`,
    lanes,
    position: corridorPosition(plazaId),
    weight: lanes,
    tariff: DEFAULT_TARIFF,
    ...overrides,
  };
}

/**
 * The plaza's record on the plaza topic: its reference data, with the tariff per vehicle class (every class of
 * the table and of `types`) that no correct charge at the plaza undercuts.
 */
export function plazaRecord(plaza: SimPlaza, types: Iterable<string> = []): Plaza {
  const { v, plazaId, code, name, lanes, position } = plaza;
  return {
    v,
    plazaId,
    code,
    name,
    lanes,
    tariffs: classTariffs(plaza.tariff, types),
    currency: TARIFF_CURRENCY,
    ...(position ? { position: { ...position } } : {}),
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
  /** The anomalies scenario; absent means clean traffic. */
  anomalies?: AnomalyOptions;
  /** How long a recurring vehicle rests between passages; default from the plazas' spread (vehicleCooldownMs). */
  cooldownMs?: number;
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

/** The second passage of an injected pair, waiting for the clock to reach it. */
interface ScriptedPassage {
  atMs: number;
  kind: Extract<AnomalyKind, 'double-charge' | 'impossible-travel'>;
  plaza: SimPlaza;
  vehicle: Vehicle;
  /** Stamp of the pair's first passage: the second comes strictly later. */
  firstMs: number;
}

export class Traffic {
  /** Passages generated so far; also the sequence number in event ids. */
  seq = 0;
  /** Rest between two passages of a recurring vehicle, ms of event time. */
  readonly cooldownMs: number;
  private readonly rng: Rng;
  private readonly pool: VehiclePool;
  private readonly plazas: WeightedPicker<SimPlaza>;
  private readonly methods: WeightedPicker<PaymentMethod>;
  private readonly records: Plaza[];
  private readonly tariffs = new Map<number, Readonly<Record<string, number>>>();
  private readonly injector: AnomalyInjector<SimPlaza> | undefined;
  private readonly injected = new WeakMap<TollEvent, InjectedAnomaly>();
  private readonly injectedPerKind: Record<AnomalyKind, number> = {
    unpaid: 0,
    'short-payment': 0,
    'double-charge': 0,
    'impossible-travel': 0,
  };
  /** Second passages of pairs, by time (few: rate × a few minutes of traffic). */
  private readonly scripted: ScriptedPassage[] = [];
  /** The process's next arrival and the rate it was drawn at; kept across calls so splitting a span changes nothing. */
  private next: number | undefined;
  private nextRate = -1;
  /** The latest stamp given: stamps never go back, so a vehicle's rest holds in the stamps themselves. */
  private lastMs = -Infinity;

  constructor(readonly options: TrafficOptions) {
    this.rng = createRng(options.seed);
    const types = Object.keys(options.mix);
    this.records = options.plazas.map((p) => plazaRecord(p, types));
    for (const r of this.records) this.tariffs.set(r.plazaId, r.tariffs!);
    const positions = options.plazas.flatMap((p) => (p.position ? [p.position] : []));
    this.cooldownMs = options.cooldownMs ?? vehicleCooldownMs(longestDistanceKm(positions));
    this.pool = new VehiclePool(this.rng, {
      mix: options.mix,
      size: options.poolSize,
      zipf: options.zipf,
      oneOffShare: options.oneOffShare,
      cooldownMs: this.cooldownMs,
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
    if (options.anomalies)
      this.injector = new AnomalyInjector(options.anomalies, options.seed, options.plazas);
  }

  /** The plazas' records for the plaza topic: reference data with tariffs per class, currency and position. */
  plazaRecords(): Plaza[] {
    return this.records.map((r) => structuredClone(r));
  }

  /** The anomaly `event` was made to show, if any (anomalies scenario). */
  anomalyOf(event: TollEvent): InjectedAnomaly | undefined {
    return this.injected.get(event);
  }

  /** Anomalies injected so far per kind (a pair counts with its second passage). */
  anomaliesInjected(): Readonly<Record<AnomalyKind, number>> {
    return { ...this.injectedPerKind };
  }

  /** Recurring vehicles drawn while resting and replaced by one-off vehicles, so far. */
  get restedDraws(): number {
    return this.pool.rested;
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
      for (;;) {
        const scripted = this.scripted[0];
        const arrivalDue = this.next < segmentEnd;
        if (scripted && scripted.atMs < segmentEnd && (!arrivalDue || scripted.atMs <= this.next)) {
          this.scripted.shift();
          const event = this.secondPassage(scripted, latestMs);
          if (event) out.push(event);
          continue;
        }
        if (!arrivalDue) break;
        const minuteOfDay = hour * 60 + Math.floor((this.next - hourStart) / 60_000);
        const event = this.passage(this.next, minuteOfDay, latestMs);
        if (event) out.push(event);
        this.next += exponentialGap(this.rng, ratePerMs);
      }
      t = segmentEnd;
    }
    return out;
  }

  private stamp(atMs: number, latestMs: number): number {
    this.lastMs = Math.max(this.lastMs, Math.floor(Math.min(atMs, latestMs)));
    return this.lastMs;
  }

  private passage(atMs: number, minuteOfDay: number, latestMs: number): TollEvent | undefined {
    const rng = this.rng;
    const plaza = this.plazas.pick(rng);
    if (this.inOutage(plaza.plazaId, minuteOfDay)) return undefined;
    const ms = this.stamp(atMs, latestMs);
    const vehicle = this.pool.draw(rng, ms);
    const lane = 1 + Math.floor(rng() * plaza.lanes);
    const method = this.methods.pick(rng);
    const event = this.event(plaza, vehicle, lane, method, ms, rng());
    const kind = this.injector?.draw(this.seq);
    if (kind) this.inject(kind, event, plaza, vehicle, ms);
    return event;
  }

  private event(
    plaza: SimPlaza,
    vehicle: Vehicle,
    lane: number,
    method: PaymentMethod,
    ms: number,
    u: number,
  ): TollEvent {
    // e-tags are read as the vehicle passes; cash and cards take a few seconds at the booth.
    const payDelay = method === 'e-tag' ? 50 + u * 250 : 1000 + u * 4000;
    this.seq++;
    const eventId = `sim-${plaza.plazaId}-${this.options.runId}-${String(this.seq).padStart(9, '0')}`;
    return {
      passage: {
        v: 1,
        eventId,
        plazaId: plaza.plazaId,
        lane,
        vehicleId: vehicle.id,
        vehicleType: vehicle.type,
        axles: vehicle.axles,
        passedAt: isoUtc(ms),
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

  /** Makes `event` (just generated, at `ms`) show the anomaly, or schedules the pair it starts. */
  private inject(kind: AnomalyKind, event: TollEvent, plaza: SimPlaza, vehicle: Vehicle, ms: number): void {
    const injector = this.injector!;
    switch (kind) {
      case 'unpaid':
        delete event.payment;
        this.mark(event, { rule: kind, anomalyId: `unpaid:${event.passage.eventId}` });
        return;
      case 'short-payment': {
        const tariff = this.tariffs.get(plaza.plazaId)?.[vehicle.type] ?? 0;
        if (tariff < 2) return;
        const payment = event.payment!;
        payment.amountCents = injector.shortAmount(tariff);
        this.mark(event, { rule: kind, anomalyId: `short-payment:${payment.paymentId}` });
        return;
      }
      case 'double-charge':
        this.script({ atMs: ms + injector.doubleChargeDelayMs(), kind, plaza, vehicle, firstMs: ms });
        return;
      case 'impossible-travel': {
        const journey = injector.journey(plaza);
        if (journey)
          this.script({ atMs: ms + journey.delayMs, kind, plaza: journey.plaza, vehicle, firstMs: ms });
        return;
      }
      default: {
        const never: never = kind;
        throw new Error(`unknown anomaly ${String(never)}`);
      }
    }
  }

  private mark(event: TollEvent, anomaly: InjectedAnomaly): void {
    this.injected.set(event, anomaly);
    this.injectedPerKind[anomaly.rule]++;
  }

  private script(s: ScriptedPassage): void {
    // The vehicle rests from its second passage on, and is not drawn before it.
    this.pool.hold(s.vehicle, s.atMs);
    let i = this.scripted.length;
    while (i > 0 && this.scripted[i - 1]!.atMs > s.atMs) i--;
    this.scripted.splice(i, 0, s);
  }

  /** The second passage of a pair, paid in full; none if its plaza is in an outage then. */
  private secondPassage(s: ScriptedPassage, latestMs: number): TollEvent | undefined {
    const { hour, minute } = localHour(s.atMs, this.options.tz);
    if (this.inOutage(s.plaza.plazaId, hour * 60 + minute)) return undefined;
    const injector = this.injector!;
    // Strictly after the first, so "the later passage" is the same in any reader's order.
    this.lastMs = Math.max(this.lastMs, s.firstMs + 1);
    const ms = this.stamp(s.atMs, latestMs);
    this.pool.hold(s.vehicle, ms);
    const lane = 1 + Math.floor(injector.rng() * s.plaza.lanes);
    const method = this.methods.pick(injector.rng);
    const event = this.event(s.plaza, s.vehicle, lane, method, ms, injector.rng());
    this.mark(event, { rule: s.kind, anomalyId: `${s.kind}:${event.passage.eventId}` });
    return event;
  }

  private inOutage(plazaId: number, minuteOfDay: number): boolean {
    const o = this.options.outage;
    if (!o || o.plazaId !== plazaId) return false;
    return (minuteOfDay - o.startMinute + 1440) % 1440 < o.minutes;
  }
}
