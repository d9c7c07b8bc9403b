/**
 * The lag pane against Kafka's own `kafka-consumer-groups --describe` (ConsumerGroupCommand from the stack's jars),
 * group by group and partition by partition: a third-party group that committed part of a topic and left, a live
 * group and a departed one whose client committed kafkajs' "earliest" sentinel (-2) on empty partitions, a group
 * whose offset lies past the end of a recreated topic, and our own sink resuming from MySQL offsets that outlived
 * their topic.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lagAlerts } from '../../../components/alerts/rules.ts';
import { createLagMonitor } from '../../../src/engines/lag/index.ts';
import type { GroupLagDetail, LagMonitor } from '../../../src/engines/lag/index.ts';
import { createSink } from '../../../src/engines/sink/index.ts';
import type { SinkEngine } from '../../../src/engines/sink/index.ts';
import type { Topics } from '../../../src/config/config.ts';
import { GroupConsumer } from '../../../src/kafka/consumer.ts';
import { KafkaPublisher } from '../../../src/kafka/producer.ts';
import type { OutgoingMessage } from '../../../src/kafka/producer.ts';
import { sleep } from '../../../src/util/backoff.ts';
import { freshDatabase, testConfig, testKafka, uniqueName, waitFor } from '../../helpers/services.ts';
import { kafkaDescribe } from '../../helpers/kafka-tools.ts';
import type { DescribedRow } from '../../helpers/kafka-tools.ts';
import type { TestDatabase, TestKafka } from '../../helpers/services.ts';

function passageJson(i: number): string {
  return JSON.stringify({
    v: 1,
    eventId: `${uniqueName('lagk')}-${i}`,
    plazaId: 4001,
    vehicleId: String(100000 + i),
    vehicleType: 'car',
    passedAt: new Date(Date.UTC(2021, 7, 19, 21, 54, 38) + i * 1000).toISOString(),
  });
}

describe('lag pane agrees with kafka-consumer-groups --describe', () => {
  let k: TestKafka;
  let db: TestDatabase;
  let monitor: LagMonitor | undefined;
  let sink: SinkEngine | undefined;
  const live: GroupConsumer[] = [];

  beforeAll(async () => {
    k = await testKafka();
    db = await freshDatabase();
  });
  afterAll(async () => {
    await monitor?.stop();
    await sink?.stop();
    for (const c of live) await c.stop().catch(() => {});
    await db.drop();
    await k.cleanup();
  });

  async function publish(topic: string, messages: OutgoingMessage[]): Promise<void> {
    const publisher = new KafkaPublisher(k.kafka);
    await publisher.connect();
    try {
      await publisher.send([{ topic, messages }]);
    } finally {
      await publisher.disconnect();
    }
  }

  const onPartition = (partition: number, n: number): OutgoingMessage[] =>
    Array.from({ length: n }, (_, i) => ({ key: null, value: `m${i}`, partition }));

  /** A plain consumer that commits offsets below `upTo[partition]` and nothing else. */
  function committingReader(groupId: string, topic: string, upTo: Record<number, number>): GroupConsumer {
    return new GroupConsumer(k.kafka, {
      groupId,
      topics: [topic],
      eachBatch: async (batch, control) => {
        for (const m of batch.messages) {
          if (Number(m.offset) >= (upTo[batch.partition] ?? 0)) break;
          control.resolveOffset(m.offset);
        }
        await control.commitOffsetsIfNecessary();
      },
    });
  }

  async function committed(groupId: string, topic: string): Promise<(string | null)[]> {
    const [offsets] = await k.admin.groupOffsets(groupId, [topic]);
    return offsets?.partitions.map((p) => p.offset) ?? [];
  }

  /** A member resuming past the end of every partition of an empty topic; returns once Kafka holds the -2s. */
  async function resetOnEmpty(groupId: string, topic: string): Promise<GroupConsumer> {
    const consumer: GroupConsumer = new GroupConsumer(k.kafka, {
      groupId,
      topics: [topic],
      onAssigned: (assignment) => {
        for (const p of assignment[topic] ?? []) consumer.seek(topic, p, '100');
      },
      eachBatch: async () => {},
    });
    await consumer.start();
    // The adapter hands over what Kafka keeps, sentinels included; the lag engine is what must read them right.
    await waitFor(async () => JSON.stringify(await committed(groupId, topic)) === '["-2","-2"]', {
      what: `${groupId} to hold -2 on both partitions`,
    });
    return consumer;
  }

  it('shows what Kafka shows for every group, ours included; empty partitions are never STALL', async () => {
    const [traffic, empty, recreated] = (await k.topics([
      { topic: 'lagk.traffic', partitions: 3 },
      { topic: 'lagk.empty', partitions: 2 },
      { topic: 'lagk.recreated', partitions: 1 },
    ])) as [string, string, string];
    const sinkTopics: Topics = await k.pipelineTopics('lagk', 2);
    await publish(traffic, [...onPartition(0, 50), ...onPartition(1, 20)]);
    await publish(recreated, onPartition(0, 30));

    // A third-party group commits 30 of 50 on partition 0, all 20 of partition 1, nothing on the empty 2, and leaves.
    const reader = uniqueName('lagk-reader');
    const readerConsumer = committingReader(reader, traffic, { 0: 30, 1: 20 });
    await readerConsumer.start();
    await waitFor(async () => JSON.stringify(await committed(reader, traffic)) === '["30","20",null]', {
      what: 'the reader to commit 30 / 20 / none',
    });
    await readerConsumer.stop();

    // A live group that resumes from positions kept outside Kafka, past the end of two empty partitions: kafkajs
    // commits the seek, the fetch is out of range, and kafkajs commits its "earliest" sentinel -2 in its place.
    const resetter = uniqueName('lagk-resetter');
    live.push(await resetOnEmpty(resetter, empty));
    // Another such group that then left: Kafka keeps its -2s and its tool lists it.
    const departed = uniqueName('lagk-departed');
    await (await resetOnEmpty(departed, empty)).stop();

    // A group read all 30 messages of a topic that was then deleted and created again with 5 new ones; one of its
    // members remembers offset 30 and seeks there while paused, so Kafka holds 30, past the new end.
    const survivor = uniqueName('lagk-survivor');
    const survivorConsumer = committingReader(survivor, recreated, { 0: 30 });
    await survivorConsumer.start();
    await waitFor(async () => JSON.stringify(await committed(survivor, recreated)) === '["30"]', {
      what: 'the survivor to commit 30',
    });
    await survivorConsumer.stop();
    await k.admin.deleteTopics([recreated]);
    await waitFor(async () => !(await k.admin.listTopics()).includes(recreated), {
      what: `${recreated} to be deleted`,
    });
    // Kafka finishes a deletion after it has answered: a create in between is lost. So create until a send lands.
    await waitFor(
      async () => {
        await k.admin.ensureTopics([{ topic: recreated, partitions: 1, replicationFactor: 1 }]);
        await publish(recreated, onPartition(0, 5));
        return true;
      },
      { what: `${recreated} created again with 5 messages`, timeoutMs: 120_000, intervalMs: 500 },
    );
    const rememberer: GroupConsumer = new GroupConsumer(k.kafka, {
      groupId: survivor,
      topics: [recreated],
      onAssigned: () => {
        rememberer.pause(recreated);
        rememberer.seek(recreated, 0, '30');
      },
      eachBatch: async () => {},
    });
    await rememberer.start();
    await waitFor(async () => JSON.stringify(await committed(survivor, recreated)) === '["30"]', {
      what: 'the survivor to hold 30 on the new topic',
    });
    await rememberer.stop();

    // Our sink, whose MySQL offsets (5,000) outlived their topics; 20 new passages on partition 0 only.
    const ours = uniqueName('lagk-sink');
    for (const [topic, partition] of [
      [sinkTopics.passages, 0],
      [sinkTopics.passages, 1],
      [sinkTopics.legacy, 0],
    ] as const) {
      await db.storage.execute(
        'INSERT INTO sink_offsets (group_id, topic, kafka_partition, next_offset, updated_at) VALUES (?, ?, ?, 5000, UTC_TIMESTAMP(3))',
        [ours, topic, partition],
      );
    }
    await publish(
      sinkTopics.passages,
      Array.from({ length: 20 }, (_, i) => ({ key: '4001', value: passageJson(i), partition: 0 })),
    );
    sink = createSink(testConfig({ mysqlUrl: db.url }), { groupId: ours, topics: sinkTopics });
    await sink.start();

    const topics = [traffic, empty, recreated, ...Object.values(sinkTopics)];
    monitor = createLagMonitor(k.config, { topics, intervalMs: 300, windowSize: 4, ourGroupId: ours });
    await monitor.start();
    const group = (id: string): GroupLagDetail | undefined =>
      monitor!.store.getSnapshot().groups.find((g) => g.groupId === id);
    await waitFor(
      () =>
        group(ours)?.partitions.find((p) => p.topic === sinkTopics.passages && p.partition === 0)
          ?.committed === '20',
      { what: 'our sink to commit its 20 passages to Kafka' },
    );
    // Enough looks to fill the Burrow windows (4 samples), so STALL and STOP could show if the rules allowed them.
    for (let i = 0; i < 6; i++) {
      await monitor.refresh();
      await sleep(300);
    }

    const groups = [reader, resetter, departed, survivor, ours];
    const described = await kafkaDescribe(k.config.kafka.brokers[0]!, groups);
    await monitor.refresh();
    const snapshot = monitor.store.getSnapshot();

    // Every row Kafka's tool prints is in the pane with the same committed offset, log end and lag; where the tool
    // prints a negative lag (committed past the end) the pane says 0.
    for (const row of described) {
      const p = group(row.group)?.partitions.find(
        (x) => x.topic === row.topic && x.partition === row.partition,
      );
      // Soft: one run reports every row that differs.
      expect
        .soft({
          at: `${row.group} ${row.topic}[${row.partition}]`,
          committed: p?.committed,
          high: p?.highWatermark,
          lag: p?.lag,
        })
        .toEqual({
          at: `${row.group} ${row.topic}[${row.partition}]`,
          committed: row.currentOffset,
          high: row.logEndOffset,
          lag: row.lag === null ? null : Math.max(0, row.lag),
        });
    }
    // And every commit the pane shows is one the tool prints.
    for (const g of snapshot.groups.filter((x) => groups.includes(x.groupId))) {
      for (const p of g.partitions.filter((x) => x.committed !== null)) {
        expect(
          described.some((r) => r.group === g.groupId && r.topic === p.topic && r.partition === p.partition),
        ).toBe(true);
      }
    }

    // The cases are really there: the tool saw each of them.
    const row = (g: string, t: string, p: number): DescribedRow | undefined =>
      described.find((r) => r.group === g && r.topic === t && r.partition === p);
    expect(row(reader, traffic, 0)).toMatchObject({ currentOffset: '30', logEndOffset: '50', lag: 20 });
    expect(row(survivor, recreated, 0)).toMatchObject({ currentOffset: '30', logEndOffset: '5', lag: -25 });
    expect(row(ours, sinkTopics.passages, 0)).toMatchObject({
      currentOffset: '20',
      logEndOffset: '20',
      lag: 0,
    });
    expect(row(departed, empty, 1)).toMatchObject({ currentOffset: null, logEndOffset: '0', lag: null });
    expect.soft(group(departed)?.partitions.map((p) => [p.highWatermark, p.committed, p.lag])).toEqual([
      ['0', null, null],
      ['0', null, null],
    ]);
    expect.soft(group(resetter)?.partitions.map((p) => [p.highWatermark, p.committed, p.lag])).toEqual([
      ['0', null, null],
      ['0', null, null],
    ]);

    // A partition nobody wrote to is never a problem and has no time lag; nothing raises an alert.
    const mine = snapshot.groups.filter((g) => groups.includes(g.groupId));
    for (const p of mine.flatMap((g) => g.partitions).filter((x) => x.highWatermark === '0')) {
      expect.soft({ at: `${p.topic}[${p.partition}]`, status: p.status, timeLagMs: p.timeLagMs }).toEqual({
        at: `${p.topic}[${p.partition}]`,
        status: p.committed === null ? 'UNKNOWN' : 'OK',
        timeLagMs: null,
      });
    }
    expect(group(survivor)?.partitions[0]).toMatchObject({ committed: '30', lag: 0, status: 'OK' });
    expect(lagAlerts({ ...snapshot, groups: mine })).toEqual([]);
  });
});
