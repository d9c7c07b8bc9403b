/** Creating the planned topics on a running stack (the plan itself is in topics.ts). */
import type { Config } from '../config/config.ts';
import { KafkaAdmin } from '../kafka/admin.ts';
import type { TopicSpec } from '../kafka/admin.ts';
import { createKafka } from '../kafka/client.ts';
import { waitFor } from '../util/backoff.ts';
import { StackError } from './errors.ts';
import type { StackLayout } from './layout.ts';
import { address } from './layout.ts';
import { topicPlan } from './topics.ts';

/**
 * Creates the toll topics that are missing and waits until every partition has a leader, so clients
 * started right after `up` can produce at once.
 */
export async function ensureStackTopics(
  config: Config,
  layout: StackLayout,
  brokerCount: number,
  timeoutMs = 30_000,
): Promise<TopicSpec[]> {
  const plan = topicPlan(brokerCount, config.topics);
  const admin = new KafkaAdmin(
    createKafka({ ...config.kafka, brokers: layout.brokers.map(address) }, { clientIdSuffix: '-stack' }),
  );
  try {
    await admin.connect();
    await admin.ensureTopics(plan);
    await waitFor(
      async () => {
        const described = await admin.describeTopics(plan.map((p) => p.topic));
        return plan.every((p) => {
          const d = described.find((t) => t.topic === p.topic);
          return d && d.partitions.length > 0 && d.partitions.every((x) => x.leader >= 0);
        });
      },
      { timeoutMs, intervalMs: 200, what: 'partition leaders of the topics' },
    );
    return plan;
  } catch (e) {
    throw new StackError(`cannot create the topics: ${(e as Error).message}`, { part: 'topics', cause: e });
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

export function describePlan(plan: TopicSpec[]): string {
  const rf = plan[0]?.replicationFactor ?? 1;
  const isr = plan[0]?.config?.['min.insync.replicas'];
  const each = plan
    .map((p) => `${p.topic} ${p.partitions}${p.config?.['cleanup.policy'] === 'compact' ? ' compacted' : ''}`)
    .join(', ');
  return `${each}; replication ${rf}${isr ? `, min.insync.replicas ${isr}` : ''}`;
}
