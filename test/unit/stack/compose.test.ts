import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { topicPlan } from '../../../src/stack/topics.ts';

interface Service {
  image: string;
  ports?: string[];
  environment?: Record<string, string | number>;
  volumes?: string[];
  healthcheck?: { test: string[] | string; interval?: string; retries?: number };
  depends_on?: Record<string, { condition: string }>;
  command?: string[] | string;
  restart?: string;
}

const file = fileURLToPath(new URL('../../../docker-compose.yml', import.meta.url));
const compose = parse(readFileSync(file, 'utf8')) as { services: Record<string, Service> };
const services = compose.services;
const service = (name: string): Service => {
  const s = services[name];
  if (!s) throw new Error(`docker-compose.yml has no service ${name}`);
  return s;
};
const commandText = (s: Service): string =>
  Array.isArray(s.command) ? s.command.join(' ') : (s.command ?? '');

describe('docker-compose.yml', () => {
  it('has ZooKeeper, Kafka, MySQL and the one-shot init services', () => {
    expect(Object.keys(services).sort()).toEqual(['kafka', 'mysql', 'mysql-init', 'topics', 'zookeeper']);
  });

  it('pins images that run Kafka 3.9 in ZooKeeper mode and MySQL 8', () => {
    expect(service('zookeeper').image).toMatch(/^confluentinc\/cp-zookeeper:7\.9\.\d+$/);
    expect(service('kafka').image).toMatch(/^confluentinc\/cp-kafka:7\.9\.\d+$/);
    expect(service('kafka').image.split(':')[1]).toBe(service('zookeeper').image.split(':')[1]);
    expect(service('mysql').image).toMatch(/^mysql:8\.\d+$/);
    expect(service('kafka').environment?.KAFKA_ZOOKEEPER_CONNECT).toBe('zookeeper:2181');
  });

  it('publishes the Docker-free stack ports on loopback, Kafka advertising 127.0.0.1:9092', () => {
    expect(service('zookeeper').ports).toEqual(['127.0.0.1:2181:2181']);
    expect(service('kafka').ports).toEqual(['127.0.0.1:9092:9092']);
    expect(service('mysql').ports).toEqual(['127.0.0.1:3306:3306']);
    expect(String(service('kafka').environment?.KAFKA_ADVERTISED_LISTENERS)).toContain('//127.0.0.1:9092');
    expect(service('kafka').environment?.KAFKA_AUTO_CREATE_TOPICS_ENABLE).toBe('false');
  });

  it('health-checks the three servers, ZooKeeper with ruok/imok', () => {
    for (const name of ['zookeeper', 'kafka', 'mysql']) {
      const hc = service(name).healthcheck;
      expect(hc, name).toBeDefined();
      expect(Array.isArray(hc!.test) ? hc!.test[0] : '', name).toMatch(/^CMD(-SHELL)?$/);
      expect(hc!.retries, name).toBeGreaterThan(0);
    }
    const zk = (service('zookeeper').healthcheck!.test as string[]).join(' ');
    expect(zk).toContain('ruok');
    expect(zk).toContain('imok');
    expect(String(service('zookeeper').environment?.KAFKA_OPTS)).toMatch(
      /4lw\.commands\.whitelist=[^ ]*ruok/,
    );
  });

  it('starts each service only after what it needs is healthy', () => {
    expect(service('kafka').depends_on).toEqual({ zookeeper: { condition: 'service_healthy' } });
    expect(service('topics').depends_on).toEqual({ kafka: { condition: 'service_healthy' } });
    expect(service('mysql-init').depends_on).toEqual({ mysql: { condition: 'service_healthy' } });
  });

  it('mounts schema.sql as the MySQL init script and allows the empty root password of the defaults', () => {
    expect(service('mysql').volumes).toContain('./schema.sql:/docker-entrypoint-initdb.d/01-schema.sql:ro');
    expect(service('mysql').environment?.MYSQL_ALLOW_EMPTY_PASSWORD).toBe('yes');
  });

  it('creates every planned topic with its partitions and compaction', () => {
    const text = commandText(service('topics'));
    for (const t of topicPlan(1)) {
      const line = text.split(';').find((l) => l.includes(`--topic ${t.topic} `));
      expect(line, t.topic).toBeDefined();
      expect(line).toContain(`--partitions ${t.partitions} `);
      expect(line).toContain(`--replication-factor ${t.replicationFactor}`);
      expect(line!.includes('cleanup.policy=compact'), t.topic).toBe(
        t.config?.['cleanup.policy'] === 'compact',
      );
    }
  });

  it('creates the SELECT-only reader account', () => {
    const text = commandText(service('mysql-init'));
    expect(text).toContain("GRANT SELECT ON tollstream.* TO 'tollstream_reader'@'%'");
    expect(text).not.toMatch(/GRANT (ALL|INSERT|UPDATE|DELETE)/);
  });
});
