/**
 * Reading a small topic from its beginning to its current end without a consumer group: for reference data such
 * as the compacted plaza topic, read once when a producer starts. A group would cost a join (seconds on brokers
 * with the default initial rebalance delay) and leave a group behind for every reader; plain Fetch requests to
 * each partition's leader cost neither.
 *
 * kafkajs's public API has no group-less consumer, so this reaches its private cluster factory, as topic-ids.ts
 * does (kafkajs is pinned to 2.2.4; a missing factory throws rather than guessing). The offsets come from the
 * public admin API; only the Fetch goes through the private cluster, and its decoding is kafkajs's own.
 */
import type { Kafka } from './client.ts';
import { KafkaAdapterError } from './client.ts';
import { KafkaAdmin } from './admin.ts';

export interface StoredRecord {
  partition: number;
  offset: string;
  key: string | null;
  value: Buffer | null;
  /** Epoch ms (producer or broker time). */
  timestamp: number;
}

/** The parts of kafkajs's private Cluster and Broker used here. */
interface FetchedRecord {
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  timestamp: string;
  isControlRecord?: boolean;
}
interface FetchResponse {
  responses: {
    topicName: string;
    partitions: { partition: number; errorCode: number; highWatermark: string; messages: FetchedRecord[] }[];
  }[];
}
interface KafkajsBroker {
  fetch(request: {
    maxWaitTime: number;
    minBytes: number;
    maxBytes: number;
    topics: { topic: string; partitions: { partition: number; fetchOffset: string; maxBytes: number }[] }[];
  }): Promise<FetchResponse>;
}
interface KafkajsCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  addTargetTopic(topic: string): Promise<void>;
  findLeaderForPartitions(topic: string, partitions: number[]): Record<string, number[]>;
  findBroker(options: { nodeId: string }): Promise<KafkajsBroker>;
}

const PARTITION_MAX_BYTES = 4 * 1024 * 1024;
/** Fetches in a row that bring nothing new before a partition counts as read (a log ending in control records). */
const EMPTY_FETCHES = 3;

function createCluster(kafka: Kafka): KafkajsCluster {
  const factory = Object.getOwnPropertySymbols(kafka).find(
    (s) => s.description === 'private:Kafka:createCluster',
  );
  const create = factory && (kafka as unknown as Record<symbol, unknown>)[factory];
  if (typeof create !== 'function') {
    throw new KafkaAdapterError('this kafkajs has no cluster factory: reading a topic needs kafkajs 2.2.4', {
      retriable: false,
    });
  }
  return (create as (o: object) => KafkajsCluster)({ allowAutoTopicCreation: false });
}

/**
 * Every record of `topic` below the end offsets it has when the read starts, partition by partition in offset
 * order. Resolves to null when the topic does not exist. Throws KafkaAdapterError when Kafka cannot be reached.
 */
export async function readTopicToEnd(kafka: Kafka, topic: string): Promise<StoredRecord[] | null> {
  const admin = new KafkaAdmin(kafka);
  let ranges: { partition: number; from: bigint; to: bigint }[];
  try {
    await admin.connect();
    if (!(await admin.listTopics()).includes(topic)) return null;
    ranges = (await admin.topicOffsets(topic))
      .map((p) => ({ partition: p.partition, from: BigInt(p.low), to: BigInt(p.high) }))
      .filter((r) => r.to > r.from);
  } catch (e) {
    if (e instanceof KafkaAdapterError) throw e;
    throw new KafkaAdapterError(`cannot read the offsets of ${topic}: ${(e as Error).message}`, { cause: e });
  } finally {
    await admin.disconnect();
  }
  const out: StoredRecord[] = [];
  if (!ranges.length) return out;
  const cluster = createCluster(kafka);
  try {
    await cluster.connect();
    await cluster.addTargetTopic(topic);
    for (const range of ranges) {
      let next = range.from;
      let empty = 0;
      while (next < range.to && empty < EMPTY_FETCHES) {
        const leaders = cluster.findLeaderForPartitions(topic, [range.partition]);
        const nodeId = Object.keys(leaders)[0];
        if (nodeId === undefined) throw new Error(`partition ${range.partition} has no leader`);
        const broker = await cluster.findBroker({ nodeId });
        const { responses } = await broker.fetch({
          maxWaitTime: 100,
          minBytes: 1,
          maxBytes: PARTITION_MAX_BYTES,
          topics: [
            {
              topic,
              partitions: [
                { partition: range.partition, fetchOffset: next.toString(), maxBytes: PARTITION_MAX_BYTES },
              ],
            },
          ],
        });
        const before = next;
        for (const m of responses.flatMap((r) => r.partitions).flatMap((p) => p.messages)) {
          const offset = BigInt(m.offset);
          // A fetch answers whole record batches, which may begin before the offset asked for.
          if (offset < next || offset >= range.to) continue;
          next = offset + 1n;
          if (m.isControlRecord) continue;
          out.push({
            partition: range.partition,
            offset: m.offset,
            key: m.key === null ? null : m.key.toString('utf8'),
            value: m.value,
            timestamp: Number(m.timestamp),
          });
        }
        empty = next === before ? empty + 1 : 0;
      }
    }
  } catch (e) {
    throw new KafkaAdapterError(`cannot read ${topic}: ${(e as Error).message}`, { cause: e });
  } finally {
    await cluster.disconnect().catch(() => {});
  }
  return out;
}
