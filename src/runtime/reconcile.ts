/**
 * Reconciliation of a run: every passage Kafka acknowledged in this run must be in MySQL exactly once.
 *
 * Method: the producers' acknowledged event ids are spooled to disk (spool.ts); at the end they are read back in
 * chunks of a few thousand and looked up with `SELECT event_id, COUNT(*) ... WHERE event_id IN (...) GROUP BY
 * event_id`. An id with no row is missing; an id with more than one row is a duplicate (the primary key makes
 * that impossible in tollstream's schema; the check proves it instead of assuming it). Memory stays bounded by
 * the chunk size whatever the run length; the cost is one indexed look-up per id (about 1 s per 100,000 ids
 * here). Ids are checked by presence, not by Kafka offset, so a replay of data MySQL already holds reconciles.
 */
import type { Storage } from '../storage/db.ts';

/** Rows per event id for the ids asked that have at least one row. */
export type PassageLookup = (eventIds: string[]) => Promise<Map<string, number>>;

export interface ReconcileResult {
  /** Distinct ids checked (per chunk; an id acknowledged twice in different chunks counts twice). */
  checked: number;
  found: number;
  missing: number;
  /** Up to 5 missing ids, for the one-line reason. */
  missingSample: string[];
  duplicates: number;
}

export const RECONCILE_CHUNK = 2000;

export async function reconcile(
  ids: AsyncIterable<string[]>,
  lookup: PassageLookup,
  { signal }: { signal?: AbortSignal } = {},
): Promise<ReconcileResult> {
  const result: ReconcileResult = { checked: 0, found: 0, missing: 0, missingSample: [], duplicates: 0 };
  for await (const chunk of ids) {
    if (signal?.aborted) throw new Error('reconciliation interrupted');
    const distinct = [...new Set(chunk)];
    const rows = await lookup(distinct);
    result.checked += distinct.length;
    for (const id of distinct) {
      const n = rows.get(id) ?? 0;
      if (n === 0) {
        result.missing++;
        if (result.missingSample.length < 5) result.missingSample.push(id);
      } else {
        result.found++;
        if (n > 1) result.duplicates += n - 1;
      }
    }
  }
  return result;
}

export function sqlPassageLookup(storage: Storage): PassageLookup {
  return async (eventIds) => {
    const out = new Map<string, number>();
    if (!eventIds.length) return out;
    const rows = await storage.query<{ event_id: string; n: number | string }>(
      'SELECT event_id, COUNT(*) AS n FROM passages WHERE event_id IN (?) GROUP BY event_id',
      [eventIds],
    );
    for (const r of rows) out.set(r.event_id, Number(r.n));
    return out;
  };
}
