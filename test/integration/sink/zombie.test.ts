/**
 * A zombie: a sink member that fetched a batch, stalled (a GC pause, SIGSTOP, a slow disk) past its session, and
 * wakes up holding the batch after the group gave its partition to another member that moved far ahead. It must
 * write nothing and must not move sink_offsets back. Member A here is the sink's own batch handler on its own
 * consumer, paused inside its batch; member B is a whole sink in the same group.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchHandler } from '../../../src/engines/sink/batch-handler.ts';
import { kafkaTopicFacts } from '../../../src/engines/sink/incarnation.ts';
import { createSink } from '../../../src/engines/sink/index.ts';
import { SinkMetrics } from '../../../src/engines/sink/metrics.ts';
import { loadOffsets } from '../../../src/engines/sink/offsets.ts';
import { createKafka } from '../../../src/kafka/client.ts';
import type { BatchControl, ConsumedBatch } from '../../../src/kafka/consumer.ts';
import { GroupConsumer } from '../../../src/kafka/consumer.ts';
import { KafkaPublisher } from '../../../src/kafka/producer.ts';
import { createLogger } from '../../../src/util/log.ts';
import { freshDatabase, testConfig, testKafka, uniqueName, waitFor } from '../../helpers/services.ts';
import type { TestDatabase, TestKafka } from '../../helpers/services.ts';
import { eventIds, readTopic } from '../../helpers/read-topic.ts';
import { keyed, passage, publish, sinkTopics, storedOffsets } from './fixtures.ts';

describe('a zombie sink member', () => {
  let k: TestKafka;
  let db: TestDatabase;

  beforeAll(async () => {
    k = await testKafka();
    db = await freshDatabase();
  });
  afterAll(async () => {
    await db.drop();
    await k.cleanup();
  });

  it('writes nothing and never moves the stored offset back when it wakes up with an old batch', async () => {
    const topics = await sinkTopics(k, 1);
    const groupId = uniqueName('sink-zombie');
    const run = uniqueName('z').replace(/_/g, '-');
    const passages = Array.from({ length: 500 }, (_, i) => passage(run, i)).map((p) => keyed(p.plazaId, p));
    await publish(k, topics.passages, passages.slice(0, 300));

    // Member A: fetches 0-299 (high watermark 300), then stalls inside its batch.
    const config = testConfig({ mysqlUrl: db.url });
    const kafkaA = createKafka(config.kafka, { clientIdSuffix: '-zombie' });
    const publisherA = new KafkaPublisher(kafkaA);
    await publisherA.connect();
    const facts = kafkaTopicFacts(kafkaA);
    const metricsA = new SinkMetrics(groupId);
    const handlerA = new BatchHandler({
      groupId,
      roles: new Map([[topics.passages, 'passages' as const]]),
      dlqTopic: topics.dlq,
      tz: 'UTC',
      batchMaxRows: 5000,
      storage: db.storage,
      publisher: publisherA,
      facts,
      metrics: metricsA,
      touch: () => {},
      seek: (topic, partition, offset) => consumerA.seek(topic, partition, offset),
      log: createLogger('zombie'),
      signal: new AbortController().signal,
    });
    let held: { batch: ConsumedBatch; control: BatchControl } | undefined;
    let wake!: () => void;
    const woken = new Promise<void>((resolve) => (wake = resolve));
    let zombieDone!: () => void;
    const zombieFinished = new Promise<void>((resolve) => (zombieDone = resolve));
    const consumerA: GroupConsumer = new GroupConsumer(kafkaA, {
      groupId,
      topics: [topics.passages],
      sessionTimeoutMs: 6000,
      // As the sink does on every assignment: resume from MySQL's offsets.
      onAssigned: async (assignment) => {
        const stored = await loadOffsets(db.storage, groupId, Object.keys(assignment));
        for (const r of await handlerA.assigned(assignment, stored)) {
          consumerA.seek(r.topic, r.partition, r.offset.toString());
        }
      },
      eachBatch: async (batch, control) => {
        if (held) return; // only the one stale batch matters
        held = { batch, control };
        await woken; // paused: no heartbeats, the group moves the partition to B
        await handlerA.handle(batch, control);
        zombieDone();
      },
    });
    await consumerA.start();
    await waitFor(() => held, { what: 'member A to hold a batch' });
    expect(held!.batch.highWatermark).toBe('300');
    expect(held!.batch.messages[0]!.offset).toBe('0');

    // Member B takes over once A's session expires, persists everything, and goes on past A's batch.
    const sinkB = createSink(config, { groupId, topics, sessionTimeoutMs: 6000 });
    await sinkB.start();
    try {
      const caughtUp = (n: bigint) => async () =>
        (await storedOffsets(db.storage, groupId, topics.passages)).get(0) === n;
      await waitFor(caughtUp(300n), { what: 'member B to persist 0-299', timeoutMs: 60_000 });
      await publish(k, topics.passages, passages.slice(300));
      await waitFor(caughtUp(500n), { what: 'member B to persist 300-499', timeoutMs: 60_000 });
      const before = await db.storage.query(
        'SELECT event_id, kafka_offset, ingested_at FROM passages ORDER BY event_id',
      );
      expect(before).toHaveLength(500);

      // A wakes up with its batch of 0-299 fetched when the partition ended at 300.
      wake();
      await zombieFinished;
      await consumerA.stop();

      const after = await db.storage.query(
        'SELECT event_id, kafka_offset, ingested_at FROM passages ORDER BY event_id',
      );
      expect(after).toEqual(before);
      expect((await storedOffsets(db.storage, groupId, topics.passages)).get(0)).toBe(500n);
      // It got as far as the fence (its own account, only to show which path this test took): all 300 skipped.
      expect([metricsA.skippedBelowOffset, metricsA.persisted]).toEqual([300, 0]);

      // Judged independently too: the rows are exactly the passages Kafka holds.
      const records = await readTopic(
        k.kafka,
        k.config.kafka.brokers,
        topics.passages,
        (r) => r.length >= 500,
      );
      expect(after.map((r) => (r as { event_id: string }).event_id)).toEqual(eventIds(records).sort());
    } finally {
      wake();
      await consumerA.stop().catch(() => {});
      await facts.close();
      await publisherA.disconnect();
      await sinkB.stop();
    }
  });
});
