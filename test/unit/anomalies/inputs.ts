/** Plazas, passages and payments for the anomaly tests. */
import type { PassageIn, PaymentIn, Plaza } from '../../../src/anomalies/types.ts';

/** Wednesday 2026-12-02 08:00 UTC (hour of week 2 * 24 + 8 = 56). */
export const T0 = Date.UTC(2026, 11, 2, 8, 0);
export const S = 1000;
export const MIN = 60_000;

export function plaza(plazaId: number, over: Partial<Plaza> = {}): Plaza {
  return {
    v: 1,
    plazaId,
    code: `P${plazaId}`,
    name: `Plaza ${plazaId}`,
    lanes: 4,
    tariffs: { car: 450, truck: 1275 },
    currency: 'USD',
    ...over,
  };
}

export function passage(
  eventId: string,
  plazaId: number,
  vehicleId: string,
  atMs: number,
  vehicleType = 'car',
): PassageIn {
  return { eventId, plazaId, vehicleId, vehicleType, passedAtMs: atMs };
}

export function payment(
  eventId: string,
  plazaId: number,
  amountCents: number,
  atMs: number,
  over: Partial<PaymentIn> = {},
): PaymentIn {
  return {
    paymentId: `pay-${eventId}`,
    eventId,
    plazaId,
    method: 'e-tag',
    amountCents,
    currency: 'USD',
    paidAtMs: atMs,
    ...over,
  };
}
