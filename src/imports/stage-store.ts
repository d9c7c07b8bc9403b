/**
 * The MySQL side of a replace run: its row in `imports`, the reconcile look-up in its staging rows, and the one
 * transaction that swaps the earlier import's rows for the staged ones (or the one that abandons the stage). The
 * sink writes the staged rows (src/engines/sink/staging.ts); a stage takes rows while its `imports` row says
 * `staging`, and the swap locks that row first, so no chunk of the stage commits after it.
 */
import { PASSAGE_COLUMNS, PAYMENT_COLUMNS } from '../engines/sink/writer.ts';
import type { PassageLookup, PassageRows } from '../runtime/reconcile.ts';
import type { Storage, Transaction } from '../storage/db.ts';
import { addRollupsOf, subtractRollupsOf } from '../storage/rollups.ts';

/**
 * The half-open range [from, to) of strings that start with `prefix`, in byte order (event ids are ASCII with a
 * binary collation): `to` is the prefix with its last character raised by one ("file-ab12-" → "file-ab12."). An
 * indexed range on the key, without LIKE and its wildcards (`_` is one in LIKE, and common in ids).
 */
export function prefixRange(prefix: string): { from: string; to: string } {
  if (!/^[\x21-\x7e]+$/.test(prefix))
    throw new Error(`an id prefix must be printable ASCII without spaces, got ${JSON.stringify(prefix)}`);
  const last = prefix.charCodeAt(prefix.length - 1);
  return { from: prefix, to: prefix.slice(0, -1) + String.fromCharCode(last + 1) };
}

/** The prefix every event id of an import starts with. */
export const importPrefix = (importId: string): string => `${importId}-`;

export interface Stage {
  stageId: string;
  importId: string;
  runId: string;
  source: string;
}

export interface SwapCounts {
  passagesRemoved: number;
  passagesInserted: number;
  paymentsRemoved: number;
  paymentsInserted: number;
}

/** The swap was refused before it changed anything (the stage is closed, or holds nothing). */
export class SwapRefused extends Error {
  override name = 'SwapRefused';
}

async function dropStagedRows(tx: Transaction, stageId: string): Promise<void> {
  await tx.execute('DELETE FROM passages_staging WHERE stage_id = ?', [stageId]);
  await tx.execute('DELETE FROM payments_staging WHERE stage_id = ?', [stageId]);
}

/**
 * Opens the stage: the sink takes its rows from now on. An older stage of the same import still open (a replace
 * run that was killed, or one still running) is abandoned and its rows deleted: two replaces of one file cannot
 * both be meant, and the later one is what the user asked for last.
 */
export async function openStage(storage: Storage, stage: Stage): Promise<string[]> {
  return storage.transaction(async (tx) => {
    const older = await tx.query<{ stage_id: string }>(
      "SELECT stage_id FROM imports WHERE import_id = ? AND state = 'staging' FOR UPDATE",
      [stage.importId],
    );
    for (const { stage_id } of older) {
      await tx.execute(
        "UPDATE imports SET state = 'abandoned', ended_at = UTC_TIMESTAMP(3), reason = ? WHERE stage_id = ?",
        [`superseded by replace run ${stage.runId} of the same file`, stage_id],
      );
      await dropStagedRows(tx, stage_id);
    }
    await tx.execute(
      "INSERT INTO imports (stage_id, import_id, run_id, source, state, started_at) VALUES (?, ?, ?, ?, 'staging', UTC_TIMESTAMP(3))",
      [stage.stageId, stage.importId, stage.runId, stage.source],
    );
    return older.map((r) => r.stage_id);
  });
}

/** Reconciliation of a replace run looks for its passages in its staging rows. */
export function stagedPassageLookup(storage: Storage, stageId: string): PassageLookup {
  return async (eventIds) => {
    const out = new Map<string, PassageRows>();
    if (!eventIds.length) return out;
    const passages = await storage.query<{ event_id: string; ingested: number | string }>(
      "SELECT event_id, TIMESTAMPDIFF(MICROSECOND, '1970-01-01', ingested_at) DIV 1000 AS ingested FROM passages_staging WHERE stage_id = ? AND event_id IN (?)",
      [stageId, eventIds],
    );
    for (const r of passages)
      out.set(r.event_id, { payments: 0, ingestedAtMs: Math.round(Number(r.ingested)) });
    const payments = await storage.query<{ event_id: string; n: number | string }>(
      'SELECT event_id, COUNT(*) AS n FROM payments_staging WHERE stage_id = ? AND event_id IN (?) GROUP BY event_id',
      [stageId, eventIds],
    );
    for (const r of payments) {
      const held = out.get(r.event_id);
      if (held) held.payments = Number(r.n);
    }
    return out;
  };
}

const columnList = (columns: string[]): string => columns.map((c) => `\`${c}\``).join(', ');

/**
 * One transaction: the rows of the earlier import of the same file (event ids starting with the import's prefix)
 * leave passages and payments, the staged rows take their place, the rollups count the one out and the other in,
 * `imports` records the counts, the staging rows go. Refused (nothing changed) when the stage is no longer open or
 * holds no passage.
 */
export async function swapStage(storage: Storage, stage: Stage): Promise<SwapCounts> {
  const { from, to } = prefixRange(importPrefix(stage.importId));
  return storage.transaction(async (tx) => {
    const [row] = await tx.query<{ state: string; reason: string | null }>(
      'SELECT state, reason FROM imports WHERE stage_id = ? FOR UPDATE',
      [stage.stageId],
    );
    if (row?.state !== 'staging') {
      throw new SwapRefused(
        row
          ? `its stage is ${row.state}${row.reason ? ` (${row.reason})` : ''}`
          : `its stage ${stage.stageId} is not in imports`,
      );
    }
    const [staged] = await tx.query<{ n: number | string }>(
      'SELECT COUNT(*) AS n FROM passages_staging WHERE stage_id = ?',
      [stage.stageId],
    );
    if (Number(staged?.n ?? 0) === 0) throw new SwapRefused('it staged no passage');
    const earlier = { where: 'event_id >= ? AND event_id < ?', params: [from, to] };
    await subtractRollupsOf(tx, { kind: 'traffic', table: 'passages', ...earlier });
    await subtractRollupsOf(tx, { kind: 'revenue', table: 'payments', ...earlier });
    const passagesRemoved = (
      await tx.execute('DELETE FROM passages WHERE event_id >= ? AND event_id < ?', [from, to])
    ).affectedRows;
    const paymentsRemoved = (
      await tx.execute('DELETE FROM payments WHERE event_id >= ? AND event_id < ?', [from, to])
    ).affectedRows;
    const passages = columnList(PASSAGE_COLUMNS);
    const passagesInserted = (
      await tx.execute(
        `INSERT INTO passages (${passages}) SELECT ${passages} FROM passages_staging WHERE stage_id = ? ORDER BY event_id`,
        [stage.stageId],
      )
    ).affectedRows;
    const payments = columnList(PAYMENT_COLUMNS);
    const paymentsInserted = (
      await tx.execute(
        `INSERT INTO payments (${payments}) SELECT ${payments} FROM payments_staging WHERE stage_id = ? ORDER BY payment_id`,
        [stage.stageId],
      )
    ).affectedRows;
    // Plain INSERTs above: every staged row went in (or the swap failed), so the staging tables are what to add.
    const staging = { where: 'stage_id = ?', params: [stage.stageId] };
    await addRollupsOf(tx, { kind: 'traffic', table: 'passages_staging', ...staging });
    await addRollupsOf(tx, { kind: 'revenue', table: 'payments_staging', ...staging });
    await tx.execute(
      "UPDATE imports SET state = 'replaced', passages_removed = ?, passages_inserted = ?, payments_removed = ?, payments_inserted = ?, replaced_at = UTC_TIMESTAMP(3), ended_at = UTC_TIMESTAMP(3) WHERE stage_id = ?",
      [passagesRemoved, passagesInserted, paymentsRemoved, paymentsInserted, stage.stageId],
    );
    await dropStagedRows(tx, stage.stageId);
    return { passagesRemoved, passagesInserted, paymentsRemoved, paymentsInserted };
  });
}

/** Closes the stage without touching the live tables: its rows are deleted and the sink takes no more. */
export async function abandonStage(storage: Storage, stageId: string, reason: string): Promise<void> {
  await storage.transaction(async (tx) => {
    await tx.execute(
      "UPDATE imports SET state = 'abandoned', ended_at = UTC_TIMESTAMP(3), reason = ? WHERE stage_id = ? AND state = 'staging'",
      [reason.slice(0, 1024), stageId],
    );
    await dropStagedRows(tx, stageId);
  });
}
