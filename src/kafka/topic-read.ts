/**
 * Reading topics without a consumer group: a small topic from its beginning to its current end (reference data
 * such as the compacted plaza topic, read once when a producer starts), or given offset ranges fetch by fetch (the
 * audit). A group would cost a join (seconds on brokers with the default initial rebalance delay), leave a group
 * behind for every reader and could commit; plain Fetch requests to each partition's leader do none of that.
 *
 * kafkajs's public API has no group-less consumer, so this reaches its private cluster factory, as topic-ids.ts
 * does (kafkajs is pinned to 2.2.4; a missing factory throws rather than guessing). The offsets come from the
 * public admin API; only the Fetch goes through the private cluster, and its decoding is kafkajs's own.
 */
import type { Kafka } from './client.ts';
import { isRetriable, KafkaAdapterError } from './client.ts';
import { KafkaAdmin } from './admin.ts';
import type { ConsumedMessage } from './consumer.ts';
import { sleep } from '../util/backoff.ts';

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
  headers?: Record<string, Buffer | Buffer[]>;
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
  refreshMetadata(): Promise<void>;
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
  let ranges: TopicRange[];
  try {
    await admin.connect();
    if (!(await admin.listTopics()).includes(topic)) return null;
    ranges = (await admin.topicOffsets(topic)).map((p) => ({
      partition: p.partition,
      from: BigInt(p.low),
      to: BigInt(p.high),
    }));
  } catch (e) {
    if (e instanceof KafkaAdapterError) throw e;
    throw new KafkaAdapterError(`cannot read the offsets of ${topic}: ${(e as Error).message}`, { cause: e });
  } finally {
    await admin.disconnect();
  }
  const out: StoredRecord[] = [];
  for await (const chunk of readTopicRanges(kafka, topic, ranges)) {
    for (const m of chunk.messages) {
      out.push({
        partition: chunk.partition,
        offset: m.offset,
        key: m.key === null ? null : m.key.toString('utf8'),
        value: m.value,
        timestamp: Number(m.timestamp),
      });
    }
  }
  return out;
}

/** Offsets [from, to) of one partition. */
export interface TopicRange {
  partition: number;
  from: bigint;
  to: bigint;
}

/** What one fetch brought of a range: its records (control records left out) and where the read goes on. */
export interface RangeChunk {
  partition: number;
  messages: ConsumedMessage[];
  /** The next offset to read: every offset below it and at or above the range's start has been seen. */
  next: bigint;
  /** Offsets of the range the broker no longer holds (deleted by retention while the range was read). */
  gone?: { from: bigint; to: bigint };
}

/** Attempts of one fetch whose error may pass (a leader moving, a connection dropped). */
const FETCH_ATTEMPTS = 5;

const errorType = (e: unknown): string | undefined => (e as { type?: unknown }).type as string | undefined;

/**
 * Reads each range in turn, one Fetch at a time, yielding what each fetch brought: memory stays at one fetch
 * (at most PARTITION_MAX_BYTES) whatever the ranges hold. Nothing is committed and no group is joined. Offsets
 * deleted by retention before the read reached them are reported as `gone`, and the read goes on from the
 * partition's new start. Throws KafkaAdapterError when Kafka cannot be read.
 */
export async function* readTopicRanges(
  kafka: Kafka,
  topic: string,
  ranges: readonly TopicRange[],
): AsyncGenerator<RangeChunk> {
  const todo = ranges.filter((r) => r.to > r.from);
  if (!todo.length) return;
  const cluster = createCluster(kafka);
  try {
    try {
      await cluster.connect();
      await cluster.addTargetTopic(topic);
    } catch (e) {
      throw new KafkaAdapterError(`cannot read ${topic}: ${(e as Error).message}`, { cause: e });
    }
    for (const range of todo) {
      let next = range.from;
      let empty = 0;
      while (next < range.to && empty < EMPTY_FETCHES) {
        let fetched: FetchedRecord[];
        try {
          fetched = await fetchWithRetries(cluster, topic, range.partition, next);
        } catch (e) {
          if (errorType(e) !== 'OFFSET_OUT_OF_RANGE') {
            throw new KafkaAdapterError(`cannot read ${topic}[${range.partition}]: ${(e as Error).message}`, {
              cause: e,
            });
          }
          const start = await logStart(kafka, topic, range.partition);
          if (start <= next) {
            throw new KafkaAdapterError(
              `cannot read ${topic}[${range.partition}] at offset ${next}: out of range (log starts at ${start})`,
              { cause: e, retriable: false },
            );
          }
          const to = start < range.to ? start : range.to;
          yield { partition: range.partition, messages: [], next: to, gone: { from: next, to } };
          next = to;
          empty = 0;
          continue;
        }
        const before = next;
        const messages: ConsumedMessage[] = [];
        for (const m of fetched) {
          const offset = BigInt(m.offset);
          // A fetch answers whole record batches, which may begin before the offset asked for.
          if (offset < next || offset >= range.to) continue;
          next = offset + 1n;
          if (m.isControlRecord) continue;
          messages.push({
            offset: m.offset,
            key: m.key,
            value: m.value,
            timestamp: m.timestamp,
            headers: m.headers ?? {},
          });
        }
        empty = next === before ? empty + 1 : 0;
        if (next > before) yield { partition: range.partition, messages, next };
      }
    }
  } finally {
    await cluster.disconnect().catch(() => {});
  }
}

async function fetchWithRetries(
  cluster: KafkajsCluster,
  topic: string,
  partition: number,
  offset: bigint,
): Promise<FetchedRecord[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      const leaders = cluster.findLeaderForPartitions(topic, [partition]);
      const nodeId = Object.keys(leaders)[0];
      if (nodeId === undefined)
        throw new KafkaAdapterError(`partition ${partition} has no leader`, { retriable: true });
      const broker = await cluster.findBroker({ nodeId });
      const { responses } = await broker.fetch({
        maxWaitTime: 100,
        minBytes: 1,
        maxBytes: PARTITION_MAX_BYTES,
        topics: [
          {
            topic,
            partitions: [{ partition, fetchOffset: offset.toString(), maxBytes: PARTITION_MAX_BYTES }],
          },
        ],
      });
      return responses.flatMap((r) => r.partitions).flatMap((p) => p.messages);
    } catch (e) {
      if (attempt >= FETCH_ATTEMPTS || !isRetriable(e)) throw e;
      await sleep(200 * attempt);
      await cluster.refreshMetadata().catch(() => {});
    }
  }
}

async function logStart(kafka: Kafka, topic: string, partition: number): Promise<bigint> {
  const admin = new KafkaAdmin(kafka);
  try {
    await admin.connect();
    const p = (await admin.topicOffsets(topic)).find((o) => o.partition === partition);
    return BigInt(p?.low ?? '0');
  } finally {
    await admin.disconnect();
  }
}
