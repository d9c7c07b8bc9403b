/**
 * Filter for the live-vehicles pane. Terms are separated by spaces or commas; a passage matches when any term
 * matches: a number matches the plaza id (a prefix, so "40" shows 4000-4099), a word matches the start of the
 * vehicle type ("tr" shows trucks). An empty filter matches everything.
 */
import type { PersistedPassage } from '../../src/engines/types.ts';

export function parseFilter(filter: string): string[] {
  return filter
    .toLowerCase()
    .split(/[\s,]+/)
    .filter(Boolean);
}

export function matchesTerms(p: PersistedPassage, terms: readonly string[]): boolean {
  if (terms.length === 0) return true;
  const plaza = String(p.plazaId);
  const type = p.vehicleType.toLowerCase();
  return terms.some((t) => (/^\d+$/.test(t) ? plaza.startsWith(t) : type.startsWith(t)));
}

/** The newest first, filtered, at most `limit`; never touches more of the ring than needed. */
export function newestMatching(
  passages: readonly PersistedPassage[],
  filter: string,
  limit: number,
): PersistedPassage[] {
  const terms = parseFilter(filter);
  const newestFirst = isNewestFirst(passages) ? passages : [...passages].reverse();
  const out: PersistedPassage[] = [];
  for (const p of newestFirst) {
    if (out.length >= limit) break;
    if (matchesTerms(p, terms)) out.push(p);
  }
  return out;
}

/** The sink keeps `recent` in a ring; accept either order rather than depend on it. */
function isNewestFirst(passages: readonly PersistedPassage[]): boolean {
  const first = passages[0];
  const last = passages[passages.length - 1];
  return !first || !last || first.persistedAtMs >= last.persistedAtMs;
}
