/**
 * A chunk whose MySQL transaction rolls back after its dead letters went out (here: a row lock held by another
 * session makes the passage insert time out, twice or more) must not send them again on the next attempt. Judged
 * by an independent reader of the DLQ topic: each bad message once, with its stable `dead-letter-id`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSink } from '../../../src/engines/sink/index.ts';
import type { SinkEngine } from '../../../src/engines/sink/index.ts';
import type { OutgoingMessage } from '../../../src/kafka/producer.ts';
import { readTopic } from '../../helpers/read-topic.ts';
import { freshDatabase, testConfig, testKafka, uniqueName, waitFor } from '../../helpers/services.ts';
import type { TestDatabase, TestKafka } from '../../helpers/services.ts';
import type { SinkTopics } from './fixtures.ts';
import { kafkaVsRows, keyed, passage, publish, sinkTopics, storedOffsets } from './fixtures.ts';

describe('dead letters of a chunk that rolls back', () => {
  let k: TestKafka;
  let db: TestDatabase;
  let topics: SinkTopics;
  let sink: SinkEngine | undefined;
  const run = uniqueName('dl').replace(/_/g, '-');

  beforeAll(async () => {
    k = await testKafka();
    db = await freshDatabase();
    topics = await sinkTopics(k, 1);
  });
  afterAll(async () => {
    await sink?.stop();
    await db.drop();
    await k.cleanup();
  });

  it('are in the DLQ once each, however often the transaction is retried', async () => {
    const good = Array.from({ length: 50 }, (_, i) => passage(run, i));
    const bad = Array.from({ length: 5 }, (_, i) => `vehicle ${i} passed {`);
    const messages: OutgoingMessage[] = [];
    good.forEach((p, i) => {
      messages.push(keyed(p.plazaId, p));
      if (i % 10 === 4) messages.push({ key: '4000', value: bad[(i - 4) / 10]! });
    });
    await publish(k, topics.passages, messages);
    const badOffsets = messages.flatMap((m, offset) =>
      bad.includes(String(m.value)) ? [String(offset)] : [],
    );

    // Another session inserts one of the chunk's passages and keeps its transaction open: the sink's insert
    // waits on that row, times out after 5 s and rolls back, after its dead letters were sent.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const holder = db.storage
      .transaction(async (tx) => {
        const p = good[40]!;
        await tx.execute(
          'INSERT INTO passages (event_id, plaza_id, vehicle_id, vehicle_type, passed_at, kafka_topic, kafka_partition, kafka_offset, ingested_at) VALUES (?, ?, ?, ?, NOW(3), ?, 0, 0, NOW(3))',
          [p.eventId, p.plazaId, p.vehicleId, p.vehicleType, 'holder'],
        );
        locked();
        await released;
        throw new Error('roll back: the holder never commits');
      })
      .catch(() => {});
    await isLocked;

    const groupId = uniqueName('sink-dl-once');
    sink = createSink(testConfig({ mysqlUrl: db.url }), { groupId, topics });
    await sink.start();
    await waitFor(() => (sink!.store.getSnapshot().retries ?? 0) >= 2, {
      what: 'two rolled-back attempts',
      timeoutMs: 60_000,
    });
    release();
    await holder;

    const highs = await k.admin.topicOffsets(topics.passages);
    await waitFor(
      async () =>
        (await storedOffsets(db.storage, groupId, topics.passages)).get(0) === BigInt(highs[0]?.high ?? -1),
      { what: 'the chunk committed', timeoutMs: 60_000 },
    );
    expect(
      await kafkaVsRows(k, db.storage, { topic: topics.passages, prefix: `${run}-`, expected: 50 }),
    ).toEqual({
      inKafka: 50,
      rows: 50,
      missing: [],
      notInKafka: [],
      paymentsNotOne: [],
    });

    const dead = await readTopic(k.kafka, k.config.kafka.brokers, topics.dlq, (r) => r.length >= bad.length);
    // Everything the sink will ever send for this chunk went out before its commit; read again to be sure.
    const all = await readTopic(k.kafka, k.config.kafka.brokers, topics.dlq, (r) => r.length >= dead.length);
    expect(all.map((r) => r.value).sort()).toEqual([...bad].sort());
    // The documented dedupe key: source topic (with its incarnation when known), partition, offset; one per bad
    // message.
    const key = new RegExp(`^${topics.passages.replace(/\./g, '\\.')}(?:@[^/]+)?/0/(\\d+)$`);
    const ids = all.map((r) => r.headers['dead-letter-id'] ?? '');
    expect(ids.every((id) => key.test(id))).toBe(true);
    expect(ids.map((id) => key.exec(id)![1]).sort()).toEqual([...badOffsets].sort());
    expect(sink.store.getSnapshot().deadLettered).toBe(bad.length);
  });
});
