/**
 * A send that fails without knowing whether Kafka wrote it. The broker is paused (SIGSTOP) under a send, so the
 * client times out while the request waits in the socket; once resumed, the broker writes it. The next send
 * carries other messages: with the same producer id and the sequence numbers kafkajs rolled back, the broker
 * would take them for a retry of the written batch, acknowledge them with that batch's offsets and drop them.
 * Judged by reading the topic: every message of an acknowledged send must be there.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { KafkaAdmin } from '../../../src/kafka/admin.ts';
import { createKafka } from '../../../src/kafka/client.ts';
import { KafkaPublisher } from '../../../src/kafka/producer.ts';
import type { OutgoingMessage } from '../../../src/kafka/producer.ts';
import { readTopic } from '../../helpers/read-topic.ts';
import { testConfig, waitFor } from '../../helpers/services.ts';
import { startPrivateBroker } from './private-broker.ts';
import type { PrivateBroker } from './private-broker.ts';

const TOPIC = 'ambiguous.sends';
const COUNT = 25;

let broker: PrivateBroker;

beforeAll(async () => {
  broker = await startPrivateBroker();
}, 180_000);

afterAll(async () => {
  await broker?.close();
});

const batch = (prefix: string): OutgoingMessage[] =>
  Array.from({ length: COUNT }, (_, i) => ({ key: 'plaza-1', value: `${prefix}-${i}` }));

it('a send after one that failed ambiguously is written, not taken for its retry', async () => {
  const kafka = createKafka(testConfig({ brokers: broker.bootstrap }).kafka, {
    clientIdSuffix: '-ambiguous-test',
    timing: {
      connectionTimeout: 1000,
      requestTimeout: 1500,
      retry: { initialRetryTime: 100, retries: 1, maxRetryTime: 500 },
    },
  });
  const admin = await new KafkaAdmin(kafka).connect();
  await admin.ensureTopics([{ topic: TOPIC, partitions: 1, replicationFactor: 1 }]);
  const highWatermark = async () => BigInt((await admin.topicOffsets(TOPIC))[0]!.high);

  const publisher = new KafkaPublisher(kafka, { compression: 'none' });
  await publisher.connect();
  try {
    await publisher.send([{ topic: TOPIC, messages: batch('a') }]);

    broker.pause();
    let failed: unknown;
    try {
      await publisher.send([{ topic: TOPIC, messages: batch('b') }]);
    } catch (e) {
      failed = e;
    } finally {
      broker.resume();
    }
    expect(failed, 'the send under the paused broker must fail').toBeInstanceOf(Error);
    // The broker reads the request that waited in its socket and writes it: the failed send is in the log.
    await waitFor(async () => (await highWatermark()) === BigInt(2 * COUNT), {
      what: 'the paused send to be written once the broker resumes',
      timeoutMs: 30_000,
    });

    const sent = await publisher.send([{ topic: TOPIC, messages: batch('c') }]);
    expect(sent.reduce((n, s) => n + s.count, 0)).toBe(COUNT);
  } finally {
    await publisher.disconnect();
  }

  // Read what the log holds (not what we hope it holds), so a loss fails with the missing messages.
  const held = Number(await highWatermark());
  const records = await readTopic(kafka, [broker.bootstrap], TOPIC, (r) => r.length >= held);
  const values = new Set(records.map((r) => r.value));
  const lost = batch('c')
    .map((m) => m.value as string)
    .filter((v) => !values.has(v));
  expect(lost, `${lost.length} acknowledged messages missing`).toEqual([]);
  expect(records.length).toBe(3 * COUNT);
  expect(await highWatermark()).toBe(BigInt(3 * COUNT));
  await admin.disconnect();
}, 120_000);
