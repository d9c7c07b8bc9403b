/** Unpaid passage: no payment for the passage when the watermark passes passedAt + grace. */
import type { Finding, PassageIn, Plaza } from '../types.ts';
import { tariffOf } from './tariff.ts';

/** The finding for a passage the detector found without payment at its deadline; `plaza` gives the toll owed. */
export function unpaidFinding(passage: PassageIn, plaza: Plaza | undefined, graceSeconds: number): Finding {
  const owed = tariffOf(plaza, passage.vehicleType);
  return {
    anomalyId: `unpaid:${passage.eventId}`,
    rule: 'unpaid',
    plazaId: passage.plazaId,
    vehicleId: passage.vehicleId,
    eventId: passage.eventId,
    relatedEventId: null,
    observedAtMs: passage.passedAtMs,
    amountCents: owed ?? null,
    expected: null,
    observed: null,
    details: {
      vehicleType: passage.vehicleType,
      graceSeconds,
      ...(owed !== undefined && plaza?.currency ? { currency: plaza.currency } : {}),
    },
  };
}
