import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSink } from '../../../src/engines/sink/index.ts';
import type { SinkEngine } from '../../../src/engines/sink/index.ts';
import { freshDatabase, testConfig, testKafka, uniqueName, waitFor } from '../../helpers/services.ts';
import type { TestDatabase, TestKafka } from '../../helpers/services.ts';
import type { SinkChild } from './child.ts';
import { spawnSinkChild } from './child.ts';
import type { SinkTopics } from './fixtures.ts';
import {
  count,
  kafkaVsRows,
  keyed,
  passage,
  payment,
  publish,
  sinkTopics,
  storedOffsets,
} from './fixtures.ts';

describe('sink survives kill -9 exactly once', () => {
  let k: TestKafka;
  let db: TestDatabase;
  let topics: SinkTopics;
  let child: SinkChild | undefined;
  let sink: SinkEngine | undefined;
  const run = uniqueName('c').replace(/_/g, '-');
  const groupId = uniqueName('sink-crash');

  beforeAll(async () => {
    k = await testKafka();
    db = await freshDatabase();
    topics = await sinkTopics(k, 3);
  });
  afterAll(async () => {
    await child?.kill();
    await sink?.stop();
    await db.drop();
    await k.cleanup();
  });

  it('a new sink resumes from MySQL offsets: no gaps, no duplicates, replays ignored', async () => {
    const first = Array.from({ length: 30_000 }, (_, i) => passage(run, i));
    await publish(
      k,
      topics.passages,
      first.map((p) => keyed(p.plazaId, p)),
    );
    // One payment per passage: payments.event_id is no key, so a payment written twice would show as two rows.
    const payments = (ps: typeof first, from: number) =>
      ps.map((p, i) => keyed(p.plazaId, payment(p, from + i)));
    await publish(k, topics.payments, payments(first, 0));

    // Small chunks, so the kill lands between many commits and Kafka's committed offsets trail MySQL's.
    child = spawnSinkChild(db.url, { groupId, topics, batchMaxRows: 250, sessionTimeoutMs: 6000 });
    await waitFor(async () => (await count(db.storage, 'SELECT COUNT(*) AS n FROM passages')) >= 5000, {
      what: 'the child to persist 5000 passages',
      timeoutMs: 90_000,
    });
    await child.kill();
    const atKill = await count(db.storage, 'SELECT COUNT(*) AS n FROM passages');
    expect(atKill).toBeLessThan(30_000);
    // Kafka's committed offset is advisory and may trail MySQL's, never lead it.
    const stored = await storedOffsets(db.storage, groupId, topics.passages);
    const [committed] = await k.admin.groupOffsets(groupId, [topics.passages]);
    for (const p of committed!.partitions) {
      if (p.offset !== null) expect(BigInt(p.offset)).toBeLessThanOrEqual(stored.get(p.partition) ?? 0n);
    }

    // While no sink runs: replays of 2000 already-produced passages (same ids, new offsets) and 5000 new ones.
    const replays = first.slice(0, 2000);
    const more = Array.from({ length: 5000 }, (_, i) => passage(run, 30_000 + i));
    await publish(
      k,
      topics.passages,
      [...replays, ...more].map((p) => keyed(p.plazaId, p)),
    );
    await publish(k, topics.payments, [...payments(replays, 0), ...payments(more, 30_000)]);

    sink = createSink(testConfig({ mysqlUrl: db.url }), { groupId, topics, batchMaxRows: 1000 });
    await sink.start();
    for (const topic of [topics.passages, topics.payments]) {
      const highs = await k.admin.topicOffsets(topic);
      await waitFor(
        async () => {
          const stored = await storedOffsets(db.storage, groupId, topic);
          return highs.every((h) => stored.get(h.partition) === BigInt(h.high));
        },
        { what: `sink offsets of ${topic} to reach the high watermarks`, timeoutMs: 90_000 },
      );
    }

    // An independent reader of the topic against the rows: each passage in Kafka has its row and exactly one
    // payment, and no row lacks a message.
    expect(
      await kafkaVsRows(k, db.storage, {
        topic: topics.passages,
        prefix: `${run}-`,
        expected: 35_000,
        payments: true,
      }),
    ).toEqual({ inKafka: 35_000, rows: 35_000, missing: [], notInKafka: [], paymentsNotOne: [] });
    expect(await count(db.storage, 'SELECT COUNT(*) AS n FROM passages')).toBe(35_000);
    expect(await count(db.storage, 'SELECT COUNT(*) AS n FROM payments')).toBe(35_000);

    // Exactly the rows the child had not committed, no more: nothing written twice.
    await waitFor(() => sink!.store.getSnapshot().persisted >= 35_000 - atKill, {
      what: 'snapshot to catch up',
    });
    const snap = sink.store.getSnapshot();
    expect(snap.persisted).toBe(35_000 - atKill);
    // The 2000 replayed passages and their 2000 replayed payments, each after its original in its partition.
    expect(snap.alreadyPresent).toBe(4000);
    expect(snap.deadLettered).toBe(0);
  });
});
