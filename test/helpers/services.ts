/**
 * Helpers for integration tests against the real stack (`tollstream stack up`, or what TOLLSTREAM_* points at).
 * They start nothing: each test gets its own database and topics on the running services and removes them after.
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { loadConfig, TOPIC_ENV } from '../../src/config/config.ts';
import type { Config, Topics } from '../../src/config/config.ts';
import { createKafka } from '../../src/kafka/client.ts';
import { KafkaAdmin } from '../../src/kafka/admin.ts';
import type { TopicSpec } from '../../src/kafka/admin.ts';
import { Storage } from '../../src/storage/db.ts';
import { applySchema } from '../../src/storage/schema.ts';

export { waitFor } from '../../src/util/backoff.ts';

/** A TCP port free on 127.0.0.1 right now, for a private server. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}

/** The config tests run with: defaults overridden by TOLLSTREAM_* like the CLI, then by `flags`. */
export function testConfig(flags: Record<string, unknown> = {}): Config {
  return loadConfig(flags, process.env, process.cwd());
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export interface TestDatabase {
  name: string;
  url: string;
  storage: Storage;
  drop(): Promise<void>;
}

/** A fresh database with schema.sql applied, dropped by `drop()`. */
export async function freshDatabase(prefix = 'tollstream_t'): Promise<TestDatabase> {
  const cfg = testConfig();
  const name = uniqueName(prefix);
  const url = withDatabase(cfg.mysql.url, name);
  const storage = await Storage.open({ url, createDatabase: true });
  await applySchema(storage, name);
  return {
    name,
    url,
    storage,
    async drop() {
      await storage.execute(`DROP DATABASE IF EXISTS \`${name}\``).catch(() => {});
      await storage.close();
    },
  };
}

export interface TestKafka {
  config: Config;
  kafka: ReturnType<typeof createKafka>;
  admin: KafkaAdmin;
  /** Creates uniquely named topics; they are deleted by `cleanup()`. */
  topics(specs: Omit<TopicSpec, 'replicationFactor'>[]): Promise<string[]>;
  /** A fresh set of the five toll topics, `<prefix>.passages` ... , laid out like the stack's. */
  pipelineTopics(prefix: string, partitions: number): Promise<Topics>;
  cleanup(): Promise<void>;
}

/** The environment that moves a `tollstream` process onto `topics`. */
export function topicEnv(topics: Topics): Record<string, string> {
  return Object.fromEntries(
    Object.entries(TOPIC_ENV).map(([role, name]) => [name, topics[role as keyof Topics]]),
  );
}

export async function testKafka(): Promise<TestKafka> {
  const config = testConfig();
  const kafka = createKafka(config.kafka, { clientIdSuffix: '-test' });
  const admin = await new KafkaAdmin(kafka).connect();
  const created: string[] = [];
  const topics: TestKafka['topics'] = async (specs) => {
    const named = specs.map((s) => ({ ...s, topic: uniqueName(s.topic), replicationFactor: 1 }));
    await admin.ensureTopics(named);
    created.push(...named.map((s) => s.topic));
    return named.map((s) => s.topic);
  };
  return {
    config,
    kafka,
    admin,
    topics,
    async pipelineTopics(prefix, partitions) {
      const [passages, payments, plazas, dlq, legacy, anomalies] = await topics([
        { topic: `${prefix}.passages`, partitions },
        { topic: `${prefix}.payments`, partitions },
        { topic: `${prefix}.plazas`, partitions: 1, config: { 'cleanup.policy': 'compact' } },
        { topic: `${prefix}.dlq`, partitions: 1 },
        { topic: `${prefix}.legacy`, partitions: 1 },
        { topic: `${prefix}.anomalies`, partitions: 1, config: { 'cleanup.policy': 'compact' } },
      ]);
      return {
        passages: passages!,
        payments: payments!,
        plazas: plazas!,
        dlq: dlq!,
        legacy: legacy!,
        anomalies: anomalies!,
      };
    },
    async cleanup() {
      await admin.deleteTopics(created).catch(() => {});
      await admin.disconnect();
    },
  };
}
