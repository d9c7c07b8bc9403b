/**
 * Checking what Kafka acknowledged against what was sent, partition by partition. A produce answer that leaves
 * out a partition, reports an error or no offset for it, or claims offsets another acknowledgement of the same
 * publisher already claimed cannot be stood behind: those messages are sent again. The failover defect this
 * guards against (kafkajs resolving a send whose moved partitions were never written) is fixed in kafkajs
 * itself by patches/kafkajs+2.2.4.patch; this check keeps the count honest should another client defect of
 * the kind appear.
 */
import { partitionKey } from './partition-key.ts';
import type { OutgoingMessage, SentRecord, TopicBatch } from './producer.ts';

/** The partition chosen for each message object, filled in by the partitioner during a send. */
export type PartitionAssignments = WeakMap<object, number>;

export interface Acknowledgement {
  topicName: string;
  partition: number;
  errorCode: number;
  baseOffset?: string;
}

export interface AckCounters {
  /** Sends checked and the partition acknowledgements among them. */
  sends: number;
  partitionAcks: number;
  /** Messages sent again because their acknowledgement was missing, failed or overlapped another. */
  resent: number;
  /** Acknowledgements whose offsets overlapped an earlier acknowledgement's. */
  overlaps: number;
}

// Recent ranges kept per partition: enough to cover the acknowledgements of concurrent sends.
const RANGES_PER_PARTITION = 64;

export interface Shortfall {
  topic: string;
  partition: number;
  /** The highest offset acknowledged (exclusive) and where the partition's log ends now. */
  acknowledgedEnd: bigint;
  logEnd: bigint | undefined;
}

/**
 * What the publishers of one engine were acknowledged: the counters, and per partition the end of the highest
 * acknowledged range. A log that ends below it later has lost acknowledged records (a truncation after an
 * unclean failover), which is checked at the end of a run.
 */
export class AckTally {
  readonly counters: AckCounters = { sends: 0, partitionAcks: 0, resent: 0, overlaps: 0 };
  private readonly ends = new Map<string, { topic: string; partition: number; end: bigint }>();

  record(topic: string, partition: number, end: bigint): void {
    const key = partitionKey(topic, partition);
    const cur = this.ends.get(key);
    if (!cur) this.ends.set(key, { topic, partition, end });
    else if (end > cur.end) cur.end = end;
  }

  get partitions(): number {
    return this.ends.size;
  }

  shortfalls(logEnd: (topic: string, partition: number) => bigint | undefined): Shortfall[] {
    const out: Shortfall[] = [];
    for (const { topic, partition, end } of this.ends.values()) {
      const now = logEnd(topic, partition);
      if (now === undefined || now < end) out.push({ topic, partition, acknowledgedEnd: end, logEnd: now });
    }
    return out;
  }
}

/** The offset ranges one publisher was acknowledged, recent ones per partition. */
export class AckLedger {
  private readonly ranges = new Map<string, [bigint, bigint][]>();

  constructor(readonly tally: AckTally = new AckTally()) {}

  get counters(): AckCounters {
    return this.tally.counters;
  }

  /** Records [base, base + count) unless it overlaps a recorded range; false when it does. */
  claim(topic: string, partition: number, base: bigint, count: number): boolean {
    const key = partitionKey(topic, partition);
    const end = base + BigInt(count);
    let list = this.ranges.get(key);
    if (!list) this.ranges.set(key, (list = []));
    for (const [from, to] of list) if (base < to && from < end) return false;
    list.push([base, end]);
    if (list.length > RANGES_PER_PARTITION) list.shift();
    this.tally.record(topic, partition, end);
    return true;
  }
}

export interface AckCheck {
  confirmed: SentRecord[];
  /** Messages to send again, each pinned to the partition it was assigned. */
  resend: TopicBatch[];
  problems: string[];
}

export function verifyAcks(
  sent: readonly TopicBatch[],
  acks: readonly Acknowledgement[],
  assigned: PartitionAssignments,
  ledger: AckLedger,
): AckCheck {
  const byPartition = new Map<string, Acknowledgement>();
  for (const a of acks) byPartition.set(partitionKey(a.topicName, a.partition), a);
  const out: AckCheck = { confirmed: [], resend: [], problems: [] };
  ledger.counters.sends++;
  for (const { topic, messages } of sent) {
    const groups = new Map<number, OutgoingMessage[]>();
    const unassigned: OutgoingMessage[] = [];
    for (const m of messages) {
      const p = assigned.get(m);
      if (p === undefined) unassigned.push(m);
      else {
        const g = groups.get(p);
        if (g) g.push(m);
        else groups.set(p, [m]);
      }
    }
    const again: OutgoingMessage[] = [...unassigned];
    if (unassigned.length)
      out.problems.push(`${topic}: ${unassigned.length} messages never assigned a partition`);
    for (const [partition, group] of groups) {
      const ack = byPartition.get(partitionKey(topic, partition));
      const base = ack?.baseOffset === undefined ? -1n : BigInt(ack.baseOffset);
      let problem: string | null = null;
      if (!ack) problem = 'no acknowledgement';
      else if (ack.errorCode !== 0) problem = `error code ${ack.errorCode}`;
      else if (base < 0n) problem = 'no offset';
      else if (!ledger.claim(topic, partition, base, group.length)) {
        problem = `offsets ${base}+${group.length} overlap an earlier acknowledgement`;
        ledger.counters.overlaps++;
      }
      if (problem) {
        out.problems.push(`${topic}[${partition}]: ${problem}`);
        for (const m of group) again.push({ ...m, partition });
        continue;
      }
      ledger.counters.partitionAcks++;
      out.confirmed.push({ topic, partition, baseOffset: base.toString(), count: group.length });
    }
    if (again.length) {
      out.resend.push({ topic, messages: again });
      ledger.counters.resent += again.length;
    }
  }
  return out;
}
