/**
 * Vehicle classes and toll tariffs shared by every source that has to invent or derive a payment: the simulator,
 * the tolldata replay (its payment file names a method but no amount) and the MTA hourly counts. One table, so a
 * car pays the same whichever source produced it.
 */
import { WeightedPicker, type Rng } from './random.ts';

/** Axle counts and how common each is, per vehicle type. Trucks are mostly five-axle semis. */
const AXLES: Record<string, readonly (readonly [axles: number, weight: number])[]> = {
  car: [[2, 1]],
  van: [[2, 1]],
  motorcycle: [[2, 1]],
  truck: [
    [3, 15],
    [4, 20],
    [5, 50],
    [6, 15],
  ],
  bus: [
    [2, 70],
    [3, 30],
  ],
};

const axlePickers = new Map<string, WeightedPicker<number>>();

/** Draws an axle count for a vehicle of `type`; types without a table have two axles. */
export function drawAxles(type: string, rng: Rng): number {
  const table = AXLES[type];
  if (!table || table.length === 1) return table?.[0]?.[0] ?? 2;
  let picker = axlePickers.get(type);
  if (!picker) {
    picker = new WeightedPicker(
      table.map(([a]) => a),
      table.map(([, w]) => w),
    );
    axlePickers.set(type, picker);
  }
  return picker.pick(rng);
}

/** Price of a two-axle vehicle of a type, plus a price per axle beyond two (trailers, big rigs). */
export interface Rate {
  baseCents: number;
  perExtraAxleCents: number;
}

export type Tariff = Readonly<Record<string, Rate>>;

/** USD cents, in the range of US bridge and tunnel tolls. */
export const DEFAULT_TARIFF: Tariff = {
  motorcycle: { baseCents: 225, perExtraAxleCents: 0 },
  car: { baseCents: 450, perExtraAxleCents: 225 },
  van: { baseCents: 600, perExtraAxleCents: 300 },
  bus: { baseCents: 1100, perExtraAxleCents: 550 },
  truck: { baseCents: 860, perExtraAxleCents: 430 },
};

export const TARIFF_CURRENCY = 'USD';

/** Toll for one passage. A type missing from the tariff pays the car rate: an unknown vehicle still pays. */
export function tollCents(type: string, axles: number | undefined, tariff: Tariff = DEFAULT_TARIFF): number {
  const rate = tariff[type] ?? tariff.car ?? DEFAULT_TARIFF.car!;
  return rate.baseCents + Math.max(0, (axles ?? 2) - 2) * rate.perExtraAxleCents;
}

/**
 * The tariff per vehicle class as a plaza record publishes it: the two-axle price, the least any vehicle of the
 * class owes (extra axles only add), so a correct charge is never below its class's tariff. `types` adds classes
 * the table lacks at the price tollCents charges them (the car's).
 */
export function classTariffs(
  tariff: Tariff = DEFAULT_TARIFF,
  types: Iterable<string> = [],
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const type of [...Object.keys(tariff), ...types]) out[type] ??= tollCents(type, 2, tariff);
  return out;
}
