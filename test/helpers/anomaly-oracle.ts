/**
 * An independent reading of the anomaly rules at their default settings, for tests of what the simulator injects:
 * small, in memory, written apart from the detector (src/anomalies) so that the two can disagree.
 */
import type { Passage, Payment, Plaza } from '../../src/domain/types.ts';

/** Great-circle km on a 6371 km sphere. */
export function km(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const r = Math.PI / 180;
  const x = Math.sin(((b.lat - a.lat) * r) / 2) ** 2;
  const y = Math.cos(a.lat * r) * Math.cos(b.lat * r) * Math.sin(((b.lon - a.lon) * r) / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.sqrt(x + y));
}

interface Seen {
  ms: number;
  plazaId: number;
  paid: boolean;
}

/**
 * The ids of what the rules find, sorted: unpaid (no payment at all), short-payment (below the plaza record's
 * tariff for the class), double-charge (same vehicle and plaza, both paid, within 300 s), impossible-travel
 * (consecutive passages in (time, id) order, >= 1 km apart, faster than 200 km/h).
 */
export function findings(
  passages: readonly Passage[],
  payments: readonly Payment[],
  plazas: readonly Plaza[],
): string[] {
  const byId = new Map(plazas.map((p) => [p.plazaId, p]));
  const paymentOf = new Map(payments.map((p) => [p.eventId, p]));
  const sorted = passages
    .map((p) => ({ p, ms: Date.parse(p.passedAt) }))
    .sort((a, b) => a.ms - b.ms || (a.p.eventId < b.p.eventId ? -1 : 1));
  const out: string[] = [];
  const history = new Map<string, Seen[]>();
  for (const { p, ms } of sorted) {
    const plaza = byId.get(p.plazaId)!;
    const payment = paymentOf.get(p.eventId);
    if (!payment) out.push(`unpaid:${p.eventId}`);
    else if (payment.amountCents < plaza.tariffs![p.vehicleType]!)
      out.push(`short-payment:${payment.paymentId}`);
    const seen = history.get(p.vehicleId) ?? [];
    const last = seen[seen.length - 1];
    if (last) {
      const d = km(byId.get(last.plazaId)!.position!, plaza.position!);
      const hours = (ms - last.ms) / 3_600_000;
      if (d >= 1 && (hours === 0 || d / hours > 200)) out.push(`impossible-travel:${p.eventId}`);
    }
    if (payment && seen.some((s) => s.paid && s.plazaId === p.plazaId && ms - s.ms <= 300_000))
      out.push(`double-charge:${p.eventId}`);
    seen.push({ ms, plazaId: p.plazaId, paid: payment !== undefined });
    if (seen.length > 4) seen.shift();
    history.set(p.vehicleId, seen);
  }
  return out.sort();
}
