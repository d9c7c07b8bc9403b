/**
 * The anomaly detector's vocabulary: the rules, a finding (what the detector reports, one row in `anomalies` and one
 * message on toll.anomalies) and the inputs it judges. The inputs are the parts of a passage and a payment the
 * rules read, so a validated wire message (ValidPassage, ValidPayment) is one as it stands.
 */
import type { PaymentMethod, Plaza } from '../domain/types.ts';

export type { Plaza };

export const RULES = [
  'surge',
  'drop',
  'unpaid',
  'short-payment',
  'double-charge',
  'impossible-travel',
] as const;
export type RuleName = (typeof RULES)[number];

export interface Finding {
  /** Derived from what was found, `${rule}:${key}`: the same inputs give the same id, in any run. */
  anomalyId: string;
  rule: RuleName;
  plazaId: number | null;
  vehicleId: string | null;
  /** The passage the finding is about (the later one of a pair). */
  eventId: string | null;
  /** The other passage of a pair (double charge, impossible travel). */
  relatedEventId: string | null;
  /** Event time of the finding: the window start, the passage or the payment it is about. */
  observedAtMs: number;
  /** unpaid: the tariff owed (null when unknown); short payment: the shortfall; double charge: the 2nd charge. */
  amountCents: number | null;
  /** short payment: the tariff; surge/drop: expected passages; impossible travel: the speed limit in km/h. */
  expected: number | null;
  /** short payment: the amount paid; surge/drop: passages counted; impossible travel: km/h measured. */
  observed: number | null;
  /** Small JSON object, e.g. { paymentId, method, distanceKm, windowStart }. */
  details: Record<string, unknown>;
}

/** A toll passage as the rules read it. */
export interface PassageIn {
  eventId: string;
  plazaId: number;
  vehicleId: string;
  vehicleType: string;
  passedAtMs: number;
}

/** A payment for a passage (`eventId`) as the rules read it. */
export interface PaymentIn {
  paymentId: string;
  eventId: string;
  plazaId: number;
  method: PaymentMethod;
  amountCents: number;
  currency: string;
  paidAtMs: number;
  /** The amount due when the source recorded it with the transaction: the short-payment rule's tariff then. */
  dueCents?: number;
}

/** Where an input was read: its topic partition and offset. */
export interface Origin {
  topic: string;
  partition: number;
  offset: bigint;
}

/**
 * Expected passages per minute at a plaza in an hour of the week (0 = Monday 00:00-00:59 UTC ... 167 = Sunday
 * 23:00-23:59 UTC, MySQL's `WEEKDAY(t) * 24 + HOUR(t)`), undefined when there is no history to judge by.
 * `windowStartMs` is the start of the window being judged, for a baseline taken from the weeks before it.
 */
export type Baseline = (plazaId: number, hourOfWeek: number, windowStartMs: number) => number | undefined;
