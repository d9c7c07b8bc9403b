/**
 * The soak's own reader of the topics: every partition from its beginning up to the end offset it has when the
 * read starts, in a fresh consumer group. It judges the pipeline by what Kafka holds, never by the sink's
 * counters. (It uses the project's Kafka adapter, the only kafkajs importer, for consuming only: the producer
 * path under test is not involved.)
 */
import { randomBytes } from 'node:crypto';
import type { Config } from '../config/config.ts';
import { KafkaAdmin } from '../kafka/admin.ts';
import { createKafka } from '../kafka/client.ts';
import type { ConsumedMessage, HeaderValue } from '../kafka/consumer.ts';
import { GroupConsumer } from '../kafka/consumer.ts';
import { sleep } from '../util/backoff.ts';
import type { Logger } from '../util/log.ts';

export interface ReadOptions {
  /** Give up when no message arrives for this long while partitions are unfinished. */
  stallMs?: number;
}

/** Reads `topic` to its current end, calling `onMessage` once per record (offset order within a partition). */
export async function readTopicToEnd(
  config: Config,
  logger: Logger,
  topic: string,
  onMessage: (partition: number, message: ConsumedMessage) => void,
  { stallMs = 60_000 }: ReadOptions = {},
): Promise<{ messages: number }> {
  const kafka = createKafka(config.kafka, { logger, clientIdSuffix: '-soak-reader' });
  const admin = await new KafkaAdmin(kafka).connect();
  let ends: Map<number, bigint>;
  try {
    ends = new Map(
      (await admin.topicOffsets(topic))
        .filter((p) => BigInt(p.high) > BigInt(p.low))
        .map((p) => [p.partition, BigInt(p.high)]),
    );
  } finally {
    await admin.disconnect();
  }
  let messages = 0;
  if (!ends.size) return { messages };
  const unfinished = new Set(ends.keys());
  let lastProgressAt = Date.now();
  const consumer = new GroupConsumer(kafka, {
    groupId: `tollstream-soak-reader-${randomBytes(4).toString('hex')}`,
    topics: [topic],
    fromBeginning: true,
    eachBatch: async (batch, control) => {
      const end = ends.get(batch.partition);
      for (const m of batch.messages) {
        const offset = BigInt(m.offset);
        if (end === undefined || offset >= end) break;
        onMessage(batch.partition, m);
        messages += 1;
        lastProgressAt = Date.now();
        if (offset === end - 1n) unfinished.delete(batch.partition);
        control.resolveOffset(m.offset);
      }
    },
  });
  await consumer.start();
  try {
    while (unfinished.size) {
      if (Date.now() - lastProgressAt > stallMs) {
        throw new Error(
          `reading ${topic}: no message for ${stallMs / 1000} s with partitions ${[...unfinished].join(', ')} unfinished`,
        );
      }
      await sleep(100);
    }
  } finally {
    await consumer.stop().catch(() => {});
  }
  return { messages };
}

export const headerText = (v: HeaderValue): string | undefined => {
  const one = Array.isArray(v) ? v[0] : v;
  return one === undefined ? undefined : one.toString();
};

/** "partition:offset" — how a dead letter points at the message it stands for. */
export const sourceKey = (partition: number | string, offset: string): string => `${partition}:${offset}`;

export interface DeadLetters {
  /** Dead letters whose source is the passages topic, by source "partition:offset". */
  passageSources: Set<string>;
  /** All records of the dead-letter topic. */
  total: number;
}

export async function readDeadLetters(
  config: Config,
  logger: Logger,
  options?: ReadOptions,
): Promise<DeadLetters> {
  const passageSources = new Set<string>();
  const { messages } = await readTopicToEnd(
    config,
    logger,
    config.topics.dlq,
    (_partition, m) => {
      if (headerText(m.headers['source-topic']) !== config.topics.passages) return;
      const p = headerText(m.headers['source-partition']);
      const o = headerText(m.headers['source-offset']);
      if (p !== undefined && o !== undefined) passageSources.add(sourceKey(p, o));
    },
    options,
  );
  return { passageSources, total: messages };
}

export interface PassagesInKafka {
  /** Distinct event ids. */
  ids: Set<string>;
  /** Records read (a passage sent twice, e.g. resent after a lost acknowledgement, counts twice). */
  records: number;
  /** Records that are not a passage with an event id (they should have been dead-lettered). */
  unreadable: number;
  /** Event ids with at least one record in the dead-letter topic. */
  deadLettered: Set<string>;
}

export async function readPassages(
  config: Config,
  logger: Logger,
  deadLetters: DeadLetters,
  options?: ReadOptions,
): Promise<PassagesInKafka> {
  const out: PassagesInKafka = { ids: new Set(), records: 0, unreadable: 0, deadLettered: new Set() };
  const { messages } = await readTopicToEnd(
    config,
    logger,
    config.topics.passages,
    (partition, m) => {
      let id: unknown;
      try {
        id = (JSON.parse(m.value?.toString('utf8') ?? '') as { eventId?: unknown }).eventId;
      } catch {
        id = undefined;
      }
      if (typeof id !== 'string' || !id) {
        out.unreadable += 1;
        return;
      }
      out.ids.add(id);
      if (deadLetters.passageSources.has(sourceKey(partition, m.offset))) out.deadLettered.add(id);
    },
    options,
  );
  out.records = messages;
  return out;
}
