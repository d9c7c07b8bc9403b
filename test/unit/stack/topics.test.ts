import { describe, expect, it } from 'vitest';
import { TOPICS, topicPlan } from '../../../src/stack/topics.ts';

describe('topicPlan', () => {
  it('one broker: replication 1, the default partitions, toll.plazas and toll.anomalies compacted', () => {
    const plan = topicPlan(1);
    expect(plan.map((t) => [t.topic, t.partitions, t.replicationFactor])).toEqual([
      ['toll.passages', 6, 1],
      ['toll.payments', 6, 1],
      ['toll.plazas', 3, 1],
      ['toll.dlq', 3, 1],
      ['toll', 3, 1],
      ['toll.anomalies', 3, 1],
    ]);
    const compacted: string[] = [TOPICS.plazas, TOPICS.anomalies];
    for (const topic of compacted)
      expect(plan.find((t) => t.topic === topic)?.config).toEqual({ 'cleanup.policy': 'compact' });
    for (const t of plan.filter((x) => !compacted.includes(x.topic))) expect(t.config).toEqual({});
  });

  it('three brokers: replication 3 and min.insync.replicas=2 everywhere', () => {
    const plan = topicPlan(3);
    expect(plan).toHaveLength(6);
    for (const t of plan) {
      expect(t.replicationFactor).toBe(3);
      expect(t.config?.['min.insync.replicas']).toBe('2');
    }
    expect(plan.find((t) => t.topic === TOPICS.plazas)?.config?.['cleanup.policy']).toBe('compact');
  });
});
