/**
 * Reconciliation of a run: every passage Kafka acknowledged in this run must be in MySQL exactly once.
 *
 * Method: the producers' acknowledged event ids are spooled to disk (spool.ts); at the end they are read back in
 * chunks of a few thousand and looked up in `passages` with the number of `payments` rows of each. An id with no
 * passage row is missing. A passage row cannot double (event_id is its primary key), so counting those would be a
 * check that cannot fail; a payment can: payments.event_id is no key, and a passage is paid once, so every payment
 * row beyond the first of a passage is a duplicate. Memory stays bounded by the chunk size whatever the run length;
 * the cost is two indexed look-ups per id. Ids are checked by presence, not by Kafka offset, so a replay of data
 * MySQL already holds reconciles.
 */
import type { Storage } from '../storage/db.ts';

/** What MySQL holds of one passage. */
export interface PassageRows {
  /** Rows in payments for the passage (0 for a passage not paid, or whose payment is not persisted). */
  payments: number;
  /** When the sink wrote the passage row (its process clock), epoch ms. */
  ingestedAtMs?: number;
}

/** The ids asked for that have a passage row, with what else MySQL holds of them. */
export type PassageLookup = (eventIds: string[]) => Promise<Map<string, PassageRows>>;

export interface ReconcileResult {
  /** Distinct ids checked (per chunk; an id acknowledged twice in different chunks counts twice). */
  checked: number;
  found: number;
  /** Of the found, those whose row was written at or after `since` (this run's own writes; the rest were there). */
  written: number;
  missing: number;
  /** Up to 5 missing ids, for the one-line reason. */
  missingSample: string[];
  /** Payment rows beyond one per passage: a passage charged twice. */
  duplicates: number;
}

export const RECONCILE_CHUNK = 2000;

export async function reconcile(
  ids: AsyncIterable<string[]>,
  lookup: PassageLookup,
  { signal, since }: { signal?: AbortSignal; since?: number } = {},
): Promise<ReconcileResult> {
  const result: ReconcileResult = {
    checked: 0,
    found: 0,
    written: 0,
    missing: 0,
    missingSample: [],
    duplicates: 0,
  };
  for await (const chunk of ids) {
    if (signal?.aborted) throw new Error('reconciliation interrupted');
    const distinct = [...new Set(chunk)];
    const rows = await lookup(distinct);
    result.checked += distinct.length;
    for (const id of distinct) {
      const held = rows.get(id);
      if (!held) {
        result.missing++;
        if (result.missingSample.length < 5) result.missingSample.push(id);
      } else {
        result.found++;
        if (since !== undefined && held.ingestedAtMs !== undefined && held.ingestedAtMs >= since)
          result.written++;
        if (held.payments > 1) result.duplicates += held.payments - 1;
      }
    }
  }
  return result;
}

export function sqlPassageLookup(storage: Storage): PassageLookup {
  return async (eventIds) => {
    const out = new Map<string, PassageRows>();
    if (!eventIds.length) return out;
    const passages = await storage.query<{ event_id: string; ingested: number | string }>(
      "SELECT event_id, TIMESTAMPDIFF(MICROSECOND, '1970-01-01', ingested_at) DIV 1000 AS ingested FROM passages WHERE event_id IN (?)",
      [eventIds],
    );
    for (const r of passages)
      out.set(r.event_id, { payments: 0, ingestedAtMs: Math.round(Number(r.ingested)) });
    const payments = await storage.query<{ event_id: string; n: number | string }>(
      'SELECT event_id, COUNT(*) AS n FROM payments WHERE event_id IN (?) GROUP BY event_id',
      [eventIds],
    );
    for (const r of payments) {
      const held = out.get(r.event_id);
      if (held) held.payments = Number(r.n);
    }
    return out;
  };
}
