import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSink } from '../../../src/engines/sink/index.ts';
import type { SinkEngine } from '../../../src/engines/sink/index.ts';
import { formatLegacyLine, legacyEventId } from '../../../src/domain/legacy.ts';
import { TopicIds } from '../../../src/kafka/topic-ids.ts';
import { freshDatabase, testConfig, testKafka, uniqueName, waitFor } from '../../helpers/services.ts';
import type { TestDatabase, TestKafka } from '../../helpers/services.ts';
import type { SinkTopics } from './fixtures.ts';
import {
  count,
  keyed,
  passage,
  payment,
  plaza,
  PLAZA_IDS,
  publish,
  sinkTopics,
  storedOffsets,
} from './fixtures.ts';

describe('sink persists every kind of toll record', () => {
  let k: TestKafka;
  let db: TestDatabase;
  let topics: SinkTopics;
  let sink: SinkEngine | undefined;
  const run = uniqueName('p').replace(/_/g, '-');
  const groupId = uniqueName('sink-persist');

  beforeAll(async () => {
    k = await testKafka();
    db = await freshDatabase();
    topics = await sinkTopics(k);
  });
  afterAll(async () => {
    await sink?.stop();
    await db.drop();
    await k.cleanup();
  });

  it('writes passages, payments, plazas (latest wins) and legacy lines with exact values', async () => {
    const passages = Array.from({ length: 600 }, (_, i) => passage(run, i));
    const payments = passages.filter((_, i) => i % 2 === 0).map((p, i) => payment(p, i));
    await publish(
      k,
      topics.passages,
      passages.map((p) => keyed(p.plazaId, p)),
    );
    await publish(
      k,
      topics.payments,
      payments.map((p) => keyed(p.plazaId, p)),
    );
    await publish(k, topics.plazas, [
      ...PLAZA_IDS.map((id) => keyed(id, plaza(id))),
      keyed(4003, plaza(4003, 'Renamed plaza')),
    ]);
    // Classic lines in local time of the configured zone (New York: UTC-4 in August).
    const legacyStart = Date.UTC(2021, 7, 19, 21, 54, 38);
    const lines = Array.from({ length: 25 }, (_, i) =>
      formatLegacyLine(legacyStart + i * 1000, `L${i}`, i % 2 ? 'Truck' : 'car', 4000 + (i % 11)),
    );
    await publish(
      k,
      topics.legacy,
      lines.map((l) => ({ key: null, value: l })),
    );

    const config = testConfig({ mysqlUrl: db.url, tz: 'America/New_York' });
    sink = createSink(config, { groupId, topics, batchMaxRows: 128 });
    await sink.start();

    await waitFor(async () => (await count(db.storage, 'SELECT COUNT(*) AS n FROM passages')) === 625, {
      what: '625 passages',
    });
    await waitFor(async () => (await count(db.storage, 'SELECT COUNT(*) AS n FROM payments')) === 300, {
      what: '300 payments',
    });
    await waitFor(async () => (await count(db.storage, 'SELECT COUNT(*) AS n FROM plazas')) === 11, {
      what: '11 plazas',
    });

    const [row] = await db.storage.query('SELECT * FROM passages WHERE event_id = ?', [passages[7]!.eventId]);
    expect(row).toMatchObject({
      plaza_id: passages[7]!.plazaId,
      lane: passages[7]!.lane,
      vehicle_id: passages[7]!.vehicleId,
      vehicle_type: passages[7]!.vehicleType,
      axles: passages[7]!.axles,
      source: 'test',
      kafka_topic: topics.passages,
    });
    expect((row!.passed_at as Date).toISOString()).toBe(passages[7]!.passedAt);

    const [pay] = await db.storage.query('SELECT * FROM payments WHERE payment_id = ?', [
      payments[3]!.paymentId,
    ]);
    expect(pay).toMatchObject({
      event_id: payments[3]!.eventId,
      plaza_id: payments[3]!.plazaId,
      method: payments[3]!.method,
      amount_cents: payments[3]!.amountCents,
      currency: 'USD',
    });
    expect((pay!.paid_at as Date).toISOString()).toBe(payments[3]!.paidAt);

    const [renamed] = await db.storage.query('SELECT name, code, lanes FROM plazas WHERE plaza_id = 4003');
    expect(renamed).toEqual({ name: 'Renamed plaza', code: 'PC4003', lanes: 8 });

    // Legacy: id from topic/partition/offset, ctime read in the configured zone, type lower-cased.
    const legacyRows = await db.storage.query<{
      event_id: string;
      vehicle_id: string;
      vehicle_type: string;
      passed_at: Date;
    }>(
      'SELECT event_id, vehicle_id, vehicle_type, passed_at FROM passages WHERE source = ? ORDER BY kafka_offset',
      ['legacy'],
    );
    expect(legacyRows).toHaveLength(25);
    const ids = new TopicIds(k.kafka);
    const incarnation = (await ids.lookup([topics.legacy])).get(topics.legacy)!;
    await ids.disconnect();
    expect(incarnation).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(legacyRows[0]!.event_id).toBe(legacyEventId(topics.legacy, 0, '0', incarnation));
    expect(legacyRows[24]!.event_id).toBe(legacyEventId(topics.legacy, 0, '24', incarnation));
    expect(legacyRows[1]!.vehicle_type).toBe('truck');
    expect(legacyRows[0]!.passed_at.toISOString()).toBe('2021-08-20T01:54:38.000Z');

    // The classic pipeline's view keeps its column names.
    expect(await count(db.storage, 'SELECT COUNT(*) AS n FROM livetolldata')).toBe(625);
    const [view] = await db.storage.query(
      'SELECT `timestamp`, vehicle_id, vehicle_type, toll_plaza_id FROM livetolldata WHERE vehicle_id = ?',
      ['L3'],
    );
    expect(view).toMatchObject({ vehicle_id: 'L3', vehicle_type: 'truck', toll_plaza_id: 4003 });

    // Offsets stored with the rows: the next offset of every partition equals its high watermark.
    for (const topic of [topics.passages, topics.payments, topics.plazas, topics.legacy]) {
      const stored = await storedOffsets(db.storage, groupId, topic);
      for (const { partition, high } of await k.admin.topicOffsets(topic)) {
        if (high !== '0') expect(stored.get(partition)).toBe(BigInt(high));
      }
    }

    // The snapshot tells the same story.
    // Snapshots are throttled: the payments' last commit may land a moment after the one that completed passages.
    await waitFor(
      () => {
        const s = sink!.store.getSnapshot();
        return s.persisted === 625 && s.payments === 300;
      },
      { what: 'snapshot persisted 625 and 300 payments' },
    );
    const snap = sink.store.getSnapshot();
    expect(snap).toMatchObject({
      status: { kind: 'running' },
      groupId,
      persisted: 625,
      payments: 300,
      deadLettered: 0,
      alreadyPresent: 0,
    });
    expect(snap.plazas).toBeGreaterThanOrEqual(11);
    expect(snap.consumed).toBe(600 + 300 + 12 + 25);
    expect(snap.assignment[topics.passages]).toEqual([0, 1, 2]);
    expect(snap.latency.count).toBe(625);
    expect(snap.latency.p50Ms).not.toBeNull();
    expect(snap.throughput.reduce((n, t) => n + t.total, 0)).toBe(625);
    expect(snap.throughput.map((t) => t.plazaId)).toEqual(PLAZA_IDS);
    expect(snap.recent.length).toBeGreaterThan(0);
    expect(snap.lastBatch?.size).toBeGreaterThan(0);
    expect(snap.lastBatch!.size).toBeLessThanOrEqual(128);

    // Kafka's committed offsets follow MySQL's (advisory, for lag monitors).
    await waitFor(
      async () => {
        const [g] = await k.admin.groupOffsets(groupId, [topics.passages]);
        return g!.partitions.reduce((n, p) => n + Number(p.offset ?? 0), 0) === 600;
      },
      { what: 'Kafka committed offsets to reach 600' },
    );

    expect(await sink.countPersisted({ eventIdPrefix: `${run}-` })).toEqual({ found: 600 });
    const some = await sink.countPersisted({
      eventIds: [passages[0]!.eventId, passages[0]!.eventId, 'nope-1'],
    });
    expect(some).toEqual({ asked: 2, found: 1, missing: ['nope-1'], missingCount: 1 });

    await sink.stop();
    await sink.stop();
    expect(sink.store.getSnapshot().status).toEqual({ kind: 'stopped' });
    expect(sink.store.getSnapshot().assignment).toEqual({});
  });

  it('persists a recreated topic whose offsets restart below the ones MySQL kept', async () => {
    // MySQL remembers a topic that went far (next offset 50,000 per partition); Kafka's topic is new.
    const fresh = await sinkTopics(k);
    const group = uniqueName('sink-recreated');
    for (const partition of [0, 1, 2]) {
      await db.storage.execute(
        'INSERT INTO sink_offsets (group_id, topic, kafka_partition, next_offset, updated_at) VALUES (?, ?, ?, 50000, UTC_TIMESTAMP(3))',
        [group, fresh.passages, partition],
      );
    }
    const again = uniqueName('r').replace(/_/g, '-');
    const passages = Array.from({ length: 300 }, (_, i) => passage(again, i));
    await publish(
      k,
      fresh.passages,
      passages.map((p) => keyed(p.plazaId, p)),
    );
    sink = createSink(testConfig({ mysqlUrl: db.url }), { groupId: group, topics: fresh });
    await sink.start();
    await waitFor(
      async () =>
        (await count(db.storage, 'SELECT COUNT(*) AS n FROM passages WHERE event_id LIKE ?', [
          `${again}-%`,
        ])) === 300,
      { what: '300 passages of the recreated topic' },
    );
    // The stored offsets now follow the new topic: each partition's next offset is its high watermark.
    const stored = await storedOffsets(db.storage, group, fresh.passages);
    for (const { partition, high } of await k.admin.topicOffsets(fresh.passages)) {
      expect(stored.get(partition)).toBe(BigInt(high));
    }
    await waitFor(() => sink!.store.getSnapshot().persisted === 300, { what: 'the snapshot to count 300' });
    await sink.stop();
  });
});
