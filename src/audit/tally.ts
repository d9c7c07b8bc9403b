/** Counts of one audited topic as the messages are judged, and the report shape they end up in (pure). */
import type { AuditRecord, Outcome, Verdict } from './judge.ts';
import { OUTCOMES } from './judge.ts';
import type { AuditTopic } from './options.ts';
import type { PartitionPlan } from './ranges.ts';

/** A message listed by id (or by position when the sink could not read an id from it). */
export interface ListedMessage {
  id: string | null;
  partition: number;
  offset: string;
  /** Kafka message time, ISO 8601. */
  timestamp: string;
  why: string;
}

export interface PartitionReport {
  partition: number;
  /** What Kafka held when the audit started: offsets [low, high). */
  low: string;
  high: string;
  /** The offsets read: [from, to). */
  from: string;
  to: string;
  /** The furthest next offset a sink had recorded in MySQL (null: none). */
  sinkPosition: string | null;
  read: number;
  pending: number;
  missing: number;
}

/** A MySQL row whose Kafka message is no longer in Kafka. */
export interface RowGoneFromKafka {
  id: string;
  partition: number;
  offset: string;
  /** When the sink wrote the row (ingested_at), ISO 8601. */
  ingestedAt: string;
}

export type OutcomeCounts = Record<Outcome, number>;

export interface TopicReport extends OutcomeCounts {
  role: AuditTopic;
  topic: string;
  /** Kafka's topic id of the incarnation read (null: the brokers have none). */
  incarnation: string | null;
  /** Messages read in the range (every record; a message sent twice counts twice). */
  kafka: number;
  /** Offsets of the range that retention deleted while the audit read them (not judged). */
  goneWhileReading: number;
  /** Rows whose recorded Kafka position lies in the offsets read (one row per id: a resent message adds none). */
  mysqlRows: number;
  /** Rows the sink wrote in the time range whose Kafka message Kafka no longer holds (retention, a recreated topic). */
  goneFromKafka: number;
  goneFromKafkaRows: RowGoneFromKafka[];
  /** The first missing messages, up to --limit. */
  missingIds: ListedMessage[];
  partitions: PartitionReport[];
}

export const zeroCounts = (): OutcomeCounts =>
  Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as OutcomeCounts;

export class TopicTally {
  readonly counts = zeroCounts();
  read = 0;
  goneWhileReading = 0;
  readonly missing: ListedMessage[] = [];
  private readonly partitions = new Map<number, { read: number; pending: number; missing: number }>();

  constructor(private readonly limit: number) {}

  private partition(p: number): { read: number; pending: number; missing: number } {
    let t = this.partitions.get(p);
    if (!t) {
      t = { read: 0, pending: 0, missing: 0 };
      this.partitions.set(p, t);
    }
    return t;
  }

  add(record: AuditRecord, verdict: Verdict): void {
    this.read++;
    this.counts[verdict.outcome]++;
    const p = this.partition(record.partition);
    p.read++;
    if (verdict.outcome === 'pending') p.pending++;
    if (verdict.outcome !== 'missing') return;
    p.missing++;
    if (this.missing.length < this.limit) {
      this.missing.push({
        id: record.id,
        partition: record.partition,
        offset: record.offset,
        timestamp: new Date(Number(record.timestamp)).toISOString(),
        why: verdict.why ?? '',
      });
    }
  }

  partitionReports(
    plan: readonly PartitionPlan[],
    positions: ReadonlyMap<number, bigint>,
  ): PartitionReport[] {
    return plan.map((p) => {
      const t = this.partitions.get(p.partition) ?? { read: 0, pending: 0, missing: 0 };
      const position = positions.get(p.partition);
      return {
        partition: p.partition,
        low: p.low.toString(),
        high: p.high.toString(),
        from: p.from.toString(),
        to: p.to.toString(),
        sinkPosition: position === undefined ? null : position.toString(),
        ...t,
      };
    });
  }
}
