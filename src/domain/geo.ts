/** Distances between plazas, from the WGS 84 positions their reference records carry. */

export interface Position {
  lat: number;
  lon: number;
}

/** Mean Earth radius (IUGG), km: the spherical model is within 0.5 % of the ellipsoid, plenty for road speeds. */
const EARTH_RADIUS_KM = 6371.0088;

const rad = (deg: number): number => (deg * Math.PI) / 180;

/** Great-circle distance in km (haversine: well conditioned for the short distances between plazas). */
export function greatCircleKm(a: Position, b: Position): number {
  const dLat = rad(b.lat - a.lat);
  const dLon = rad(b.lon - a.lon);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}
