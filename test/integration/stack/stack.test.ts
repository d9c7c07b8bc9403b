/**
 * `tollstream stack up | status | down` on a private one-broker stack (ZooKeeper 22181, broker 29092, own
 * state dir and MariaDB): readiness, topics, schema and reader account, idempotent up, a killed broker being
 * reported and brought back, clean shutdown, purge, and the failure message for a taken port.
 */
import { statSync, existsSync, readdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaAdmin } from '../../../src/kafka/admin.ts';
import { createKafka } from '../../../src/kafka/client.ts';
import { Storage } from '../../../src/storage/db.ts';
import { stackProcesses } from '../../../src/stack/down.ts';
import { isAlive } from '../../../src/stack/processes.ts';
import { readerUrl } from '../../../src/stack/reader.ts';
import { readRecord } from '../../../src/stack/record.ts';
import { stackStatus } from '../../../src/stack/status.ts';
import { topicPlan } from '../../../src/stack/topics.ts';
import { fourLetterWord } from '../../../src/stack/zookeeper.ts';
import type { PrivateMariadb, PrivateStack } from './helpers.ts';
import { cli, privateMariadb, privateStack } from './helpers.ts';

const ZK_PORT = 22181;
const BROKER_PORT = 29092;

let mariadb: PrivateMariadb;
let stack: PrivateStack;
const record = () => readRecord(path.join(stack.stateDir, 'stack.json'))!;

beforeAll(async () => {
  mariadb = await privateMariadb();
  stack = privateStack({ zookeeperPort: ZK_PORT, brokerPort: BROKER_PORT, mysqlUrl: mariadb.url });
});

afterAll(async () => {
  if (stack) await cli(stack, ['stack', 'down', '--purge']);
  await mariadb?.stop();
});

async function withAdmin<T>(work: (admin: KafkaAdmin) => Promise<T>): Promise<T> {
  const admin = await new KafkaAdmin(
    createKafka(stack.config.kafka, { clientIdSuffix: '-stack-test' }),
  ).connect();
  try {
    return await work(admin);
  } finally {
    await admin.disconnect();
  }
}

describe('stack on private ports', () => {
  it('up starts ZooKeeper and a broker, showing progress, and records them', async () => {
    const r = await cli(stack, ['stack', 'up']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/ZooKeeper\s+127\.0\.0\.1:22181 ready \(\d+\.\d s\)/);
    expect(r.stdout).toMatch(/broker 0\s+127\.0\.0\.1:29092 ready \(\d+\.\d s\)/);
    expect(r.stdout).toMatch(/stack\s+up in \d+\.\d s/);
    const rec = record();
    expect(rec.brokerCount).toBe(1);
    expect(rec.zookeeper.port).toBe(ZK_PORT);
    expect(rec.brokers.map((b) => [b.id, b.port])).toEqual([[0, BROKER_PORT]]);
    expect(isAlive(rec.zookeeper.pid!)).toBe(true);
    expect(isAlive(rec.brokers[0]!.pid!)).toBe(true);
    expect(existsSync(path.join(stack.stateDir, 'logs', 'kafka-0.log'))).toBe(true);
    expect(existsSync(path.join(stack.stateDir, 'logs', 'zookeeper.log'))).toBe(true);
  });

  it('ZooKeeper answers ruok with imok', async () => {
    expect(await fourLetterWord({ host: '127.0.0.1', port: ZK_PORT }, 'ruok')).toBe('imok');
  });

  it('the broker is registered and the toll topics exist with their partitions and compaction', async () => {
    await withAdmin(async (admin) => {
      const cluster = await admin.cluster();
      expect(cluster.brokers).toEqual([{ nodeId: 0, host: '127.0.0.1', port: BROKER_PORT }]);
      const described = await admin.describeTopics(topicPlan(1).map((t) => t.topic));
      for (const spec of topicPlan(1)) {
        const d = described.find((t) => t.topic === spec.topic);
        expect(d?.partitions.length, spec.topic).toBe(spec.partitions);
        expect(d?.partitions.every((p) => p.replicas.length === 1 && p.leader === 0)).toBe(true);
        const cfg = await admin.topicConfig(spec.topic, ['cleanup.policy']);
        const compacted = spec.topic === 'toll.plazas' || spec.topic === 'toll.anomalies';
        expect(cfg['cleanup.policy'], spec.topic).toBe(compacted ? 'compact' : 'delete');
      }
    });
  });

  it('MySQL has the schema and a SELECT-only reader whose password is only in reader.secret (0600)', async () => {
    const secret = path.join(stack.stateDir, 'reader.secret');
    expect(statSync(secret).mode & 0o777).toBe(0o600);
    const reader = await Storage.open({ url: readerUrl(stack.config) });
    try {
      const tables = (await reader.query<{ t: string }>('SHOW FULL TABLES')).map((r) => Object.values(r)[0]);
      expect(tables).toEqual(
        expect.arrayContaining([
          'passages',
          'payments',
          'plazas',
          'sink_offsets',
          'schema_version',
          'livetolldata',
        ]),
      );
      expect(await reader.query('SELECT COUNT(*) AS n FROM livetolldata')).toEqual([{ n: '0' }]); // BIGINT as string
      await expect(reader.execute('DELETE FROM passages')).rejects.toThrow(/denied/i);
    } finally {
      await reader.close();
    }
  });

  it('status exits 0 and the programmatic status agrees', async () => {
    const r = await cli(stack, ['stack', 'status']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/ZooKeeper\s+127\.0\.0\.1:22181\s+up\s+standalone/);
    expect(r.stdout).toMatch(/broker 0\s+127\.0\.0\.1:29092\s+up\s+controller/);
    expect(r.stdout).toMatch(/toll\.plazas\s+3 partitions, replication 1, compacted/);
    expect(r.stdout).toMatch(/MySQL .* schema v4 \(schema\.sql v4\)/);
    const s = await stackStatus(stack.config);
    expect(s.ok).toBe(true);
    expect(s.problems).toEqual([]);
    expect(s.brokers.map((b) => [b.id, b.state])).toEqual([[0, 'up']]);
    expect(s.topics.every((t) => t.state === 'present')).toBe(true);
  });

  it('a second up says "already running" and keeps the processes', async () => {
    const before = record();
    const r = await cli(stack, ['stack', 'up']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/already running/);
    expect(record().brokers[0]!.pid).toBe(before.brokers[0]!.pid);
    expect(record().zookeeper.pid).toBe(before.zookeeper.pid);
  });

  it('configured topic names are what status checks and up creates', async () => {
    const renamed = { TOLLSTREAM_TOPIC_DLQ: 'east.toll.dlq' };
    const before = await cli(stack, ['stack', 'status'], renamed);
    expect(before.code).toBe(1);
    expect(before.stdout + before.stderr).toMatch(/east\.toll\.dlq/);
    const up = await cli(stack, ['stack', 'up'], renamed);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toMatch(/east\.toll\.dlq 3/);
    expect((await cli(stack, ['stack', 'status'], renamed)).code).toBe(0);
    const bad = await cli(stack, ['stack', 'status'], { TOLLSTREAM_TOPIC_DLQ: 'toll.passages' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/each role needs its own topic/);
  });

  it('a broker killed by hand is reported down (non-zero) and the next up brings it back', async () => {
    const killed = record().brokers[0]!.pid!;
    process.kill(killed, 'SIGKILL');
    while (isAlive(killed)) await new Promise((r) => setTimeout(r, 50));

    const down = await cli(stack, ['stack', 'status']);
    expect(down.code).toBe(1);
    expect(down.stderr).toContain('broker 0 (127.0.0.1:29092) is down');
    expect((await stackStatus(stack.config)).brokers[0]).toMatchObject({ id: 0, state: 'down' });

    const up = await cli(stack, ['stack', 'up']);
    expect(up.code).toBe(0);
    expect(up.stdout).toMatch(/ZooKeeper\s+127\.0\.0\.1:22181 already running/);
    expect(up.stdout).toMatch(/broker 0\s+127\.0\.0\.1:29092 ready/);
    const revived = record().brokers[0]!.pid!;
    expect(revived).not.toBe(killed);
    expect(isAlive(revived)).toBe(true);
    expect((await cli(stack, ['stack', 'status'])).code).toBe(0);
  });

  it('down stops every JVM of the stack (checked in /proc) and exits 0; a second down is harmless', async () => {
    const pids = [record().zookeeper.pid!, record().brokers[0]!.pid!];
    const r = await cli(stack, ['stack', 'down']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/broker 0\s+127\.0\.0\.1:29092 stopped/);
    expect(r.stdout).toMatch(/ZooKeeper\s+127\.0\.0\.1:22181 stopped/);
    expect(pids.filter(isAlive)).toEqual([]);
    expect(stackProcesses(stack.stateDir)).toEqual([]);
    expect(record().zookeeper.pid).toBeNull();

    const again = await cli(stack, ['stack', 'down']);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/nothing running/);

    const status = await cli(stack, ['stack', 'status']);
    expect(status.code).toBe(1);
    expect(status.stderr).toContain('ZooKeeper (127.0.0.1:22181) is down');
  });

  it('a port taken by something else stops up with one message naming the port and its owner', async () => {
    const squatter = net.createServer();
    await new Promise<void>((resolve, reject) => {
      squatter.once('error', reject);
      squatter.listen(BROKER_PORT, '127.0.0.1', () => resolve());
    });
    try {
      const r = await cli(stack, ['stack', 'up']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(
        new RegExp(
          `cannot start broker 0 \\(127\\.0\\.0\\.1:${BROKER_PORT}\\): port ${BROKER_PORT} is already in use by pid ${process.pid}`,
        ),
      );
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(stackProcesses(stack.stateDir)).toEqual([]); // nothing was started
    } finally {
      await new Promise<void>((r) => squatter.close(() => r()));
    }
  });

  it('down --purge deletes the state but never the jar cache', async () => {
    const r = await cli(stack, ['stack', 'down', '--purge']);
    expect(r.code).toBe(0);
    expect(existsSync(stack.stateDir)).toBe(false);
    expect(
      readdirSync(path.join(path.dirname(new URL(import.meta.url).pathname), '../../../.tollstream/jars'))
        .length,
    ).toBeGreaterThan(50);
  });
});
