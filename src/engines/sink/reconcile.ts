/**
 * Reconciliation look-ups for headless mode and tests: which of the passages a run produced are in MySQL.
 * A passage row cannot double (event_id is the primary key), so this counts presence only; a headless run's
 * reconciliation (src/runtime/reconcile.ts) also checks what can double, the payments of each passage.
 */
import type { Storage } from '../../storage/db.ts';

export type PersistedQuery =
  /** Exactly these event ids (duplicates in the list are counted once). */
  | { eventIds: readonly string[] }
  /** Every passage whose event id starts with this prefix, e.g. a run's "sim-run42-". */
  | { eventIdPrefix: string };

export interface PersistedCount {
  /** Distinct event ids asked for (eventIds queries only). */
  asked?: number;
  found: number;
  /** Ids asked for but not in MySQL, at most MISSING_LISTED of them (eventIds queries only). */
  missing?: string[];
  missingCount?: number;
}

export const MISSING_LISTED = 100;
const LOOKUP_CHUNK = 5000;

/** Escapes LIKE wildcards so a prefix matches literally (with the default escape character). */
export function likePrefix(prefix: string): string {
  return `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export async function countPersisted(storage: Storage, query: PersistedQuery): Promise<PersistedCount> {
  if ('eventIdPrefix' in query) {
    const rows = await storage.query<{ n: string | number }>(
      'SELECT COUNT(*) AS n FROM passages WHERE event_id LIKE ?',
      [likePrefix(query.eventIdPrefix)],
    );
    return { found: Number(rows[0]?.n ?? 0) };
  }
  const ids = [...new Set(query.eventIds)];
  const present = new Set<string>();
  for (let i = 0; i < ids.length; i += LOOKUP_CHUNK) {
    const rows = await storage.query<{ event_id: string }>(
      'SELECT event_id FROM passages WHERE event_id IN (?)',
      [ids.slice(i, i + LOOKUP_CHUNK)],
    );
    for (const r of rows) present.add(r.event_id);
  }
  const missing: string[] = [];
  let missingCount = 0;
  for (const id of ids) {
    if (present.has(id)) continue;
    missingCount++;
    if (missing.length < MISSING_LISTED) missing.push(id);
  }
  return { asked: ids.length, found: present.size, missing, missingCount };
}
