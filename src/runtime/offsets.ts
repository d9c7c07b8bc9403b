/** Where the topics end and how far the sink got: the two sides of waiting for a drain (drain.ts). */
import type { Config } from '../config/config.ts';
import { KafkaAdmin } from '../kafka/admin.ts';
import { createKafka } from '../kafka/client.ts';
import { TopicIds } from '../kafka/topic-ids.ts';
import type { Storage } from '../storage/db.ts';
import type { Logger } from '../util/log.ts';
import { partitionKey } from '../kafka/partition-key.ts';
import type { OffsetMap } from './drain.ts';

export class OffsetReader {
  private readonly admin: KafkaAdmin;
  private readonly topicIds: TopicIds;

  constructor(config: Config, logger: Logger) {
    const kafka = createKafka(config.kafka, { logger, clientIdSuffix: '-offsets' });
    this.admin = new KafkaAdmin(kafka);
    this.topicIds = new TopicIds(kafka);
  }

  async highWatermarks(topics: string[]): Promise<OffsetMap> {
    await this.admin.connect();
    const out: OffsetMap = new Map();
    for (const topic of topics) {
      for (const p of await this.admin.topicOffsets(topic))
        out.set(partitionKey(topic, p.partition), BigInt(p.high));
    }
    return out;
  }

  /**
   * The sink's position: its sink_offsets rows, or the group's Kafka commit, whichever is further. A row of another
   * incarnation of the topic (deleted and created again since) is no position in the current one.
   */
  async committed(storage: Storage, groupId: string, topics: string[]): Promise<OffsetMap> {
    await this.admin.connect();
    const out: OffsetMap = new Map();
    for (const g of await this.admin.groupOffsets(groupId, topics)) {
      for (const p of g.partitions)
        if (p.offset !== null) out.set(partitionKey(g.topic, p.partition), BigInt(p.offset));
    }
    const rows = await storage.query<{
      topic: string;
      kafka_partition: number;
      next_offset: string;
      topic_id: string | null;
    }>(
      'SELECT topic, kafka_partition, next_offset, topic_id FROM sink_offsets WHERE group_id = ? AND topic IN (?)',
      [groupId, topics],
    );
    const current = rows.length ? await this.topicIds.lookup(topics) : new Map<string, string | null>();
    for (const r of rows) {
      // Rows from before topic ids were recorded count only once the sink has matched them with the topic.
      if (r.topic_id !== (current.get(r.topic) ?? null)) continue;
      const key = partitionKey(r.topic, Number(r.kafka_partition));
      const next = BigInt(r.next_offset);
      if (next > (out.get(key) ?? -1n)) out.set(key, next);
    }
    return out;
  }

  async topicsMissing(topics: string[]): Promise<string[]> {
    await this.admin.connect();
    const existing = new Set(await this.admin.listTopics());
    return topics.filter((t) => !existing.has(t));
  }

  async close(): Promise<void> {
    await this.topicIds.disconnect();
    await this.admin.disconnect().catch(() => {});
  }
}
