/**
 * Helpers for integration tests against the real stack (`tollstream stack up`, or what TOLLSTREAM_* points at).
 * They start nothing: each test gets its own database and topics on the running services and removes them after.
 */
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../src/config/config.ts';
import type { Config } from '../../src/config/config.ts';
import { createKafka } from '../../src/kafka/client.ts';
import { KafkaAdmin } from '../../src/kafka/admin.ts';
import type { TopicSpec } from '../../src/kafka/admin.ts';
import { Storage } from '../../src/storage/db.ts';
import { applySchema } from '../../src/storage/schema.ts';

export { waitFor } from '../../src/util/backoff.ts';

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
  cleanup(): Promise<void>;
}

export async function testKafka(): Promise<TestKafka> {
  const config = testConfig();
  const kafka = createKafka(config.kafka, { clientIdSuffix: '-test' });
  const admin = await new KafkaAdmin(kafka).connect();
  const created: string[] = [];
  return {
    config,
    kafka,
    admin,
    async topics(specs) {
      const named = specs.map((s) => ({ ...s, topic: uniqueName(s.topic), replicationFactor: 1 }));
      await admin.ensureTopics(named);
      created.push(...named.map((s) => s.topic));
      return named.map((s) => s.topic);
    },
    async cleanup() {
      await admin.deleteTopics(created).catch(() => {});
      await admin.disconnect();
    },
  };
}
