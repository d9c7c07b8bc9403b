/**
 * The toll topics (TOPICS in domain/types.ts) as the stack creates them, under the configured names (config
 * `topics.*`). One broker: replication factor 1. Three brokers: replication factor 3 and min.insync.replicas=2, so
 * one broker may fail without losing acknowledged writes.
 */
import { TOPICS } from '../domain/types.ts';
import type { TopicRole } from '../domain/types.ts';
import type { Topics } from '../config/config.ts';
import type { TopicSpec } from '../kafka/admin.ts';

export { TOPICS };

const LAYOUT: Record<TopicRole, { partitions: number; config?: Record<string, string> }> = {
  passages: { partitions: 6 },
  payments: { partitions: 6 },
  plazas: { partitions: 3, config: { 'cleanup.policy': 'compact' } },
  dlq: { partitions: 3 },
  legacy: { partitions: 3 },
  // A finding is republished after a crash between its publication and its mark: compaction keeps one per id.
  anomalies: { partitions: 3, config: { 'cleanup.policy': 'compact' } },
};

export function topicPlan(brokerCount: number, topics: Topics = TOPICS): TopicSpec[] {
  const replicated = brokerCount >= 3;
  const base: Record<string, string> = replicated ? { 'min.insync.replicas': '2' } : {};
  return (Object.keys(LAYOUT) as TopicRole[]).map((role) => ({
    topic: topics[role],
    partitions: LAYOUT[role].partitions,
    replicationFactor: replicated ? 3 : 1,
    config: { ...base, ...LAYOUT[role].config },
  }));
}
