import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSink } from '../../../src/engines/sink/index.ts';
import type { SinkEngine } from '../../../src/engines/sink/index.ts';
import { freshDatabase, testConfig, testKafka, uniqueName, waitFor } from '../../helpers/services.ts';
import type { TestDatabase, TestKafka } from '../../helpers/services.ts';
import type { SinkChild } from './child.ts';
import { spawnSinkChild } from './child.ts';
import { count, kafkaVsRows, keyed, passage, publish, sinkTopics } from './fixtures.ts';

/** Publishes `total` passages in small sends until done, so the stream flows while the group changes. */
function trickle(k: TestKafka, topic: string, run: string, from: number, total: number): Promise<void> {
  return (async () => {
    for (let i = from; i < from + total; i += 500) {
      const batch = Array.from({ length: Math.min(500, from + total - i) }, (_, j) => passage(run, i + j));
      await publish(
        k,
        topic,
        batch.map((p) => keyed(p.plazaId, p)),
      );
    }
  })();
}

const partitionsOf = (s: SinkEngine, topic: string): number[] =>
  s.store.getSnapshot().assignment[topic] ?? [];

describe('sinks in one group share the partitions', () => {
  let k: TestKafka;
  let db: TestDatabase;
  const sinks: SinkEngine[] = [];
  let child: SinkChild | undefined;

  beforeAll(async () => {
    k = await testKafka();
    db = await freshDatabase();
  });
  afterAll(async () => {
    await child?.kill();
    for (const s of sinks) await s.stop();
    await db.drop();
    await k.cleanup();
  });

  it('split the partitions; a member that stops hands its partitions over; totals exact', async () => {
    const topics = await sinkTopics(k, 6);
    const run = uniqueName('g').replace(/_/g, '-');
    const groupId = uniqueName('sink-group');
    const config = testConfig({ mysqlUrl: db.url });
    const a = createSink(config, { groupId, topics, batchMaxRows: 400 });
    const b = createSink(config, { groupId, topics, batchMaxRows: 400 });
    sinks.push(a, b);
    await Promise.all([a.start(), b.start()]);
    await waitFor(
      () => {
        const pa = partitionsOf(a, topics.passages);
        const pb = partitionsOf(b, topics.passages);
        return pa.length > 0 && pb.length > 0 && [...pa, ...pb].sort().join() === '0,1,2,3,4,5';
      },
      { what: 'both members to own passage partitions', timeoutMs: 60_000 },
    );

    const streaming = trickle(k, topics.passages, run, 0, 20_000);
    await waitFor(async () => (await count(db.storage, 'SELECT COUNT(*) AS n FROM passages')) >= 6000, {
      what: '6000 passages persisted by two members',
    });
    await b.stop();
    await waitFor(() => partitionsOf(a, topics.passages).join() === '0,1,2,3,4,5', {
      what: 'the remaining member to own all partitions',
      timeoutMs: 60_000,
    });
    await streaming;
    await waitFor(async () => (await count(db.storage, 'SELECT COUNT(*) AS n FROM passages')) === 20_000, {
      what: '20000 passages',
      timeoutMs: 90_000,
    });

    // An independent reader of the topic against the rows: every passage in Kafka has its row, no row is extra.
    expect(
      await kafkaVsRows(k, db.storage, { topic: topics.passages, prefix: `${run}-`, expected: 20_000 }),
    ).toEqual({
      inKafka: 20_000,
      rows: 20_000,
      missing: [],
      notInKafka: [],
      paymentsNotOne: [],
    });
    await waitFor(() => a.store.getSnapshot().persisted + b.store.getSnapshot().persisted === 20_000, {
      what: 'snapshots to add up',
    });
    expect(b.store.getSnapshot().persisted).toBeGreaterThan(0);
    // Nothing was inserted twice: the new owner resumed from sink_offsets, not from the primary key.
    expect(a.store.getSnapshot().alreadyPresent + b.store.getSnapshot().alreadyPresent).toBe(0);
  });

  it('a member killed with SIGKILL loses its partitions to the other; exactly once', async () => {
    const topics = await sinkTopics(k, 6);
    const run = uniqueName('gk').replace(/_/g, '-');
    const groupId = uniqueName('sink-group-kill');
    const a = createSink(testConfig({ mysqlUrl: db.url }), { groupId, topics, batchMaxRows: 400 });
    sinks.push(a);
    await a.start();
    child = spawnSinkChild(db.url, { groupId, topics, batchMaxRows: 400, sessionTimeoutMs: 6000 });
    await waitFor(
      () => {
        const theirs = child!.last.assignment?.[topics.passages] ?? [];
        const ours = partitionsOf(a, topics.passages);
        return theirs.length > 0 && ours.length > 0 && [...theirs, ...ours].sort().join() === '0,1,2,3,4,5';
      },
      { what: 'the child and this sink to share the partitions', timeoutMs: 60_000 },
    );

    const streaming = trickle(k, topics.passages, run, 0, 20_000);
    await waitFor(() => (child!.last.persisted ?? 0) >= 2000, { what: 'the child to persist 2000 passages' });
    await child.kill();
    await waitFor(() => partitionsOf(a, topics.passages).join() === '0,1,2,3,4,5', {
      what: 'the survivor to own all partitions',
      timeoutMs: 60_000,
    });
    await streaming;
    await waitFor(
      async () =>
        (await count(db.storage, 'SELECT COUNT(*) AS n FROM passages WHERE event_id LIKE ?', [
          `${run}-%`,
        ])) === 20_000,
      {
        what: '20000 passages',
        timeoutMs: 90_000,
      },
    );
    // An independent reader of the topic against the rows: every passage in Kafka has its row, no row is extra.
    expect(
      await kafkaVsRows(k, db.storage, { topic: topics.passages, prefix: `${run}-`, expected: 20_000 }),
    ).toEqual({
      inKafka: 20_000,
      rows: 20_000,
      missing: [],
      notInKafka: [],
      paymentsNotOne: [],
    });
    expect(a.store.getSnapshot().alreadyPresent).toBe(0);
    expect(a.store.getSnapshot().persisted).toBeLessThan(20_000);
  });

  it('a rebalance while a batch is retrying abandons it cleanly; the owner after it resumes exactly', async () => {
    const topics = await sinkTopics(k, 1);
    const run = uniqueName('gr').replace(/_/g, '-');
    const groupId = uniqueName('sink-group-retry');
    const config = testConfig({ mysqlUrl: db.url });
    const a = createSink(config, { groupId, topics, batchMaxRows: 100 });
    sinks.push(a);
    await a.start();
    await trickle(k, topics.passages, run, 0, 100);
    await waitFor(() => a.store.getSnapshot().persisted === 100, { what: '100 passages' });

    // Hold the partition's offset row: the sink's transactions time out on the lock and retry with backoff.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const holder = db.storage.transaction(async (tx) => {
      await tx.query(
        'SELECT next_offset FROM sink_offsets WHERE group_id = ? AND topic = ? AND kafka_partition = 0 FOR UPDATE',
        [groupId, topics.passages],
      );
      locked();
      await released;
    });
    await isLocked;
    await trickle(k, topics.passages, run, 100, 500);
    await waitFor(
      () => {
        const s = a.store.getSnapshot().status;
        return s.kind === 'error' && s.willRetry;
      },
      { what: 'the sink to retry on the lock', timeoutMs: 30_000 },
    );

    const b = createSink(config, { groupId, topics, batchMaxRows: 100 });
    sinks.push(b);
    await b.start();
    await waitFor(
      () => {
        const owners = [a, b].filter((s) => partitionsOf(s, topics.passages).length > 0);
        const all = [a, b].flatMap((s) => Object.values(s.store.getSnapshot().assignment).flat());
        return (
          owners.length === 1 && all.length === 5 && Object.keys(b.store.getSnapshot().assignment).length > 0
        );
      },
      { what: 'the group to rebalance onto two members', timeoutMs: 60_000 },
    );
    release();
    await holder;

    await waitFor(
      async () =>
        (await count(db.storage, 'SELECT COUNT(*) AS n FROM passages WHERE event_id LIKE ?', [
          `${run}-%`,
        ])) === 600,
      { what: '600 passages', timeoutMs: 60_000 },
    );
    await waitFor(() => a.store.getSnapshot().persisted + b.store.getSnapshot().persisted === 600, {
      what: 'snapshots to add up',
    });
    // An independent reader of the topic against the rows: every passage in Kafka has its row, no row is extra.
    expect(
      await kafkaVsRows(k, db.storage, { topic: topics.passages, prefix: `${run}-`, expected: 600 }),
    ).toEqual({
      inKafka: 600,
      rows: 600,
      missing: [],
      notInKafka: [],
      paymentsNotOne: [],
    });
    expect(a.store.getSnapshot().alreadyPresent + b.store.getSnapshot().alreadyPresent).toBe(0);
    expect(a.store.getSnapshot().retries).toBeGreaterThan(0);
    await waitFor(() => [a, b].every((s) => s.store.getSnapshot().status.kind === 'running'), {
      what: 'both members to be running',
    });
  });
});
