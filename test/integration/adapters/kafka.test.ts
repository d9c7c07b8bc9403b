import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaPublisher } from '../../../src/kafka/producer.ts';
import { GroupConsumer } from '../../../src/kafka/consumer.ts';
import type { ConsumedMessage } from '../../../src/kafka/consumer.ts';
import { testKafka, uniqueName, waitFor } from '../../helpers/services.ts';
import type { TestKafka } from '../../helpers/services.ts';

describe('Kafka adapter on the real broker', () => {
  let k: TestKafka;
  beforeAll(async () => {
    k = await testKafka();
  });
  afterAll(async () => {
    await k.cleanup();
  });

  it('creates topics idempotently and describes partitions and config', async () => {
    const [topic] = await k.topics([
      { topic: 'adapter.create', partitions: 4, config: { 'cleanup.policy': 'compact' } },
    ]);
    expect(await k.admin.ensureTopics([{ topic: topic!, partitions: 4, replicationFactor: 1 }])).toEqual([]);
    const [desc] = await k.admin.describeTopics([topic!]);
    expect(desc?.partitions.map((p) => p.partition)).toEqual([0, 1, 2, 3]);
    expect(desc?.partitions.every((p) => p.replicas.length === 1)).toBe(true);
    expect(await k.admin.topicConfig(topic!, ['cleanup.policy'])).toEqual({ 'cleanup.policy': 'compact' });
    const cluster = await k.admin.cluster();
    expect(cluster.brokers.length).toBeGreaterThanOrEqual(1);
    expect(cluster.controller).not.toBeNull();
  });

  it('produces with keys, consumes every message once in a group, and reports offsets', async () => {
    const [topic] = await k.topics([{ topic: 'adapter.flow', partitions: 3 }]);
    const groupId = uniqueName('adapter-group');
    const publisher = new KafkaPublisher(k.kafka);
    await publisher.connect();
    const messages = Array.from({ length: 300 }, (_, i) => ({ key: String(4000 + (i % 7)), value: `m${i}` }));
    const sent = await publisher.send([{ topic: topic!, messages }]);
    expect(sent.every((s) => s.topic === topic)).toBe(true);
    await publisher.disconnect();

    const offsets = await k.admin.topicOffsets(topic!);
    expect(offsets.reduce((n, o) => n + Number(o.high) - Number(o.low), 0)).toBe(300);

    const seen: ConsumedMessage[] = [];
    const partitionsOfKey = new Map<string, Set<number>>();
    let assigned: Record<string, number[]> = {};
    const consumer = new GroupConsumer(k.kafka, {
      groupId,
      topics: [topic!],
      onAssigned: (a) => {
        assigned = a;
      },
      eachBatch: async (batch, control) => {
        for (const m of batch.messages) {
          seen.push(m);
          const key = m.key!.toString();
          if (!partitionsOfKey.has(key)) partitionsOfKey.set(key, new Set());
          partitionsOfKey.get(key)!.add(batch.partition);
          control.resolveOffset(m.offset);
        }
        await control.commitOffsetsIfNecessary();
      },
    });
    await consumer.start();
    await waitFor(() => seen.length >= 300, { what: '300 messages' });
    expect(new Set(seen.map((m) => m.value!.toString())).size).toBe(300);
    // Same key, same partition: per-plaza order rests on this.
    for (const parts of partitionsOfKey.values()) expect(parts.size).toBe(1);
    expect(assigned[topic!]?.sort()).toEqual([0, 1, 2]);
    await waitFor(
      async () => {
        const [g] = await k.admin.groupOffsets(groupId, [topic!]);
        return g!.partitions.reduce((n, p) => n + Number(p.offset ?? 0), 0) === 300;
      },
      { what: 'committed offsets to reach 300' },
    );
    expect(await k.admin.listGroups()).toContain(groupId);
    const [desc] = await k.admin.describeGroups([groupId]);
    expect(desc?.members[0]?.assignment[topic!]?.sort()).toEqual([0, 1, 2]);
    await consumer.stop();
  });

  it('reports null committed offsets for a group that never committed', async () => {
    const [topic] = await k.topics([{ topic: 'adapter.nocommit', partitions: 2 }]);
    const [g] = await k.admin.groupOffsets(uniqueName('never'), [topic!]);
    expect(g?.partitions).toEqual([
      { partition: 0, offset: null },
      { partition: 1, offset: null },
    ]);
  });
});
