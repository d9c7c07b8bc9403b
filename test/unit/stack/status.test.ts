import { describe, expect, it } from 'vitest';
import type { StackFindings, TopicStatus } from '../../../src/stack/status.ts';
import { evaluateStatus } from '../../../src/stack/status.ts';
import { formatBroker, formatTopic } from '../../../src/stack/command.ts';
import { topicPlan } from '../../../src/stack/topics.ts';

function healthyTopics(brokerCount: number): TopicStatus[] {
  return topicPlan(brokerCount).map((p) => ({
    topic: p.topic,
    plan: p,
    state: 'present',
    partitions: p.partitions,
    replicationFactor: p.replicationFactor,
    compacted: p.config?.['cleanup.policy'] === 'compact',
    minInsyncReplicas: p.config?.['min.insync.replicas'] ? 2 : 1,
    leaderless: 0,
    underReplicated: 0,
  }));
}

function healthy(): StackFindings {
  return {
    checkedAt: '2026-01-01T00:00:00.000Z',
    stateDir: '/s',
    recorded: { brokerCount: 3, startedAt: '2026-01-01T00:00:00.000Z' },
    zookeeper: {
      address: '127.0.0.1:2181',
      pid: 10,
      state: 'up',
      mode: 'standalone',
      version: '3.8.4',
      latencyMs: 1,
    },
    brokers: [0, 1, 2].map((id) => ({
      id,
      address: `127.0.0.1:${9092 + id}`,
      pid: 20 + id,
      expected: true,
      state: 'up' as const,
      controller: id === 0,
      latencyMs: 2,
    })),
    cluster: { clusterId: 'c', controller: 0 },
    topics: healthyTopics(3),
    mysql: {
      address: '127.0.0.1:3306/tollstream',
      expectedSchemaVersion: 1,
      state: 'up',
      version: '10.11.19-MariaDB',
      schemaVersion: 1,
      latencyMs: 1,
    },
  };
}

describe('evaluateStatus', () => {
  it('a healthy stack has no problems and no warnings', () => {
    expect(evaluateStatus(healthy())).toEqual({ problems: [], warnings: [], ok: true });
  });

  it('names a broker that is down, with its id and address', () => {
    const f = healthy();
    f.brokers[1] = {
      id: 1,
      address: '127.0.0.1:9093',
      pid: null,
      expected: true,
      state: 'down',
      error: 'not listening',
    };
    const r = evaluateStatus(f);
    expect(r.ok).toBe(false);
    expect(r.problems).toEqual(['broker 1 (127.0.0.1:9093) is down: not listening']);
  });

  it('names ZooKeeper and MySQL when they are down', () => {
    const f = healthy();
    f.zookeeper = { address: '127.0.0.1:2181', pid: null, state: 'down', error: 'not listening' };
    f.mysql = {
      address: '127.0.0.1:3306/tollstream',
      expectedSchemaVersion: 1,
      state: 'down',
      error: 'not listening',
    };
    expect(evaluateStatus(f).problems).toEqual([
      'ZooKeeper (127.0.0.1:2181) is down: not listening',
      'MySQL (127.0.0.1:3306/tollstream) is down: not listening',
    ]);
  });

  it('a missing topic or schema is a problem; unknown topics (no broker) add nothing of their own', () => {
    const f = healthy();
    f.topics[3] = { topic: 'toll.dlq', plan: f.topics[3]!.plan, state: 'missing' };
    f.topics[4] = { topic: 'toll', plan: f.topics[4]!.plan, state: 'unknown', error: 'no broker answers' };
    f.mysql = { ...f.mysql, state: 'up', version: 'x', schemaVersion: null, latencyMs: 1 };
    const r = evaluateStatus(f);
    expect(r.problems).toHaveLength(2);
    expect(r.problems[0]).toMatch(/^topic toll\.dlq is missing/);
    expect(r.problems[1]).toMatch(/has no tollstream schema/);
  });

  it('an older schema is a problem, leaderless partitions too; off-plan topics are warnings', () => {
    const f = healthy();
    f.mysql = { ...f.mysql, state: 'up', version: 'x', schemaVersion: 0, latencyMs: 1 };
    const passages = f.topics[0]!;
    if (passages.state !== 'present') throw new Error('fixture');
    f.topics[0] = { ...passages, partitions: 3, leaderless: 1, underReplicated: 2 };
    const plazas = f.topics[2]!;
    if (plazas.state !== 'present') throw new Error('fixture');
    f.topics[2] = { ...plazas, compacted: false, replicationFactor: 1 };
    const r = evaluateStatus(f);
    expect(r.problems).toEqual([
      'topic toll.passages has 1 partition(s) without a leader',
      'MySQL 127.0.0.1:3306/tollstream schema version 0 is older than schema.sql\'s 1 (run "tollstream stack up")',
    ]);
    expect(r.warnings).toEqual([
      'topic toll.passages has 3 partitions (planned 6)',
      'topic toll.passages has 2 under-replicated partition(s)',
      'topic toll.plazas has replication factor 1 (planned 3)',
      'topic toll.plazas is not compacted, unlike the plan',
    ]);
  });

  it('a broker outside the stack is a warning, not a problem', () => {
    const f = healthy();
    f.brokers.push({
      id: 7,
      address: '127.0.0.1:9999',
      pid: null,
      expected: false,
      state: 'up',
      controller: false,
      latencyMs: 0,
    });
    expect(evaluateStatus(f)).toMatchObject({ ok: true, warnings: [expect.stringMatching(/broker 7/)] });
  });
});

describe('status lines', () => {
  it('formats brokers and topics', () => {
    const f = healthy();
    expect(formatBroker(f.brokers[0]!)).toMatch(/^127\.0\.0\.1:9092\s+up\s+controller, 2 ms\s+pid 20$/);
    expect(
      formatBroker({
        id: 1,
        address: '127.0.0.1:9093',
        pid: null,
        expected: true,
        state: 'down',
        error: 'not listening',
      }),
    ).toMatch(/DOWN\s+not listening$/);
    expect(formatTopic(f.topics[2]!)).toMatch(
      /toll\.plazas\s+3 partitions, replication 3, min\.insync 2, compacted$/,
    );
  });
});
