/**
 * `stack up --brokers 3` on private ports (ZooKeeper 22281, brokers 29292-29294): three live brokers, topics with
 * replication factor 3 and min.insync.replicas=2, a killed broker named by status while the topics keep their
 * leaders, and `up` bringing it back.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaAdmin } from '../../../src/kafka/admin.ts';
import { createKafka } from '../../../src/kafka/client.ts';
import { stackProcesses } from '../../../src/stack/down.ts';
import { isAlive } from '../../../src/stack/processes.ts';
import { readRecord } from '../../../src/stack/record.ts';
import { stackStatus } from '../../../src/stack/status.ts';
import { topicPlan } from '../../../src/stack/topics.ts';
import type { PrivateMariadb, PrivateStack } from './helpers.ts';
import { cli, privateMariadb, privateStack } from './helpers.ts';

let mariadb: PrivateMariadb;
let stack: PrivateStack;
const record = () => readRecord(path.join(stack.stateDir, 'stack.json'))!;

beforeAll(async () => {
  mariadb = await privateMariadb();
  stack = privateStack({ zookeeperPort: 22281, brokerPort: 29292, mysqlUrl: mariadb.url });
});

afterAll(async () => {
  if (stack) await cli(stack, ['stack', 'down', '--purge']);
  await mariadb?.stop();
});

describe('three-broker stack', () => {
  it('up --brokers 3 starts three brokers on consecutive ports', async () => {
    const r = await cli(stack, ['stack', 'up', '--brokers', '3']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    for (const [id, port] of [
      [0, 29292],
      [1, 29293],
      [2, 29294],
    ]) {
      expect(r.stdout).toMatch(new RegExp(`broker ${id}\\s+127\\.0\\.0\\.1:${port} ready`));
    }
    expect(r.stdout).toMatch(/replication 3, min\.insync\.replicas 2/);
    expect(record().brokerCount).toBe(3);
  });

  it('all three are registered and every topic has replication factor 3 and min.insync.replicas=2', async () => {
    const admin = await new KafkaAdmin(
      createKafka(stack.config.kafka, { clientIdSuffix: '-stack-test' }),
    ).connect();
    try {
      expect((await admin.cluster()).brokers.map((b) => [b.nodeId, b.port])).toEqual([
        [0, 29292],
        [1, 29293],
        [2, 29294],
      ]);
      const described = await admin.describeTopics(topicPlan(3).map((t) => t.topic));
      for (const spec of topicPlan(3)) {
        const d = described.find((t) => t.topic === spec.topic)!;
        expect(d.partitions.length, spec.topic).toBe(spec.partitions);
        expect(d.partitions.every((p) => p.replicas.length === 3)).toBe(true);
        const cfg = await admin.topicConfig(spec.topic, ['min.insync.replicas', 'cleanup.policy']);
        expect(cfg['min.insync.replicas'], spec.topic).toBe('2');
        expect(cfg['cleanup.policy'] === 'compact', spec.topic).toBe(
          spec.topic === 'toll.plazas' || spec.topic === 'toll.anomalies',
        );
      }
    } finally {
      await admin.disconnect();
    }
    const s = await stackStatus(stack.config);
    expect(s.problems).toEqual([]);
    expect(s.brokers.filter((b) => b.state === 'up')).toHaveLength(3);
  });

  it('a killed broker is named by status; up brings it back', async () => {
    const killed = record().brokers[1]!.pid!;
    process.kill(killed, 'SIGKILL');
    while (isAlive(killed)) await new Promise((r) => setTimeout(r, 50));

    const status = await cli(stack, ['stack', 'status']);
    expect(status.code).toBe(1);
    expect(status.stderr).toContain('broker 1 (127.0.0.1:29293) is down');
    expect(status.stderr).not.toMatch(/broker [02]/);

    const up = await cli(stack, ['stack', 'up']); // the recorded broker count is the default
    expect(up.code).toBe(0);
    expect(up.stdout).toMatch(/broker 0\s+127\.0\.0\.1:29292 already running/);
    expect(up.stdout).toMatch(/broker 1\s+127\.0\.0\.1:29293 ready/);
    expect(isAlive(record().brokers[1]!.pid!)).toBe(true);
    expect((await cli(stack, ['stack', 'status'])).code).toBe(0);
  });

  it('asking the 3-broker state dir for 1 broker is refused with what to do', async () => {
    const r = await cli(stack, ['stack', 'up', '--brokers', '1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/was created with 3 brokers; run "tollstream stack down --purge" first/);
  });

  it('down stops all four JVMs', async () => {
    const r = await cli(stack, ['stack', 'down']);
    expect(r.code).toBe(0);
    expect(stackProcesses(stack.stateDir)).toEqual([]);
  });
});
