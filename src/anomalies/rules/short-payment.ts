/**
 * Short payment: a payment below the plaza's tariff for the passage's vehicle class, beyond a tolerance. Judged only
 * when the tariff is known and, when the plaza names a currency, the payment is in it. A payment that carries the
 * amount due for its transaction (dueCents) is judged against that instead, in its own currency.
 */
import type { Finding, PassageIn, PaymentIn, Plaza } from '../types.ts';
import { tariffOf } from './tariff.ts';

export function judgePayment(
  passage: PassageIn,
  payment: PaymentIn,
  plaza: Plaza | undefined,
  toleranceCents: number,
): Finding | undefined {
  const due = payment.dueCents;
  const tariff = due ?? tariffOf(plaza, passage.vehicleType);
  if (tariff === undefined) return undefined;
  if (due === undefined && plaza?.currency !== undefined && plaza.currency !== payment.currency)
    return undefined;
  if (payment.amountCents + toleranceCents >= tariff) return undefined;
  return {
    anomalyId: `short-payment:${payment.paymentId}`,
    rule: 'short-payment',
    plazaId: passage.plazaId,
    vehicleId: passage.vehicleId,
    eventId: passage.eventId,
    relatedEventId: null,
    observedAtMs: payment.paidAtMs,
    amountCents: tariff - payment.amountCents,
    expected: tariff,
    observed: payment.amountCents,
    details: {
      paymentId: payment.paymentId,
      method: payment.method,
      currency: payment.currency,
      vehicleType: passage.vehicleType,
      toleranceCents,
      tariffFrom: due === undefined ? 'plaza' : 'payment',
    },
  };
}
