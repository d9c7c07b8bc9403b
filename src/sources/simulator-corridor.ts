/**
 * Where the simulated plazas stand: on one ~100 km motorway, waypoints along the New Jersey Turnpike from exit 4
 * to exit 13 (USD tolls, like the tariff). A plaza's place depends on its id alone, so every producer and every
 * run agrees on it whatever plaza list it was given: the golden-ratio (Weyl) sequence of the id picks the km,
 * which spreads ids evenly: two consecutive ids stand at least 38 km apart (great-circle).
 */
import { greatCircleKm, type Position } from '../domain/geo.ts';

const WAYPOINTS: readonly Position[] = [
  { lat: 39.9436, lon: -74.9527 }, // exit 4, Mount Laurel
  { lat: 40.1318, lon: -74.7105 }, // exit 7, Bordentown
  { lat: 40.2706, lon: -74.5396 }, // exit 8, Hightstown
  { lat: 40.4707, lon: -74.4108 }, // exit 9, New Brunswick
  { lat: 40.5314, lon: -74.3003 }, // exit 11, Woodbridge
  { lat: 40.6612, lon: -74.1812 }, // exit 13, Elizabeth
];

const LEGS_KM = WAYPOINTS.slice(1).map((w, i) => greatCircleKm(WAYPOINTS[i]!, w));

/** Length of the corridor along its waypoints, km. */
export const CORRIDOR_KM = LEGS_KM.reduce((a, b) => a + b, 0);

const GOLDEN = (Math.sqrt(5) - 1) / 2;

/** Km from the corridor's south end at which plaza `plazaId` stands. */
export function corridorKm(plazaId: number): number {
  return ((plazaId * GOLDEN) % 1) * CORRIDOR_KM;
}

/** The plaza's position: its km along the corridor, interpolated between waypoints, to 5 decimals (~1 m). */
export function corridorPosition(plazaId: number): Position {
  let km = corridorKm(plazaId);
  let leg = 0;
  while (leg < LEGS_KM.length - 1 && km > LEGS_KM[leg]!) km -= LEGS_KM[leg++]!;
  const f = Math.min(1, km / LEGS_KM[leg]!);
  const [a, b] = [WAYPOINTS[leg]!, WAYPOINTS[leg + 1]!];
  const round = (x: number): number => Math.round(x * 1e5) / 1e5;
  return { lat: round(a.lat + (b.lat - a.lat) * f), lon: round(a.lon + (b.lon - a.lon) * f) };
}

/** The longest great-circle distance between two of `positions`, km (0 for fewer than two). */
export function longestDistanceKm(positions: readonly Position[]): number {
  let max = 0;
  for (let i = 0; i < positions.length; i++)
    for (let j = i + 1; j < positions.length; j++)
      max = Math.max(max, greatCircleKm(positions[i]!, positions[j]!));
  return max;
}
