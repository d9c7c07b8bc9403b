/**
 * The simulator's `anomalies` scenario, and the rule settings its clean traffic keeps clear of.
 *
 * Clean traffic gives the anomaly detector nothing to find under its default settings: every passage is paid at
 * least its class's tariff, and a recurring vehicle rests between passages (vehicle-pool.ts) for longer than
 * the double-charge window and than the drive between the two farthest plazas at the speed limit.
 *
 * The scenario makes each arrival, with probability `rate`, the carrier of one anomaly, its kind drawn with equal
 * chances among `kinds`:
 * - unpaid: the passage has no payment;
 * - short-payment: its payment is 1 .. tariff - 1 cents;
 * - double-charge: the vehicle passes the same plaza again 30-120 s later, both passages paid in full;
 * - impossible-travel: the vehicle passes a plaza at least 20 km away, at 2-4 times the speed limit, paid in full.
 * The pairs' first passage is the carrier and is clean; the anomaly is the added second passage, so no pair
 * shows anything else (a double charge stays at one plaza, a journey never returns to its plaza). Every kind's
 * draws come from a generator of their own, seeded by the simulator's seed.
 */
import { greatCircleKm } from '../domain/geo.ts';
import { createRng, randomInt, type Rng } from './random.ts';

export const ANOMALY_KINDS = ['unpaid', 'short-payment', 'double-charge', 'impossible-travel'] as const;
export type AnomalyKind = (typeof ANOMALY_KINDS)[number];

export interface AnomalyOptions {
  /** Share of arrivals that carry an anomaly (0..1). */
  rate: number;
  kinds: readonly AnomalyKind[];
  /**
   * The passage after which nothing more is injected (pairs under way still end): a clean tail lets a detector's
   * event-time watermark pass the last anomalies' windows and grace. Default: never.
   */
  cleanAfter?: number;
}

export const DEFAULT_ANOMALIES: AnomalyOptions = { rate: 0.01, kinds: ANOMALY_KINDS };

/** The detector's default settings that clean traffic stays clear of (double-charge window, speed limit). */
export const CLEAN_RULES = { doubleChargeWindowMs: 300_000, maxKmh: 200 } as const;

/** The cooldown beats both bounds by this factor, for clocks that round and readers that compare inclusively. */
const COOLDOWN_MARGIN = 1.25;

/** How long a recurring vehicle rests after a passage when the farthest two plazas are `longestKm` apart. */
export function vehicleCooldownMs(longestKm: number): number {
  const drive = (longestKm / CLEAN_RULES.maxKmh) * 3_600_000;
  return Math.ceil(Math.max(CLEAN_RULES.doubleChargeWindowMs, drive) * COOLDOWN_MARGIN);
}

/** The second passage of a double charge comes this long after the first. */
const DOUBLE_CHARGE_DELAY_MS: readonly [number, number] = [30_000, 120_000];
/** An impossible journey spans at least this distance, at this multiple of the speed limit. */
export const MIN_TRAVEL_KM = 20;
const TRAVEL_SPEED_FACTOR: readonly [number, number] = [2, 4];

/** One injected anomaly, as the truth file lists it: ids exactly as the detector names its findings. */
export interface InjectedAnomaly {
  rule: AnomalyKind;
  anomalyId: string;
}

export const truthLine = (a: InjectedAnomaly): string =>
  `${JSON.stringify({ rule: a.rule, anomalyId: a.anomalyId })}\n`;

interface Placed {
  plazaId: number;
  position?: { lat: number; lon: number } | undefined;
}

/** The scenario's decisions; the traffic model builds the passages. */
export class AnomalyInjector<P extends Placed> {
  /** Every draw of the scenario, the scripted passages' lanes and payment methods too: the main stream is untouched. */
  readonly rng: Rng;
  /** Per plaza, the plazas at least MIN_TRAVEL_KM away (with their distance). */
  private readonly far = new Map<number, { plaza: P; km: number }[]>();

  constructor(
    readonly options: AnomalyOptions,
    seed: number | string,
    plazas: readonly P[],
  ) {
    this.rng = createRng(`anomalies|${seed}`);
    for (const a of plazas) {
      const far: { plaza: P; km: number }[] = [];
      for (const b of plazas) {
        if (!a.position || !b.position || a.plazaId === b.plazaId) continue;
        const km = greatCircleKm(a.position, b.position);
        if (km >= MIN_TRAVEL_KM) far.push({ plaza: b, km });
      }
      this.far.set(a.plazaId, far);
    }
  }

  /** Whether some plaza has a partner far enough away for an impossible journey. */
  static canTravel(plazas: readonly Placed[]): boolean {
    return plazas.some((a) =>
      plazas.some((b) => a.position && b.position && greatCircleKm(a.position, b.position) >= MIN_TRAVEL_KM),
    );
  }

  /** The anomaly the next arrival carries, if any. */
  draw(seq: number): AnomalyKind | undefined {
    const { rate, kinds, cleanAfter = Infinity } = this.options;
    if (kinds.length === 0 || seq > cleanAfter || this.rng() >= rate) return undefined;
    return kinds[Math.floor(this.rng() * kinds.length)];
  }

  /** What a short payment pays against a tariff of `tariffCents` (at least 2). */
  shortAmount(tariffCents: number): number {
    return randomInt(this.rng, 1, tariffCents - 1);
  }

  doubleChargeDelayMs(): number {
    return randomInt(this.rng, DOUBLE_CHARGE_DELAY_MS[0], DOUBLE_CHARGE_DELAY_MS[1]);
  }

  /** Where and how soon after passing `from` a vehicle shows up impossibly fast; undefined if nowhere is far enough. */
  journey(from: P): { plaza: P; delayMs: number } | undefined {
    const far = this.far.get(from.plazaId);
    if (!far?.length) return undefined;
    const { plaza, km } = far[Math.floor(this.rng() * far.length)]!;
    const [lo, hi] = TRAVEL_SPEED_FACTOR;
    const kmh = CLEAN_RULES.maxKmh * (lo + this.rng() * (hi - lo));
    return { plaza, delayMs: Math.floor((km / kmh) * 3_600_000) };
  }
}
