/**
 * Short payment: a payment below the plaza's tariff for the passage's vehicle class, beyond a tolerance. Judged only
 * when the tariff is known and, when the plaza names a currency, the payment is in it.
 */
import type { Finding, PassageIn, PaymentIn, Plaza } from '../types.ts';
import { tariffOf } from './tariff.ts';

export function judgePayment(
  passage: PassageIn,
  payment: PaymentIn,
  plaza: Plaza | undefined,
  toleranceCents: number,
): Finding | undefined {
  const tariff = tariffOf(plaza, passage.vehicleType);
  if (tariff === undefined) return undefined;
  if (plaza?.currency !== undefined && plaza.currency !== payment.currency) return undefined;
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
    },
  };
}
