/**
 * Which stored offsets count in the topic Kafka has now. A topic deleted and created again (a purged stack, an
 * operator's `kafka-topics --delete`) numbers its offsets from 0 again while MySQL keeps `sink_offsets`; comparing
 * offsets alone cannot tell, e.g. when the new topic has grown past the old offset before the sink starts. So each
 * stored offset carries the topic id it counts in, and a partition whose row names another incarnation is read
 * from its beginning. Rows of the old topic stay as they are.
 */
import { KafkaAdmin } from '../../kafka/admin.ts';
import type { Kafka } from '../../kafka/client.ts';
import { TopicIds } from '../../kafka/topic-ids.ts';
import type { Storage } from '../../storage/db.ts';
import type { Logger } from '../../util/log.ts';
import type { StoredOffset } from './offset-guard.ts';
import { adoptUnrecorded } from './offset-guard.ts';
import { partitionKey } from '../../kafka/partition-key.ts';
import { adoptIncarnation } from './offsets.ts';

/** What the sink asks Kafka about a topic (src/kafka/topic-ids.ts and the admin client). */
export interface TopicFacts {
  /** Current topic ids; null where the brokers have none. Throws when Kafka cannot answer. */
  topicIds(topics: string[]): Promise<Map<string, string | null>>;
  /** High watermark per partition. */
  highWatermarks(topic: string): Promise<Map<number, bigint>>;
  /** The group's committed offset per partition in Kafka (null: none). */
  committed(groupId: string, topic: string): Promise<Map<number, bigint | null>>;
}

export interface SettledPartition {
  incarnation: string | null;
  /** The stored next offset when it counts in `incarnation`, else null (nothing of it persisted). */
  next: bigint | null;
  /** Where to seek: the stored offset, 0 for a new incarnation, null to leave Kafka's position (no row). */
  resumeAt: bigint | null;
}

export interface SettleContext {
  facts: TopicFacts;
  storage: Storage;
  groupId: string;
  log: Logger;
}

/**
 * Settles the given partitions of one topic against the stored offsets `stored` (keyed by partitionKey). A row
 * written before incarnations were recorded is adopted when adoptUnrecorded says so (the adoption is written, so
 * it is decided once); `rereadIsHarmless` is false for classic lines (their ids are their offsets).
 */
export async function settlePartitions(
  ctx: SettleContext,
  topic: string,
  partitions: number[],
  stored: ReadonlyMap<string, StoredOffset>,
  rereadIsHarmless: boolean,
): Promise<Map<number, SettledPartition>> {
  const incarnation = (await ctx.facts.topicIds([topic])).get(topic) ?? null;
  const out = new Map<number, SettledPartition>();
  let evidence: { highs: Map<number, bigint>; committed: Map<number, bigint | null> } | undefined;
  for (const partition of partitions) {
    const row = stored.get(partitionKey(topic, partition));
    if (!row) {
      out.set(partition, { incarnation, next: null, resumeAt: null });
    } else if (row.topicId === incarnation) {
      out.set(partition, { incarnation, next: row.next, resumeAt: row.next });
    } else if (row.topicId === null && incarnation !== null) {
      evidence ??= {
        highs: await ctx.facts.highWatermarks(topic),
        committed: await ctx.facts.committed(ctx.groupId, topic),
      };
      const high = evidence.highs.get(partition) ?? 0n;
      const committed = evidence.committed.get(partition) ?? null;
      const adopt = adoptUnrecorded(row.next, high, committed, rereadIsHarmless);
      const facts = {
        topic,
        partition,
        stored: row.next.toString(),
        highWatermark: high.toString(),
        committed: committed?.toString() ?? null,
        topicId: incarnation,
      };
      if (!adopt) {
        ctx.log.warn(
          "stored sink offset recorded before topic ids cannot be shown to be this topic's: reading the partition from its beginning",
          facts,
        );
        out.set(partition, { incarnation, next: null, resumeAt: 0n });
        continue;
      }
      const confirmed = committed !== null && committed <= row.next;
      if (row.next > 0n && !confirmed) {
        ctx.log.warn(
          'stored sink offset of classic lines was recorded before topic ids and Kafka has no commit to confirm it: keeping it (if the topic was recreated since, lines below it were not read)',
          facts,
        );
      }
      // Someone else may have moved the row meanwhile: then leave the position to the batch checks.
      const adopted = await adoptIncarnation(
        ctx.storage,
        ctx.groupId,
        topic,
        partition,
        row.next,
        incarnation,
      );
      out.set(
        partition,
        adopted
          ? { incarnation, next: row.next, resumeAt: row.next }
          : { incarnation, next: null, resumeAt: null },
      );
    } else {
      ctx.log.warn(
        'topic was recreated since the sink stored its offset (new topic id): reading the partition from its beginning; rows of the old topic stay',
        { topic, partition, stored: row.next.toString(), storedTopicId: row.topicId, topicId: incarnation },
      );
      out.set(partition, { incarnation, next: null, resumeAt: 0n });
    }
  }
  return out;
}

/** TopicFacts from the sink's Kafka client; `close()` ends the connections it opened. */
export function kafkaTopicFacts(kafka: Kafka): TopicFacts & { close(): Promise<void> } {
  const ids = new TopicIds(kafka);
  const admin = new KafkaAdmin(kafka);
  return {
    topicIds: (topics) => ids.lookup(topics),
    async highWatermarks(topic) {
      const offsets = await (await admin.connect()).topicOffsets(topic);
      return new Map(offsets.map((o) => [o.partition, BigInt(o.high)]));
    },
    async committed(groupId, topic) {
      const [t] = await (await admin.connect()).groupOffsets(groupId, [topic]);
      return new Map(
        (t?.partitions ?? []).map((p) => [p.partition, p.offset === null ? null : BigInt(p.offset)]),
      );
    },
    async close() {
      await ids.disconnect();
      await admin.disconnect();
    },
  };
}
