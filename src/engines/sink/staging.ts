/**
 * Rows of a replace run (`--replace`). Its passages and payments carry the STAGE_HEADER header; the sink writes
 * them to passages_staging / payments_staging under that stage, in the chunk's transaction like any other row, so
 * staging is exactly once too. Only an open stage takes rows (its `imports` row says `staging`, read with a shared
 * lock so the swap, which locks that row for update, sees every chunk either wholly before it or wholly after):
 * messages of a stage that was swapped or abandoned, or that this database never opened, are copies the replace
 * no longer wants. They are counted and logged, never written to the live tables.
 */
import { STAGE_HEADER } from '../../domain/types.ts';
import type { ConsumedMessage, HeaderValue } from '../../kafka/consumer.ts';
import type { Transaction } from '../../storage/db.ts';

/** Offset → stage id of the messages of a chunk that carry one; null when none does (the common case). */
export type ChunkStages = ReadonlyMap<string, string> | null;

function headerText(value: HeaderValue): string | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined) return undefined;
  const text = typeof v === 'string' ? v : v.toString('utf8');
  return text === '' ? undefined : text;
}

export function chunkStages(messages: readonly ConsumedMessage[]): ChunkStages {
  let stages: Map<string, string> | null = null;
  for (const m of messages) {
    const raw = m.headers[STAGE_HEADER];
    if (raw === undefined) continue;
    const stage = headerText(raw);
    if (stage !== undefined) (stages ??= new Map()).set(m.offset, stage);
  }
  return stages;
}

/** Staged rows of one chunk: the stage id first, then the live table's columns. */
export interface StagedRows {
  passages: unknown[][];
  payments: unknown[][];
}

export interface StagedOutcome {
  passages: number;
  passagesInserted: number;
  payments: number;
  paymentsInserted: number;
  /** Rows of stages that take no more (swapped, abandoned, unknown here), by stage id. */
  discarded: Map<string, number>;
}

export const NOTHING_STAGED: StagedOutcome = {
  passages: 0,
  passagesInserted: 0,
  payments: 0,
  paymentsInserted: 0,
  discarded: new Map(),
};

/** Stages among `stageIds` that still take rows; shares the lock on their `imports` rows until the commit. */
async function openStages(tx: Transaction, stageIds: string[]): Promise<Set<string>> {
  const rows = await tx.query<{ stage_id: string }>(
    "SELECT stage_id FROM imports WHERE stage_id IN (?) AND state = 'staging' LOCK IN SHARE MODE",
    [stageIds],
  );
  return new Set(rows.map((r) => r.stage_id));
}

/**
 * Inserts the staged rows whose stage is open, ignoring rows the stage already holds (a message read again).
 * Runs before the chunk's live inserts, so the shared lock on `imports` is the first lock it waits for.
 */
export async function writeStaged(
  tx: Transaction,
  rows: StagedRows,
  columns: { passages: string[]; payments: string[] },
  chunk: number,
): Promise<StagedOutcome> {
  if (!rows.passages.length && !rows.payments.length) return NOTHING_STAGED;
  const ids = new Set<string>();
  for (const r of rows.passages) ids.add(r[0] as string);
  for (const r of rows.payments) ids.add(r[0] as string);
  const open = await openStages(tx, [...ids]);
  const discarded = new Map<string, number>();
  const keep = (list: unknown[][]): unknown[][] =>
    list.filter((r) => {
      const stage = r[0] as string;
      if (open.has(stage)) return true;
      discarded.set(stage, (discarded.get(stage) ?? 0) + 1);
      return false;
    });
  const passages = keep(rows.passages);
  const payments = keep(rows.payments);
  const insert = (table: string, cols: string[], list: unknown[][]): Promise<number> =>
    list.length
      ? tx.insertMany(table, ['stage_id', ...cols], list, { ignore: true, chunk })
      : Promise.resolve(0);
  return {
    passages: passages.length,
    passagesInserted: await insert('passages_staging', columns.passages, passages),
    payments: payments.length,
    paymentsInserted: await insert('payments_staging', columns.payments, payments),
    discarded,
  };
}
