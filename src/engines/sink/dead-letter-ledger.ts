/**
 * Dead letters are published BEFORE the chunk's MySQL transaction, outside it, and remembered here until the
 * transaction that moves the offset past them commits.
 *
 * Why this order: the offset must never move past a dead letter Kafka has not acknowledged (that loses it), and
 * the send must not run inside the transaction: it held the sink_offsets row lock for as long as Kafka was slow
 * (lock waits for other members, missed heartbeats), and every rollback after the send (lock timeout, fence,
 * MySQL outage, a permanent error retried) sent the letters again on the next attempt.
 *
 * Crash windows, and what each costs:
 * - rollback or failure after the send, same process: the next attempt finds the letters here and does not
 *   send them again (not doubled);
 * - the process dies between the send and the commit, or another member persisted the same offsets during a
 *   rebalance: the next owner sends them again. Each letter carries `dead-letter-id` (source topic, incarnation
 *   when known, partition, offset), the same on every attempt, so a reader dedupes on it;
 * - the process dies before the send: nothing was committed, the next owner sends them (not lost).
 * Recording the letters in MySQL and sending after the commit would need the original bytes in MySQL (up to the
 * broker's message size) or a re-read of the source offsets on recovery; neither is worth it for this window.
 */
import type { Rejection } from './classify.ts';
import type { DeadLetterResult } from './dead-letter-sender.ts';
import { partitionKey } from '../../kafka/partition-key.ts';

interface Outcome {
  /** The source record's timestamp: an offset of a recreated topic is another record. */
  timestamp: string;
  refused?: string;
}

export interface LedgerSource {
  topic: string;
  partition: number;
}

export class DeadLetterLedger {
  /** Per partition: source offset → what became of its dead letter. Only offsets not yet committed past. */
  private readonly partitions = new Map<string, Map<string, Outcome>>();

  /** The rejections whose letters this process has not published yet. */
  unpublished(source: LedgerSource, rejections: readonly Rejection[]): Rejection[] {
    const known = this.partitions.get(partitionKey(source.topic, source.partition));
    return rejections.filter((r) => !this.find(known, r));
  }

  record(source: LedgerSource, result: DeadLetterResult): void {
    const key = partitionKey(source.topic, source.partition);
    let known = this.partitions.get(key);
    if (!known) {
      known = new Map();
      this.partitions.set(key, known);
    }
    for (const r of result.sent) known.set(r.message.offset, { timestamp: r.message.timestamp });
    for (const { rejection: r, error } of result.refused) {
      known.set(r.message.offset, { timestamp: r.message.timestamp, refused: error });
    }
  }

  /**
   * What became of these rejections' letters, for the transaction about to commit past them. Throws when one
   * was never published: committing then would lose it (the attempt is rolled back and retried).
   */
  outcome(source: LedgerSource, rejections: readonly Rejection[]): DeadLetterResult {
    const known = this.partitions.get(partitionKey(source.topic, source.partition));
    const result: DeadLetterResult = { sent: [], refused: [] };
    for (const r of rejections) {
      const o = this.find(known, r);
      if (!o) {
        throw new Error(
          `dead letter for ${source.topic}[${source.partition}] offset ${r.message.offset} not published yet`,
        );
      }
      if (o.refused === undefined) result.sent.push(r);
      else result.refused.push({ rejection: r, error: o.refused });
    }
    return result;
  }

  /** The stored offset moved to `next`: letters below it are committed and never needed again. */
  settled(source: LedgerSource, next: bigint): void {
    const key = partitionKey(source.topic, source.partition);
    const known = this.partitions.get(key);
    if (!known) return;
    for (const offset of known.keys()) if (BigInt(offset) < next) known.delete(offset);
    if (known.size === 0) this.partitions.delete(key);
  }

  /** The partition's offsets start over (a recreated topic): what was remembered belongs to another record. */
  forget(source: LedgerSource): void {
    this.partitions.delete(partitionKey(source.topic, source.partition));
  }

  private find(known: Map<string, Outcome> | undefined, r: Rejection): Outcome | undefined {
    const o = known?.get(r.message.offset);
    return o && o.timestamp === r.message.timestamp ? o : undefined;
  }
}
