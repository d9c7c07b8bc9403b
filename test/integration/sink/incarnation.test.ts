/**
 * A topic deleted and created again (a purged stack) while MySQL keeps its rows and sink_offsets: the new topic
 * is read from its beginning, nothing of it collides with or hides behind the old one, and the old rows stay.
 * Judged by reading the topic independently and comparing with the rows, not by the sink's counters.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatLegacyLine, legacyEventId } from '../../../src/domain/legacy.ts';
import { createSink } from '../../../src/engines/sink/index.ts';
import { TopicIds } from '../../../src/kafka/topic-ids.ts';
import { freshDatabase, testConfig, testKafka, uniqueName, waitFor } from '../../helpers/services.ts';
import type { TestDatabase, TestKafka } from '../../helpers/services.ts';
import { eventIds, readTopic } from '../../helpers/read-topic.ts';
import type { SinkTopics } from './fixtures.ts';
import { keyed, passage, publish, storedOffsets } from './fixtures.ts';

const PARTITIONS = 3;

describe('a recreated topic is a new incarnation', () => {
  let k: TestKafka;
  let db: TestDatabase;
  let ids: TopicIds;

  beforeAll(async () => {
    k = await testKafka();
    db = await freshDatabase();
    ids = new TopicIds(k.kafka);
  });
  afterAll(async () => {
    await ids.disconnect();
    await db.drop();
    await k.cleanup();
  });

  async function freshTopics(): Promise<SinkTopics> {
    const [passages, payments, plazas, legacy, dlq] = await k.topics([
      { topic: 'inc.passages', partitions: PARTITIONS },
      { topic: 'inc.payments', partitions: 1 },
      { topic: 'inc.plazas', partitions: 1, config: { 'cleanup.policy': 'compact' } },
      { topic: 'inc.legacy', partitions: PARTITIONS },
      { topic: 'inc.dlq', partitions: 1 },
    ]);
    return {
      ...{ passages: passages!, payments: payments!, plazas: plazas!, legacy: legacy!, dlq: dlq! },
      anomalies: 'inc.anomalies',
    };
  }

  /** Deletes `topic` and creates it again under the same name; returns the new topic id. */
  async function recreate(topic: string): Promise<string> {
    const before = (await ids.lookup([topic])).get(topic);
    await k.admin.deleteTopics([topic]);
    await waitFor(async () => !(await k.admin.listTopics()).includes(topic), { what: `${topic} deleted` });
    // ZooKeeper mode finishes a deletion in the background: creating can fail until it has.
    const id = await waitFor(
      async () => {
        await k.admin.ensureTopics([{ topic, partitions: PARTITIONS, replicationFactor: 1 }]);
        const now = (await ids.lookup([topic])).get(topic);
        return now && now !== before ? now : null;
      },
      { what: `${topic} created again`, timeoutMs: 60_000, intervalMs: 500 },
    );
    const offsets = await k.admin.topicOffsets(topic);
    expect(offsets.map((o) => o.high)).toEqual(Array.from({ length: PARTITIONS }, () => '0'));
    return id;
  }

  /** Runs a sink until its stored offsets reach the topic's ends, then stops it. */
  async function sinkUntilCaughtUp(groupId: string, topics: SinkTopics, topic: string): Promise<void> {
    const sink = createSink(testConfig({ mysqlUrl: db.url }), { groupId, topics, sessionTimeoutMs: 6000 });
    await sink.start();
    try {
      await caughtUp(groupId, topic);
    } finally {
      await sink.stop();
    }
  }

  /** Waits until the group's stored offsets, counted in the topic's current incarnation, reach its ends. */
  async function caughtUp(groupId: string, topic: string): Promise<void> {
    const ends = new Map((await k.admin.topicOffsets(topic)).map((o) => [o.partition, String(o.high)]));
    const id = (await ids.lookup([topic])).get(topic);
    await waitFor(
      async () => {
        const stored = await db.storage.query<{ p: number; next: string; id: string | null }>(
          'SELECT kafka_partition AS p, next_offset AS next, topic_id AS id FROM sink_offsets WHERE group_id = ? AND topic = ?',
          [groupId, topic],
        );
        const at = new Map(stored.map((r) => [Number(r.p), r.id === id ? String(r.next) : null]));
        return [...ends].every(([p, high]) => at.get(p) === high);
      },
      { what: `the sink's offsets of ${topic} to reach ${[...ends.values()].join(', ')}`, timeoutMs: 60_000 },
    );
  }

  type Row = { event_id: string; vehicle_id: string; kafka_offset: string; ingested_at: Date };
  const rowsOf = (topic: string): Promise<Row[]> =>
    db.storage.query<Row>(
      'SELECT event_id, vehicle_id, kafka_offset, ingested_at FROM passages WHERE kafka_topic = ? ORDER BY event_id',
      [topic],
    );

  it('persists all 300 classic lines of a recreated topic, none colliding with the old rows', async () => {
    const topics = await freshTopics();
    const groupId = uniqueName('sink-inc-classic');
    const tag = uniqueName('v')
      .replace(/[^A-Za-z0-9]/g, '')
      .slice(-8);
    const lines = (prefix: string) =>
      Array.from({ length: 300 }, (_, i) => ({
        key: null,
        value: formatLegacyLine(
          Date.UTC(2021, 7, 19, 21, 54, 38) + i * 1000,
          `${prefix}${tag}${i}`,
          'car',
          4000 + (i % 11),
        ),
      }));

    await publish(k, topics.legacy, lines('A'));
    await sinkUntilCaughtUp(groupId, topics, topics.legacy);
    const old = await rowsOf(topics.legacy);
    expect(old).toHaveLength(300);

    const newId = await recreate(topics.legacy);
    await publish(k, topics.legacy, lines('B'));
    await sinkUntilCaughtUp(groupId, topics, topics.legacy);

    // Independently: every line the new topic holds is a row, once.
    const records = await readTopic(
      k.kafka,
      k.config.kafka.brokers,
      topics.legacy,
      (r) => r.length >= 300,
      '300 classic lines',
    );
    const inKafka = records.map((r) => r.value.split(',')[1]!).sort();
    expect(new Set(inKafka).size).toBe(300);
    const rows = await rowsOf(topics.legacy);
    const fresh = rows.filter((r) => r.vehicle_id.startsWith('B'));
    expect(fresh.map((r) => r.vehicle_id).sort()).toEqual(inKafka);
    expect(new Set(fresh.map((r) => r.event_id)).size).toBe(300);
    for (const r of fresh) expect(r.event_id).toContain(`:${newId}-`);
    // The old topic's rows are exactly as they were.
    expect(rows.filter((r) => r.vehicle_id.startsWith('A'))).toEqual(old);
    expect(rows).toHaveLength(600);
    // The stored offsets now count in the new topic.
    const recorded = await db.storage.query<{ topic_id: string }>(
      'SELECT DISTINCT topic_id FROM sink_offsets WHERE group_id = ? AND topic = ?',
      [groupId, topics.legacy],
    );
    expect(recorded).toEqual([{ topic_id: newId }]);
  });

  it('reads a recreated topic from its beginning even when it has grown past the old stored offsets', async () => {
    const topics = await freshTopics();
    const groupId = uniqueName('sink-inc-grown');
    const runA = uniqueName('a').replace(/_/g, '-');
    const runB = uniqueName('b').replace(/_/g, '-');
    const passages = (run: string, n: number) =>
      Array.from({ length: n }, (_, i) => passage(run, i)).map((p) => keyed(p.plazaId, p));

    await publish(k, topics.passages, passages(runA, 300));
    await sinkUntilCaughtUp(groupId, topics, topics.passages);
    const oldStored = await storedOffsets(db.storage, groupId, topics.passages);
    const old = await rowsOf(topics.passages);
    expect(old).toHaveLength(300);

    await recreate(topics.passages);
    await publish(k, topics.passages, passages(runB, 900));
    // The case that hid data: before the sink's first fetch every partition is past the old stored offset.
    for (const { partition, high } of await k.admin.topicOffsets(topics.passages)) {
      expect(BigInt(high)).toBeGreaterThan(oldStored.get(partition)!);
    }
    await sinkUntilCaughtUp(groupId, topics, topics.passages);

    const records = await readTopic(
      k.kafka,
      k.config.kafka.brokers,
      topics.passages,
      (r) => r.length >= 900,
      '900 passages',
    );
    const inKafka = eventIds(records).sort();
    expect(new Set(inKafka).size).toBe(900);
    const rows = await rowsOf(topics.passages);
    expect(rows.filter((r) => r.event_id.startsWith(`${runB}-`)).map((r) => r.event_id)).toEqual(inKafka);
    expect(rows.filter((r) => r.event_id.startsWith(`${runA}-`))).toEqual(old);
    expect(rows).toHaveLength(1200);
  });

  it('reads a topic recreated under a running sink from its beginning, classic lines once each', async () => {
    const topics = await freshTopics();
    const groupId = uniqueName('sink-inc-live');
    const tag = uniqueName('v')
      .replace(/[^A-Za-z0-9]/g, '')
      .slice(-8);
    const lines = (prefix: string, n: number) =>
      Array.from({ length: n }, (_, i) => ({
        key: null,
        value: formatLegacyLine(
          Date.UTC(2021, 7, 19, 21, 54, 38) + i * 1000,
          `${prefix}${tag}${i}`,
          'van',
          4001,
        ),
      }));
    const sink = createSink(testConfig({ mysqlUrl: db.url }), { groupId, topics, sessionTimeoutMs: 6000 });
    await sink.start();
    try {
      await publish(k, topics.legacy, lines('A', 300));
      await caughtUp(groupId, topics.legacy);
      const old = await rowsOf(topics.legacy);
      expect(old).toHaveLength(300);

      await recreate(topics.legacy);
      // More than the old offsets, so a sink that went on from its position would skip the start.
      await publish(k, topics.legacy, lines('B', 900));
      await caughtUp(groupId, topics.legacy);

      const records = await readTopic(
        k.kafka,
        k.config.kafka.brokers,
        topics.legacy,
        (r) => r.length >= 900,
        '900 classic lines',
      );
      const inKafka = records.map((r) => r.value.split(',')[1]!).sort();
      const rows = await rowsOf(topics.legacy);
      expect(
        rows
          .filter((r) => r.vehicle_id.startsWith('B'))
          .map((r) => r.vehicle_id)
          .sort(),
      ).toEqual(inKafka);
      expect(rows.filter((r) => r.vehicle_id.startsWith('A'))).toEqual(old);
      expect(rows).toHaveLength(1200);
    } finally {
      await sink.stop();
    }
  });

  it('adopts classic offsets stored before topic ids when the topic is the same one, doubling nothing', async () => {
    const topics = await freshTopics();
    const groupId = uniqueName('sink-inc-upgrade');
    const tag = uniqueName('v')
      .replace(/[^A-Za-z0-9]/g, '')
      .slice(-8);
    const start = Date.UTC(2021, 7, 19, 21, 54, 38);
    const lines = (prefix: string, n: number) =>
      Array.from({ length: n }, (_, i) => ({
        key: null,
        partition: 0,
        value: formatLegacyLine(start + i * 1000, `${prefix}${tag}${i}`, 'car', 4002),
      }));
    await publish(k, topics.legacy, lines('A', 300));
    // What a sink before topic ids left: rows with `<topic>-<partition>-<offset>` ids, offsets without topic_id.
    const rowsBefore = Array.from({ length: 300 }, (_, i) => [
      `${topics.legacy}-0-${i}`,
      4002,
      `A${tag}${i}`,
      'car',
      new Date(start + i * 1000),
      'legacy',
      topics.legacy,
      0,
      i,
      new Date(Date.UTC(2026, 0, 1)),
    ]);
    await db.storage.execute(
      'INSERT INTO passages (event_id, plaza_id, vehicle_id, vehicle_type, passed_at, source, kafka_topic, kafka_partition, kafka_offset, ingested_at) VALUES ?',
      [rowsBefore],
    );
    for (const [partition, next] of [
      [0, 300],
      [1, 0],
      [2, 0],
    ]) {
      await db.storage.execute(
        'INSERT INTO sink_offsets (group_id, topic, kafka_partition, next_offset, updated_at) VALUES (?, ?, ?, ?, UTC_TIMESTAMP(3))',
        [groupId, topics.legacy, partition, next],
      );
    }
    const old = await rowsOf(topics.legacy);

    await publish(k, topics.legacy, lines('B', 100));
    await sinkUntilCaughtUp(groupId, topics, topics.legacy);

    const records = await readTopic(k.kafka, k.config.kafka.brokers, topics.legacy, (r) => r.length >= 400);
    const rows = await rowsOf(topics.legacy);
    expect(rows.map((r) => r.vehicle_id).sort()).toEqual(records.map((r) => r.value.split(',')[1]!).sort());
    expect(rows.filter((r) => r.vehicle_id.startsWith('A'))).toEqual(old);
    const id = (await ids.lookup([topics.legacy])).get(topics.legacy)!;
    const fresh = rows.filter((r) => r.vehicle_id.startsWith('B')).map((r) => r.event_id);
    expect(fresh.sort()).toEqual(
      Array.from({ length: 100 }, (_, n) => legacyEventId(topics.legacy, 0, String(300 + n), id)).sort(),
    );
  });
});
