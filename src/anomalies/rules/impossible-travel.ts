/**
 * Impossible travel: consecutive passages of one vehicle at two plazas farther apart (great circle) than it could
 * drive in the time between them.
 */
import { greatCircleKm } from '../../domain/geo.ts';
import type { Finding, PassageIn, Plaza } from '../types.ts';

/** The speed reported when the passages share a timestamp (infinite) or beat it. */
export const SPEED_CAP_KMH = 99_999;

/** How long after a passage a later one can still be too fast, given the farthest two plazas apart. */
export const travelHorizonMs = (maxDistanceKm: number, maxKmh: number): number =>
  Math.ceil((maxDistanceKm / maxKmh) * 3_600_000);

export interface TravelLimits {
  maxKmh: number;
  minKm: number;
}

/** `earlier` and `later` are consecutive passages of one vehicle; the plazas give their positions. */
export function judgeTravel(
  earlier: PassageIn,
  later: PassageIn,
  from: Plaza | undefined,
  to: Plaza | undefined,
  s: TravelLimits,
): Finding | undefined {
  if (earlier.plazaId === later.plazaId || !from?.position || !to?.position) return undefined;
  const km = greatCircleKm(from.position, to.position);
  if (km < s.minKm) return undefined;
  const hours = (later.passedAtMs - earlier.passedAtMs) / 3_600_000;
  const kmh = hours > 0 ? km / hours : km > 0 ? Infinity : 0;
  if (!(kmh > s.maxKmh)) return undefined;
  return {
    anomalyId: `impossible-travel:${later.eventId}`,
    rule: 'impossible-travel',
    plazaId: later.plazaId,
    vehicleId: later.vehicleId,
    eventId: later.eventId,
    relatedEventId: earlier.eventId,
    observedAtMs: later.passedAtMs,
    amountCents: null,
    expected: s.maxKmh,
    observed: Math.min(SPEED_CAP_KMH, Math.round(kmh * 10) / 10),
    details: {
      fromPlazaId: earlier.plazaId,
      distanceKm: Math.round(km * 100) / 100,
      seconds: (later.passedAtMs - earlier.passedAtMs) / 1000,
    },
  };
}
