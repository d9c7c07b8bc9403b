/**
 * Run-scoped resources, so a benchmark never touches real data: topics named `bench-<run>.toll.*` laid out like
 * the stack's own (same partitions, replication and configs), a fresh database `tollstream_bench_<run>` with
 * the schema, and a fresh consumer group. All removed afterwards unless asked to keep them.
 */
import type { Config } from '../config/config.ts';
import { KafkaAdmin } from '../kafka/admin.ts';
import { createKafka } from '../kafka/client.ts';
import type { Topics } from '../config/config.ts';
import { topicPlan } from '../stack/topics.ts';
import { Storage } from '../storage/db.ts';
import { applySchema } from '../storage/schema.ts';
import type { Logger } from '../util/log.ts';

export interface BenchFixture {
  runId: string;
  topics: Topics;
  /** A topic for Kafka's ProducerPerformance, laid out like the passages topic (null: not asked for). */
  perfTopic: string | null;
  groupId: string;
  database: string;
  /** The config the benchmark's pipelines run with: fresh database and group. */
  config: Config;
  brokers: number;
  partitions: number;
  cleanup(): Promise<void>;
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export async function createFixture(
  config: Config,
  log: Logger,
  { keep = false, perfTopic: withPerfTopic = true } = {},
): Promise<BenchFixture> {
  const runId = `${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`;
  const admin = new KafkaAdmin(
    createKafka(config.kafka, { logger: log.child('kafka'), clientIdSuffix: '-bench' }),
  );
  await admin.connect();
  const brokers = (await admin.cluster()).brokers.length;
  const topics = Object.fromEntries(
    Object.entries(config.topics).map(([role, topic]) => [role, `bench-${runId}.${topic}`]),
  ) as Topics;
  const plan = topicPlan(brokers, topics);
  const passagesSpec = plan.find((s) => s.topic === topics.passages)!;
  const perfTopic = withPerfTopic ? `bench-${runId}.perf` : null;
  await admin.ensureTopics([...plan, ...(perfTopic ? [{ ...passagesSpec, topic: perfTopic }] : [])]);

  const database = `tollstream_bench_${runId}`;
  const url = withDatabase(config.mysql.url, database);
  const storage = await Storage.open({
    url,
    ssl: config.mysql.ssl,
    createDatabase: true,
    connectionLimit: 1,
  });
  try {
    await applySchema(storage, database);
  } finally {
    await storage.close();
  }
  const groupId = `tollstream-bench-${runId}`;
  return {
    runId,
    topics,
    perfTopic,
    groupId,
    database,
    brokers,
    partitions: passagesSpec.partitions,
    config: { ...config, groupId, topics, mysql: { ...config.mysql, url } },
    async cleanup() {
      if (keep) {
        log.info(`keeping topics bench-${runId}.*, database ${database} and group ${groupId}`);
        await admin.disconnect();
        return;
      }
      await admin
        .deleteTopics([...Object.values(topics), ...(perfTopic ? [perfTopic] : [])])
        .catch((e: unknown) => {
          log.warn(`cannot delete bench topics: ${(e as Error).message}`);
        });
      await admin.disconnect();
      const server = await Storage.open({ url: config.mysql.url, ssl: config.mysql.ssl, connectionLimit: 1 });
      try {
        await server.execute(`DROP DATABASE IF EXISTS \`${database}\``);
      } catch (e) {
        log.warn(`cannot drop ${database}: ${(e as Error).message}`);
      } finally {
        await server.close();
      }
    },
  };
}
