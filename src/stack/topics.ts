/**
 * The topics of DESIGN.md as the stack creates them. One broker: replication factor 1. Three brokers:
 * replication factor 3 and min.insync.replicas=2, so one broker may fail without losing acknowledged writes.
 */
import { TOPICS } from '../domain/types.ts';
import type { TopicSpec } from '../kafka/admin.ts';

export { TOPICS };

export function topicPlan(brokerCount: number): TopicSpec[] {
  const replicated = brokerCount >= 3;
  const replicationFactor = replicated ? 3 : 1;
  const base: Record<string, string> = replicated ? { 'min.insync.replicas': '2' } : {};
  const spec = (topic: string, partitions: number, config: Record<string, string> = {}): TopicSpec => ({
    topic,
    partitions,
    replicationFactor,
    config: { ...base, ...config },
  });
  return [
    spec(TOPICS.passages, 6),
    spec(TOPICS.payments, 6),
    spec(TOPICS.plazas, 3, { 'cleanup.policy': 'compact' }),
    spec(TOPICS.dlq, 3),
    spec(TOPICS.legacy, 3),
  ];
}
