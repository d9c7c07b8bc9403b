/**
 * The sink's own offsets in MySQL (`sink_offsets`), read and written inside the transaction that writes the rows.
 * The locked read serialises members that briefly own the same partition during a rebalance; the conditional
 * write fences a zombie whose view of the offset is stale. Each offset carries the topic incarnation (Kafka's
 * topic id) it counts in: offset 5109 of a deleted topic says nothing about the topic created in its place.
 */
import { partitionKey } from '../../kafka/partition-key.ts';
import type { Storage, Transaction } from '../../storage/db.ts';
import type { StoredOffset } from './offset-guard.ts';

/** Stored next offsets of a group for the given topics, keyed by partitionKey(). */
export async function loadOffsets(
  storage: Storage,
  groupId: string,
  topics: string[],
): Promise<Map<string, StoredOffset>> {
  const out = new Map<string, StoredOffset>();
  if (!topics.length) return out;
  const rows = await storage.query<{
    topic: string;
    kafka_partition: number;
    next_offset: string;
    topic_id: string | null;
  }>(
    'SELECT topic, kafka_partition, next_offset, topic_id FROM sink_offsets WHERE group_id = ? AND topic IN (?)',
    [groupId, topics],
  );
  for (const r of rows) {
    out.set(partitionKey(r.topic, Number(r.kafka_partition)), {
      next: BigInt(r.next_offset),
      topicId: r.topic_id,
    });
  }
  return out;
}

/**
 * Records that an offset stored before incarnations were recorded belongs to `topicId`; only if the row is still
 * exactly as it was read (another member may have moved it meanwhile).
 */
export async function adoptIncarnation(
  storage: Storage,
  groupId: string,
  topic: string,
  partition: number,
  next: bigint,
  topicId: string,
): Promise<boolean> {
  const res = await storage.execute(
    'UPDATE sink_offsets SET topic_id = ? WHERE group_id = ? AND topic = ? AND kafka_partition = ? AND next_offset = ? AND topic_id IS NULL',
    [topicId, groupId, topic, partition, next.toString()],
  );
  return res.affectedRows === 1;
}

/**
 * Creates the partition's row at 0 ("nothing persisted", the same as no row) if it is missing. Run outside the
 * batch transaction: a locking read of an absent row takes a gap lock, and two partitions' first batches then
 * deadlock on each other's gap when they insert their rows.
 */
export async function ensureOffsetRow(
  storage: Storage,
  groupId: string,
  topic: string,
  partition: number,
  topicId: string | null,
): Promise<void> {
  await storage.execute(
    'INSERT IGNORE INTO sink_offsets (group_id, topic, kafka_partition, next_offset, topic_id, updated_at) VALUES (?, ?, ?, 0, ?, ?)',
    [groupId, topic, partition, topicId, sqlTime(Date.now())],
  );
}

/** Reads the stored next offset and locks its row (or the gap where it will go) until the transaction ends. */
export async function lockOffset(
  tx: Transaction,
  groupId: string,
  topic: string,
  partition: number,
): Promise<StoredOffset | null> {
  const rows = await tx.query<{ next_offset: string; topic_id: string | null }>(
    'SELECT next_offset, topic_id FROM sink_offsets WHERE group_id = ? AND topic = ? AND kafka_partition = ? FOR UPDATE',
    [groupId, topic, partition],
  );
  const row = rows[0];
  return row ? { next: BigInt(row.next_offset), topicId: row.topic_id } : null;
}

/** Another member moved the offset between our read and our write: roll back and read again. */
export class OffsetFenced extends Error {
  constructor(topic: string, partition: number, expected: StoredOffset | null) {
    super(
      `offset of ${topic}[${partition}] is no longer ${expected === null ? 'unset' : `${expected.next} (${expected.topicId ?? 'no topic id'})`}: another member wrote it`,
    );
    this.name = 'OffsetFenced';
  }
}

/**
 * Moves the stored offset from `expected` to `next` of incarnation `topicId`; throws OffsetFenced when the row is
 * not `expected` any more (offset or incarnation).
 */
export async function advanceOffset(
  tx: Transaction,
  groupId: string,
  topic: string,
  partition: number,
  expected: StoredOffset | null,
  next: bigint,
  topicId: string | null,
  nowSql: string,
): Promise<void> {
  if (expected === null) {
    // Plain INSERT: a concurrent first write by another member fails on the primary key instead of overwriting.
    try {
      await tx.execute(
        'INSERT INTO sink_offsets (group_id, topic, kafka_partition, next_offset, topic_id, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
        [groupId, topic, partition, next.toString(), topicId, nowSql],
      );
    } catch (e) {
      if ((e as { code?: string }).code === 'ER_DUP_ENTRY')
        throw new OffsetFenced(topic, partition, expected);
      throw e;
    }
    return;
  }
  const res = await tx.execute(
    'UPDATE sink_offsets SET next_offset = ?, topic_id = ?, updated_at = ? WHERE group_id = ? AND topic = ? AND kafka_partition = ? AND next_offset = ? AND topic_id <=> ?',
    [next.toString(), topicId, nowSql, groupId, topic, partition, expected.next.toString(), expected.topicId],
  );
  if (res.affectedRows !== 1) throw new OffsetFenced(topic, partition, expected);
}

/** MySQL DATETIME(3) literal in UTC. */
export function sqlTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 23).replace('T', ' ');
}

/**
 * The DATETIME(3) literal of a validated ISO timestamp. Producers mostly send the canonical UTC form
 * ("2021-08-19T21:54:38.000Z"), which converts by slicing; anything else goes through Date (per-row hot path).
 */
export function sqlTimeOf(iso: string, ms: number): string {
  if (iso.length === 24 && iso.charCodeAt(23) === 90 /* Z */ && iso.charCodeAt(19) === 46 /* . */) {
    return `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
  }
  return sqlTime(ms);
}
