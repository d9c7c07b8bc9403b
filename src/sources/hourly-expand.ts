/**
 * Turns one MTA hourly count ("plaza 7, inbound, 2015-11-28 08h: 1,931 vehicles") into exactly that many
 * passages at random times within the hour. Everything is drawn from a generator seeded by plaza, hour and
 * direction, so the same count always expands to the same passages with the same ids, whichever source read it
 * (the hourly file, the CSV export or the HTTP API) and however often: the sink keeps one copy.
 */
import type { PaymentMethod, Plaza, TollEvent } from '../domain/types.ts';
import { wallClockToEpoch } from '../domain/time.ts';
import { createRng, randomInt, WeightedPicker } from './random.ts';
import { classTariffs, drawAxles, TARIFF_CURRENCY, tollCents } from './tariff.ts';
import { isoUtc } from './iso-time.ts';

export interface HourCount {
  plazaId: number;
  /** Wall-clock hour of the count, read in the source's time zone. */
  year: number;
  month: number;
  day: number;
  hour: number;
  /** 'I' (inbound) or 'O' (outbound). */
  direction: string;
  total: number;
  /** How many of `total` paid by E-ZPass; undefined when the input has only a total. */
  eZPass?: number;
  /** How the rest paid: the older data's cash lanes, or tolls by mail (see hourly-rows.ts). */
  otherMethod: 'cash' | 'card';
}

/** Bridge and tunnel traffic is overwhelmingly cars; the counts carry no vehicle class, so this is assumed. */
const MTA_MIX = new WeightedPicker(['car', 'truck', 'van', 'bus', 'motorcycle'], [88, 5, 4, 2, 1]);

/** Share of E-ZPass when only a total is known: an assumption in line with the split in the MTA export rows. */
export const ASSUMED_EZPASS_SHARE = 0.85;

/** The data has no lanes; passages are spread over this many so per-lane views have something to show. */
export const MTA_LANES = 8;

/** Names of the plaza ids SOURCES.md documents; other ids are "Plaza <id>". */
const MTA_PLAZA_NAMES: Record<number, string> = { 7: 'Queens Midtown Tunnel', 27: 'Queens Midtown Tunnel' };

export function mtaPlaza(plazaId: number): Plaza {
  return {
    v: 1,
    plazaId,
    code: `MTA${plazaId}`,
    name: MTA_PLAZA_NAMES[plazaId] ?? `Plaza ${plazaId}`,
    lanes: MTA_LANES,
    // The counts carry no money: the payments expandHour invents are charged from this table.
    tariffs: classTariffs(),
    currency: TARIFF_CURRENCY,
  };
}

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** `YYYYMMDDHH`, the hour as the derived file writes it. */
export function hourKey(c: Pick<HourCount, 'year' | 'month' | 'day' | 'hour'>): string {
  return `${c.year}${pad2(c.month)}${pad2(c.day)}${pad2(c.hour)}`;
}

/** Epoch ms at which the counted hour starts in `tz`; NaN for a date that does not exist. */
export function hourStartMs(c: HourCount, tz: string): number {
  return wallClockToEpoch(
    { year: c.year, month: c.month, day: c.day, hour: c.hour, minute: 0, second: 0 },
    tz,
  );
}

/**
 * The passages of one count, sorted by time. Passages depend only on plaza, hour, direction and total; the
 * payment split is drawn from a second generator, so a source that knows only the total yields the same
 * passages as one that knows the split.
 */
export function expandHour(c: HourCount, tz: string, source: string): TollEvent[] {
  const start = hourStartMs(c, tz);
  const key = `${c.plazaId}-${hourKey(c)}-${c.direction}`;
  const rng = createRng(`mta|${key}`);
  const offsets = new Float64Array(c.total);
  for (let i = 0; i < c.total; i++) offsets[i] = Math.floor(rng() * 3_600_000);
  offsets.sort();
  const methods = paymentMethods(c, key);
  const out: TollEvent[] = new Array(c.total);
  for (let i = 0; i < c.total; i++) {
    const type = MTA_MIX.pick(rng);
    const axles = drawAxles(type, rng);
    const vehicleId = String(randomInt(rng, 1_000_000, 9_999_999));
    const lane = 1 + Math.floor(rng() * MTA_LANES);
    const eventId = `mta-${key}-${i}`;
    const passedAt = isoUtc(start + offsets[i]!);
    out[i] = {
      passage: {
        v: 1,
        eventId,
        plazaId: c.plazaId,
        lane,
        vehicleId,
        vehicleType: type,
        axles,
        passedAt,
        source,
      },
      payment: {
        v: 1,
        paymentId: `pay-${eventId}`,
        eventId,
        plazaId: c.plazaId,
        method: methods[i]!,
        amountCents: tollCents(type, axles),
        currency: TARIFF_CURRENCY,
        paidAt: passedAt,
      },
    };
  }
  return out;
}

/** Exactly `eZPass` e-tag payments at random positions when the split is known; else the assumed share. */
function paymentMethods(c: HourCount, key: string): PaymentMethod[] {
  const rng = createRng(`mta-pay|${key}`);
  const methods = new Array<PaymentMethod>(c.total).fill(c.otherMethod);
  if (c.eZPass === undefined) {
    for (let i = 0; i < c.total; i++) if (rng() < ASSUMED_EZPASS_SHARE) methods[i] = 'e-tag';
    return methods;
  }
  // Partial Fisher-Yates: the first eZPass slots of a shuffled index list pay by e-tag.
  const order = Array.from({ length: c.total }, (_, i) => i);
  for (let i = 0; i < c.eZPass; i++) {
    const j = i + Math.floor(rng() * (c.total - i));
    [order[i], order[j]] = [order[j]!, order[i]!];
    methods[order[i]!] = 'e-tag';
  }
  return methods;
}
