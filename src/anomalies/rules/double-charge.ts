/**
 * Double charge: two different paid passages of one vehicle at one plaza with passedAt at most windowSeconds apart.
 * The finding is about the later passage (event time, then event id) and carries its charge.
 */
import type { Finding, PassageIn, PaymentIn } from '../types.ts';

/** Event-time order of passages, ties by event id: the order "earlier" and "later" mean in every rule. */
export const passageBefore = (a: PassageIn, b: PassageIn): boolean =>
  a.passedAtMs < b.passedAtMs || (a.passedAtMs === b.passedAtMs && a.eventId < b.eventId);

export interface Charged {
  passage: PassageIn;
  payment: PaymentIn;
}

/** Whether two charged passages are a double charge (in either order). */
export function isDoubleCharge(a: Charged, b: Charged, windowSeconds: number): boolean {
  return (
    a.passage.eventId !== b.passage.eventId &&
    a.passage.vehicleId === b.passage.vehicleId &&
    a.passage.plazaId === b.passage.plazaId &&
    Math.abs(a.passage.passedAtMs - b.passage.passedAtMs) <= windowSeconds * 1000
  );
}

export function doubleChargeFinding(later: Charged, earlier: Charged, windowSeconds: number): Finding {
  const { passage, payment } = later;
  return {
    anomalyId: `double-charge:${passage.eventId}`,
    rule: 'double-charge',
    plazaId: passage.plazaId,
    vehicleId: passage.vehicleId,
    eventId: passage.eventId,
    relatedEventId: earlier.passage.eventId,
    observedAtMs: passage.passedAtMs,
    amountCents: payment.amountCents,
    expected: null,
    observed: null,
    details: {
      paymentId: payment.paymentId,
      method: payment.method,
      currency: payment.currency,
      relatedPaymentId: earlier.payment.paymentId,
      seconds: (passage.passedAtMs - earlier.passage.passedAtMs) / 1000,
      windowSeconds,
    },
  };
}
