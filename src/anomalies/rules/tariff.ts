import type { Plaza } from '../types.ts';

/** The plaza's toll for a vehicle class in minor units, undefined when the plaza names none. */
export function tariffOf(plaza: Plaza | undefined, vehicleType: string): number | undefined {
  const tariffs = plaza?.tariffs;
  if (!tariffs || !Object.hasOwn(tariffs, vehicleType)) return undefined;
  return tariffs[vehicleType];
}
