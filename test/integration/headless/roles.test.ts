/**
 * `--role producer|consumer` as separate processes sharing one consumer group: a consumer killed with SIGKILL
 * mid-run and restarted, and two consumers sharing partitions where one is killed, both end exactly once
 * (MySQL holds what kcat reads from the passages topic, each event id once).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, testKafka, topicEnv, uniqueName, waitFor } from '../../helpers/services.ts';
import type { TestDatabase, TestKafka } from '../../helpers/services.ts';
import type { CliRun } from './cli.ts';
import { eventIdsOnTopic, expectExactlyOnce, passageCount, passageIds, tollstream } from './cli.ts';

describe('tollstream --headless --role', () => {
  let k: TestKafka;
  const dbs: TestDatabase[] = [];
  const runs: CliRun[] = [];
  beforeAll(async () => {
    k = await testKafka();
  });
  afterAll(async () => {
    for (const r of runs) if (r.child.exitCode === null) r.child.kill('SIGKILL');
    for (const db of dbs) await db.drop();
    await k.cleanup();
  });

  async function isolated() {
    const topics = await k.pipelineTopics('role', 4);
    const db = await freshDatabase('tollstream_role');
    dbs.push(db);
    const group = uniqueName('role-group');
    const env = topicEnv(topics);
    const start = (args: string[]): CliRun => {
      const run = tollstream(['--headless', '--mysql-url', db.url, '--group', group, ...args], env);
      runs.push(run);
      return run;
    };
    return { topics, db, group, start };
  }

  it('a consumer killed with SIGKILL mid-run and restarted still persists every passage exactly once', async () => {
    const { topics, db, start } = await isolated();
    const producer = start([
      '--role',
      'producer',
      '--events',
      '15000',
      '--rate',
      '1500',
      '--source',
      'simulator:curve=flat',
    ]);
    const first = start(['--role', 'consumer']);
    await waitFor(async () => (await passageCount(db.storage)) > 2000, {
      what: 'the first consumer to persist',
    });
    first.child.kill('SIGKILL');
    expect(await first.exited).toBeNull();
    const second = start(['--role', 'consumer']);
    expect(await producer.exited, producer.stderr()).toBe(0);
    expect(producer.summary()).toMatchObject({
      role: 'producer',
      produced: 15000,
      reconciled: null,
      verified: { shortfalls: [], error: null },
      reason: expect.stringMatching(
        /^not reconciled: no consumer in this process \(all 15000 passages acknowledged by Kafka, each acknowledgement checked per partition/,
      ),
    });
    await waitFor(async () => (await passageCount(db.storage)) >= 15000, {
      what: '15000 passages in MySQL',
      timeoutMs: 90_000,
    });
    second.child.kill('SIGTERM');
    expect(await second.exited, second.stderr()).toBe(0);
    expect(second.summary()).toMatchObject({ role: 'consumer', stoppedBy: 'signal', reconciled: null });
    const kafkaIds = await eventIdsOnTopic(k, topics.passages, 15000);
    expect(new Set(kafkaIds).size).toBe(kafkaIds.length);
    expect(expectExactlyOnce(kafkaIds, await passageIds(db.storage))).toEqual({ kafka: 15000, mysql: 15000 });
  });

  it('two consumers share the partitions; killing one moves its partitions to the other, exactly once', async () => {
    const { topics, db, group, start } = await isolated();
    const a = start(['--role', 'consumer']);
    const b = start(['--role', 'consumer']);
    const assignments = async () => {
      const [g] = await k.admin.describeGroups([group]);
      return (g?.members ?? []).map((m) => m.assignment[topics.passages] ?? []);
    };
    await waitFor(
      async () => {
        const owned = await assignments();
        return owned.length === 2 && owned.every((p) => p.length === 2) ? owned : null;
      },
      { what: 'both consumers to own two passage partitions each', timeoutMs: 60_000 },
    );
    const producer = start([
      '--role',
      'producer',
      '--events',
      '12000',
      '--rate',
      '1500',
      '--source',
      'simulator:curve=flat',
    ]);
    await waitFor(async () => (await passageCount(db.storage)) > 2000, { what: 'passages to flow' });
    a.child.kill('SIGKILL');
    await waitFor(
      async () => {
        const owned = await assignments();
        return owned.length === 1 && owned[0]!.length === 4;
      },
      { what: 'the survivor to own all four partitions', timeoutMs: 60_000 },
    );
    expect(await producer.exited, producer.stderr()).toBe(0);
    await waitFor(async () => (await passageCount(db.storage)) >= 12000, {
      what: '12000 passages in MySQL',
      timeoutMs: 90_000,
    });
    b.child.kill('SIGINT');
    expect(await b.exited, b.stderr()).toBe(0);
    const kafkaIds = await eventIdsOnTopic(k, topics.passages, 12000);
    expect(expectExactlyOnce(kafkaIds, await passageIds(db.storage))).toEqual({ kafka: 12000, mysql: 12000 });
  });
});
