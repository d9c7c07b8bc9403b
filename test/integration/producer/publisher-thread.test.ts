/**
 * The producer thread (src/kafka/publisher-thread.ts) when its worker dies: the send in flight fails as retriable
 * (the producer engine retries it), the next send starts a new worker, and what it acknowledged is on the topic,
 * counted in the engine's tally.
 */
import type { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AckTally } from '../../../src/kafka/ack-check.ts';
import { PublisherThread } from '../../../src/kafka/publisher-thread.ts';
import { readTopic } from '../../helpers/read-topic.ts';
import { testKafka } from '../../helpers/services.ts';
import type { TestKafka } from '../../helpers/services.ts';

const messages = (from: number, n: number) =>
  Array.from({ length: n }, (_, i) => ({ key: String(4000 + ((from + i) % 7)), value: `m-${from + i}` }));

describe('producer thread', () => {
  let k: TestKafka;
  let thread: PublisherThread;
  beforeAll(async () => {
    k = await testKafka();
  });
  afterAll(async () => {
    await thread?.close();
    await k.cleanup();
  });

  it('fails the send in flight as retriable when its worker dies, and publishes on a new one', async () => {
    const [topic] = await k.topics([{ topic: 'thread', partitions: 3 }]);
    const tally = new AckTally();
    thread = new PublisherThread({ kafka: k.config.kafka, namespace: 'test' }, tally);
    const publisher = thread.publisher();
    await publisher.connect();
    const first = await publisher.send([{ topic: topic!, messages: messages(0, 100) }]);
    expect(first.reduce((n, s) => n + s.count, 0)).toBe(100);

    const inFlight = publisher.send([{ topic: topic!, messages: messages(100, 100) }]);
    const worker = (thread as unknown as { worker: Worker }).worker;
    await worker.terminate();
    await expect(inFlight).rejects.toMatchObject({ retriable: true });

    // The engine would resend the same batch: a new worker takes it (a duplicate in Kafka at worst, which the
    // sink's event ids absorb).
    const again = await publisher.send([{ topic: topic!, messages: messages(100, 100) }]);
    expect(again.reduce((n, s) => n + s.count, 0)).toBe(100);
    expect((thread as unknown as { worker: Worker }).worker).not.toBe(worker);

    const read = await readTopic(k.kafka, k.config.kafka.brokers, topic!, (r) => r.length >= 200);
    const values = new Set(read.map((r) => r.value));
    for (let i = 0; i < 200; i++) expect(values.has(`m-${i}`), `m-${i}`).toBe(true);
    // Counted across workers: the first send on the old one, the resend on the new one.
    expect(tally.counters.sends).toBe(2);
    expect(tally.partitions).toBe(3);
    await publisher.disconnect();
  });
});
