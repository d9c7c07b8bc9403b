/** Wire and domain types. A passage is one vehicle crossing one toll plaza. */

export const PAYMENT_METHODS = ['e-tag', 'cash', 'card', 'prepaid'] as const;
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];

export interface Passage {
  v: 1;
  eventId: string;
  plazaId: number;
  lane?: number;
  vehicleId: string;
  vehicleType: string;
  axles?: number;
  /** ISO 8601 with zone. */
  passedAt: string;
  source?: string;
}

export interface Payment {
  v: 1;
  paymentId: string;
  eventId: string;
  plazaId: number;
  method: PaymentMethod;
  amountCents: number;
  currency: string;
  paidAt: string;
  /**
   * Optional (still `v: 1`): the amount that was due, when the source records it per transaction (the FASTag data's
   * Transaction_Amount). The short-payment rule compares with it instead of the plaza's tariff for the class.
   */
  dueCents?: number;
}

export interface Plaza {
  v: 1;
  plazaId: number;
  code: string;
  name: string;
  lanes: number;
  /**
   * Optional reference data (still `v: 1`: readers that do not know these fields ignore them). The toll per
   * vehicle class in the currency's minor unit, e.g. { car: 450, truck: 1275 }; the anomaly detector's
   * short-payment rule compares payments with it.
   */
  tariffs?: Record<string, number>;
  /** ISO 4217 code of the tariffs (the payments' currency when absent). */
  currency?: string;
  /** WGS 84 degrees; the impossible-travel rule measures distances between plazas with it. */
  position?: { lat: number; lon: number };
}

/**
 * What a source yields: a passage, optionally with the payment made for it, and the plaza's reference record when a
 * source meets a plaza it could not announce before the first passage (published to toll.plazas with it).
 */
export interface TollEvent {
  passage: Passage;
  payment?: Payment;
  plaza?: Plaza;
  /**
   * Set on the events of a replace run (`--replace`): the stage their rows are written to instead of `passages`
   * and `payments` until the run swaps them in. Travels as the STAGE_HEADER header of both messages.
   */
  stage?: string;
}

/** The Kafka header that sends a passage or payment to the staging tables of a replace run (value: stage id). */
export const STAGE_HEADER = 'tollstream-stage';

export const TOPICS = {
  passages: 'toll.passages',
  payments: 'toll.payments',
  plazas: 'toll.plazas',
  dlq: 'toll.dlq',
  legacy: 'toll',
  /** Findings of the anomaly detector (compacted, key = anomaly id). */
  anomalies: 'toll.anomalies',
} as const;
export type TopicRole = keyof typeof TOPICS;
