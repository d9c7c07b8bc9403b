/**
 * One chunk of one partition into MySQL in one transaction: lock the partition's offset row, decide what is new,
 * check that the new rejections' dead letters were published (before the transaction, see dead-letter-ledger.ts),
 * insert the rows (those of a replace run into its staging tables, see staging.ts), advance the offset, add the
 * rows it inserted to the rollups (src/storage/rollups.ts), commit. Either all of it happens or none.
 */
import type { Plaza } from '../../domain/types.ts';
import type { Storage, Transaction } from '../../storage/db.ts';
import { RollupTally, writeTally } from '../../storage/rollups.ts';
import type { Rejection, SinkRecord } from './classify.ts';
import type { DeadLetterResult } from './dead-letter-sender.ts';
import type { ChunkVerdict, StoredOffset } from './offset-guard.ts';
import { chunkVerdict } from './offset-guard.ts';
import { advanceOffset, ensureOffsetRow, lockOffset, sqlTime, sqlTimeOf } from './offsets.ts';
import type { ChunkStages, StagedOutcome, StagedRows } from './staging.ts';
import { writeStaged } from './staging.ts';

export interface ChunkPlan {
  groupId: string;
  topic: string;
  partition: number;
  /** Offsets covered: [firstOffset, nextOffset). */
  firstOffset: bigint;
  nextOffset: bigint;
  /** The topic incarnation the chunk comes from, and whether Kafka confirmed it over another one (offset-guard). */
  incarnation: string | null;
  incarnationConfirmed: boolean;
  /** Whether this partition's position was checked against MySQL since it was assigned. */
  verified: boolean;
  /** Whether the partition's sink_offsets row is known to exist (created first otherwise). */
  offsetRowExists: boolean;
  records: SinkRecord[];
  rejections: Rejection[];
  /** The stage of each record of a replace run, by offset (null: none in this chunk). */
  stages?: ChunkStages;
  /**
   * What became of the new rejections' dead letters, published before the transaction; throws (rolling back) when
   * one was not, so the offset never moves past a letter Kafka does not hold. Sends nothing: no Kafka wait while
   * the offset row is locked.
   */
  deadLetter: (rejections: Rejection[]) => Promise<DeadLetterResult>;
}

export interface WrittenChunk {
  kind: 'written';
  /** Stored offset before this write (null: the partition had none). */
  storedBefore: StoredOffset | null;
  /** The records of this chunk that were new to the stored offset (all of them, unless a replay overlapped). */
  records: SinkRecord[];
  passages: number;
  passagesInserted: number;
  payments: number;
  paymentsInserted: number;
  plazasUpserted: number;
  deadLettered: DeadLetterResult;
  /** Of the counts above, the rows of replace runs: written to staging tables, or discarded (stage closed). */
  staged: StagedOutcome;
}

export type ChunkOutcome =
  | { kind: 'skipped'; stored: bigint }
  | { kind: 'rewind'; to: bigint }
  | { kind: 'incarnation'; recorded: string | null }
  | WrittenChunk;

export const PASSAGE_COLUMNS = [
  'event_id',
  'plaza_id',
  'lane',
  'vehicle_id',
  'vehicle_type',
  'axles',
  'passed_at',
  'source',
  'kafka_topic',
  'kafka_partition',
  'kafka_offset',
  'ingested_at',
];
export const PAYMENT_COLUMNS = [
  'payment_id',
  'event_id',
  'plaza_id',
  'method',
  'amount_cents',
  'currency',
  'paid_at',
  'kafka_partition',
  'kafka_offset',
  'ingested_at',
];
const PLAZA_COLUMNS = [
  'plaza_id',
  'code',
  'name',
  'lanes',
  'updated_at',
  'tariffs',
  'currency',
  'latitude',
  'longitude',
];
// Compacted topic: the newest record of a plaza replaces the row (a record without reference data clears it).
const PLAZA_UPSERT = `ON DUPLICATE KEY UPDATE ${PLAZA_COLUMNS.slice(1)
  .map((c) => `${c} = VALUES(${c})`)
  .join(', ')}`;

/** Positions in the rows below of what the rollups count. */
const PASSAGE_AT = {
  id: PASSAGE_COLUMNS.indexOf('event_id'),
  plaza: PASSAGE_COLUMNS.indexOf('plaza_id'),
  type: PASSAGE_COLUMNS.indexOf('vehicle_type'),
  time: PASSAGE_COLUMNS.indexOf('passed_at'),
  offset: PASSAGE_COLUMNS.indexOf('kafka_offset'),
};
const PAYMENT_AT = {
  id: PAYMENT_COLUMNS.indexOf('payment_id'),
  plaza: PAYMENT_COLUMNS.indexOf('plaza_id'),
  method: PAYMENT_COLUMNS.indexOf('method'),
  amount: PAYMENT_COLUMNS.indexOf('amount_cents'),
  currency: PAYMENT_COLUMNS.indexOf('currency'),
  time: PAYMENT_COLUMNS.indexOf('paid_at'),
  offset: PAYMENT_COLUMNS.indexOf('kafka_offset'),
};
const INSERT_CHUNK = 2000;
const LOCK_WAIT_SECONDS = 5;

const byFirstColumn = (a: unknown[], b: unknown[]): number => {
  const x = a[0] as string;
  const y = b[0] as string;
  return x < y ? -1 : x > y ? 1 : 0;
};

export async function writeChunk(storage: Storage, plan: ChunkPlan): Promise<ChunkOutcome> {
  if (!plan.offsetRowExists) {
    await ensureOffsetRow(storage, plan.groupId, plan.topic, plan.partition, plan.incarnation);
  }
  return storage.transaction(async (tx) => {
    // Waiting long on a lock held by a zombie member would starve our group heartbeats: fail fast and retry.
    await tx.execute(`SET SESSION innodb_lock_wait_timeout = ${LOCK_WAIT_SECONDS}`);
    const stored = await lockOffset(tx, plan.groupId, plan.topic, plan.partition);
    const verdict: ChunkVerdict = chunkVerdict(stored, {
      first: plan.firstOffset,
      next: plan.nextOffset,
      incarnation: plan.incarnation,
      incarnationConfirmed: plan.incarnationConfirmed,
      verified: plan.verified,
    });
    switch (verdict.kind) {
      case 'incarnation':
        return { kind: 'incarnation', recorded: verdict.recorded };
      case 'skip':
        return { kind: 'skipped', stored: verdict.persistedUpTo };
      case 'rewind':
        return { kind: 'rewind', to: verdict.to };
      case 'write':
        return writeFrom(tx, plan, stored, verdict.from);
      default: {
        const never: never = verdict;
        throw new Error(`unknown verdict ${JSON.stringify(never)}`);
      }
    }
  });
}

async function writeFrom(
  tx: Transaction,
  plan: ChunkPlan,
  stored: StoredOffset | null,
  from: bigint,
): Promise<WrittenChunk> {
  // Someone else persisted the head of this chunk (a zombie's or a replay's overlap): keep only the rest.
  const fresh = <T extends { offset: string }>(items: T[]): T[] =>
    from > plan.firstOffset ? items.filter((i) => BigInt(i.offset) >= from) : items;
  const records = fresh(plan.records);
  const rejections =
    from > plan.firstOffset
      ? plan.rejections.filter((r) => BigInt(r.message.offset) >= from)
      : plan.rejections;
  const deadLettered: DeadLetterResult = rejections.length
    ? await plan.deadLetter(rejections)
    : { sent: [], refused: [] };

  const now = sqlTime(Date.now());
  const passageRows: unknown[][] = [];
  const paymentRows: unknown[][] = [];
  const staged: StagedRows = { passages: [], payments: [] };
  const plazas = new Map<number, Plaza | null>();
  const stages = plan.stages ?? null;
  for (const r of records) {
    switch (r.kind) {
      case 'passage': {
        const p = r.passage;
        const row = [
          p.eventId,
          p.plazaId,
          p.lane ?? null,
          p.vehicleId,
          p.vehicleType,
          p.axles ?? null,
          sqlTimeOf(p.passedAt, p.passedAtMs),
          p.source ?? null,
          plan.topic,
          plan.partition,
          r.offset,
          now,
        ];
        const stage = stages?.get(r.offset);
        if (stage === undefined) passageRows.push(row);
        else staged.passages.push([stage, ...row]);
        break;
      }
      case 'payment': {
        const p = r.payment;
        const row = [
          p.paymentId,
          p.eventId,
          p.plazaId,
          p.method,
          p.amountCents,
          p.currency,
          sqlTimeOf(p.paidAt, p.paidAtMs),
          plan.partition,
          r.offset,
          now,
        ];
        const stage = stages?.get(r.offset);
        if (stage === undefined) paymentRows.push(row);
        else staged.payments.push([stage, ...row]);
        break;
      }
      case 'plaza':
        // Latest wins within the chunk, as compaction would have it.
        plazas.set(r.plaza.plazaId, r.plaza);
        break;
      case 'plaza-deleted':
        plazas.set(r.plazaId, null);
        break;
      default: {
        const never: never = r;
        throw new Error(`unknown record ${JSON.stringify(never)}`);
      }
    }
  }

  // In key order, InnoDB appends to a few places of the primary key instead of touching pages all over it.
  // The sort is stable: of two records with one id in a chunk, the earlier offset still wins.
  passageRows.sort(byFirstColumn);
  paymentRows.sort(byFirstColumn);
  const stagedOutcome = await writeStaged(
    tx,
    staged,
    { passages: PASSAGE_COLUMNS, payments: PAYMENT_COLUMNS },
    INSERT_CHUNK,
  );
  // Replays of the same source record (same id, new Kafka offset) are ignored by the primary key.
  const passagesInserted = passageRows.length
    ? await tx.insertRows('passages', PASSAGE_COLUMNS, passageRows, { ignore: true, chunk: INSERT_CHUNK })
    : 0;
  const paymentsInserted = paymentRows.length
    ? await tx.insertRows('payments', PAYMENT_COLUMNS, paymentRows, { ignore: true, chunk: INSERT_CHUNK })
    : 0;
  const upserts: unknown[][] = [];
  const deleted: number[] = [];
  for (const [plazaId, plaza] of plazas) {
    if (plaza) {
      upserts.push([
        plaza.plazaId,
        plaza.code,
        plaza.name,
        plaza.lanes,
        now,
        plaza.tariffs ? JSON.stringify(plaza.tariffs) : null,
        plaza.currency ?? null,
        plaza.position?.lat ?? null,
        plaza.position?.lon ?? null,
      ]);
    } else deleted.push(plazaId);
  }
  if (upserts.length) await tx.insertMany('plazas', PLAZA_COLUMNS, upserts, { suffix: PLAZA_UPSERT });
  if (deleted.length) await tx.execute('DELETE FROM plazas WHERE plaza_id IN (?)', [deleted]);

  await advanceOffset(
    tx,
    plan.groupId,
    plan.topic,
    plan.partition,
    stored,
    plan.nextOffset,
    plan.incarnation,
    now,
  );
  // Last, so the rollup rows that chunks of other partitions also add to stay locked only until the commit.
  const tally = new RollupTally();
  const passagesCounted =
    passagesInserted === passageRows.length
      ? passageRows
      : await insertedHere(tx, 'passages', passageRows, PASSAGE_AT, plan, now);
  for (const r of passagesCounted)
    tally.passage(r[PASSAGE_AT.plaza] as number, r[PASSAGE_AT.time] as string, r[PASSAGE_AT.type] as string);
  const paymentsCounted =
    paymentsInserted === paymentRows.length
      ? paymentRows
      : await insertedHere(tx, 'payments', paymentRows, PAYMENT_AT, plan, now);
  for (const r of paymentsCounted) {
    tally.payment(
      r[PAYMENT_AT.plaza] as number,
      r[PAYMENT_AT.time] as string,
      r[PAYMENT_AT.method] as string,
      r[PAYMENT_AT.currency] as string,
      r[PAYMENT_AT.amount] as number,
    );
  }
  await writeTally(tx, tally);
  return {
    kind: 'written',
    storedBefore: stored,
    records,
    passages: passageRows.length + stagedOutcome.passages,
    passagesInserted: passagesInserted + stagedOutcome.passagesInserted,
    payments: paymentRows.length + stagedOutcome.payments,
    paymentsInserted: paymentsInserted + stagedOutcome.paymentsInserted,
    plazasUpserted: upserts.length + deleted.length,
    deadLettered,
    staged: stagedOutcome,
  };
}

/**
 * The rows of `rows` that this transaction inserted, when INSERT IGNORE skipped some (a replayed id already
 * stored): the stored rows with their ids that carry this chunk's partition, one of its offsets and this
 * transaction's ingested_at. A row stored earlier has another offset or another ingested_at; of two records with
 * one id in the chunk, the one inserted is the one whose offset the row carries.
 */
async function insertedHere(
  tx: Transaction,
  table: 'passages' | 'payments',
  rows: unknown[][],
  at: { id: number; offset: number },
  plan: ChunkPlan,
  now: string,
): Promise<unknown[][]> {
  if (!rows.length) return rows;
  const key = table === 'passages' ? 'event_id' : 'payment_id';
  // payments has no kafka_topic column: only the payments topic writes payments.
  const topic = table === 'passages' ? 'AND kafka_topic = ? ' : '';
  const stored = await tx.query<{ id: string; kafka_offset: string }>(
    `SELECT ${key} AS id, kafka_offset FROM ${table} WHERE ${key} IN (?) ${topic}AND kafka_partition = ? AND kafka_offset >= ? AND kafka_offset < ? AND ingested_at = ?`,
    [
      rows.map((r) => r[at.id]),
      ...(table === 'passages' ? [plan.topic] : []),
      plan.partition,
      plan.firstOffset.toString(),
      plan.nextOffset.toString(),
      now,
    ],
  );
  const inserted = new Set(stored.map((s) => `${s.id}@${String(s.kafka_offset)}`));
  return rows.filter((r) => inserted.has(`${r[at.id] as string}@${r[at.offset] as string}`));
}
