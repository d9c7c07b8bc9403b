/**
 * `tollstream --headless` end to end as a child process on the real broker and MariaDB, each test on its own
 * topics (TOLLSTREAM_TOPIC_* overrides), database and group; Kafka is read back with kcat.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, testKafka, topicEnv, uniqueName, waitFor } from '../../helpers/services.ts';
import type { TestDatabase, TestKafka } from '../../helpers/services.ts';
import type { Topics } from '../../../src/config/config.ts';
import { eventIdsOnTopic, expectExactlyOnce, passageCount, passageIds, tollstream } from './cli.ts';

/** The classic toll data set of ../shared/data (read at test time, never copied into the repository). */
const TOLLDATA = fileURLToPath(new URL('../../../../shared/data/tolldata', import.meta.url));

describe('tollstream --headless', () => {
  let k: TestKafka;
  const dbs: TestDatabase[] = [];
  beforeAll(async () => {
    k = await testKafka();
  });
  afterAll(async () => {
    for (const db of dbs) await db.drop();
    await k.cleanup();
  });

  async function isolated(): Promise<{
    topics: Topics;
    db: TestDatabase;
    group: string;
    env: Record<string, string>;
  }> {
    const topics = await k.pipelineTopics('hl', 3);
    const db = await freshDatabase('tollstream_hl');
    dbs.push(db);
    return { topics, db, group: uniqueName('hl-group'), env: topicEnv(topics) };
  }

  it('runs for --duration at --rate, exits 0, and MySQL holds exactly what Kafka holds', async () => {
    const { topics, db, group, env } = await isolated();
    const run = tollstream(
      [
        '--headless',
        '--duration',
        '10s',
        '--rate',
        '500',
        // flat: the daily curve would make 500/s anywhere from 44/s (3 am) to 880/s (8 am)
        '--source',
        'simulator:curve=flat',
        '--mysql-url',
        db.url,
        '--group',
        group,
        '--interval',
        '1s',
      ],
      env,
    );
    const code = await run.exited;
    expect(code, run.stderr()).toBe(0);
    const statuses = run.lines.filter((l) => l.type === 'status');
    expect(statuses.length).toBeGreaterThanOrEqual(8);
    expect(statuses[0]).toHaveProperty('producers');
    const summary = run.summary()!;
    expect(summary).toMatchObject({
      type: 'summary',
      role: 'all',
      stoppedBy: 'duration',
      reconciled: true,
      missing: 0,
      duplicatesFound: 0,
      failed: 0,
      unacked: 0,
      lag: 0,
    });
    const produced = summary.produced as number;
    // About 500/s for 10 s (the pace holds it within ~1 %); startup and the last window leave room.
    expect(produced).toBeGreaterThan(3500);
    expect(produced).toBeLessThan(6000);
    expect(summary.persisted).toBe(produced);
    expect(summary.latencyP99Ms).toEqual(expect.any(Number));

    const kafkaIds = await eventIdsOnTopic(k, topics.passages, produced);
    expect(kafkaIds).toHaveLength(produced);
    expect(new Set(kafkaIds).size).toBe(produced);
    expect(expectExactlyOnce(kafkaIds, await passageIds(db.storage))).toEqual({
      kafka: produced,
      mysql: produced,
    });
    const payments = await db.storage.query<{ n: number }>('SELECT COUNT(*) AS n FROM payments');
    expect(Number(payments[0]!.n)).toBe(summary.payments);
  });

  it('stops gracefully on SIGINT: flushes, persists, prints the summary, exits 0', async () => {
    const { topics, db, group, env } = await isolated();
    const run = tollstream(
      [
        '--headless',
        '--rate',
        '1000',
        '--source',
        'simulator:curve=flat',
        '--mysql-url',
        db.url,
        '--group',
        group,
      ],
      env,
    );
    await waitFor(() => run.lines.some((l) => l.type === 'status' && (l.persisted as number) > 1000), {
      what: 'passages to flow',
    });
    run.child.kill('SIGINT');
    const code = await run.exited;
    expect(code, run.stderr()).toBe(0);
    const summary = run.summary()!;
    expect(summary).toMatchObject({ stoppedBy: 'signal', reconciled: true, unacked: 0 });
    expect(run.stderr()).toMatch(/SIGINT: stopping gracefully/);
    const produced = summary.produced as number;
    expect(
      expectExactlyOnce(await eventIdsOnTopic(k, topics.passages, produced), await passageIds(db.storage))
        .mysql,
    ).toBe(produced);
  });

  it('produces exactly --events passages at full speed and ends by itself', async () => {
    const { db, group, env } = await isolated();
    const run = tollstream(
      ['--headless', '--events', '20000', '--rate', '0', '--mysql-url', db.url, '--group', group],
      env,
    );
    expect(await run.exited, run.stderr()).toBe(0);
    expect(run.summary()).toMatchObject({
      stoppedBy: 'events',
      produced: 20000,
      persisted: 20000,
      reconciled: true,
    });
    expect(await passageCount(db.storage)).toBe(20000);
  });

  it('refuses bad flags and sources with exit 2 and a clear message', async () => {
    const { env } = await isolated();
    const badRole = tollstream(['--headless', '--role', 'sideways'], env);
    expect(await badRole.exited).toBe(2);
    expect(badRole.stderr()).toMatch(
      /invalid run\.role from flag --role: "sideways"; expected producer, consumer, anomalies or all/,
    );
    const badSource = tollstream(['--headless', '--source', 'carrier-pigeon'], env);
    expect(await badSource.exited).toBe(2);
    expect(badSource.stderr()).toMatch(/invalid run\.sources/);
    const missingDir = tollstream(['--headless', '--source', 'tolldata:/nonexistent/tolldata'], env);
    expect(await missingDir.exited).toBe(2);
    expect(missingDir.stderr()).toMatch(/bad source "tolldata:\/nonexistent\/tolldata": .*does not exist/);
    const eventsOnConsumer = tollstream(['--headless', '--role', 'consumer', '--events', '5'], env);
    expect(await eventsOnConsumer.exited).toBe(2);
    expect(eventsOnConsumer.stderr()).toMatch(/--events counts produced passages/);
    const missingTopic = tollstream(['--headless', '--duration', '2s'], {
      ...env,
      TOLLSTREAM_TOPIC_PASSAGES: uniqueName('nope'),
    });
    expect(await missingTopic.exited).toBe(2);
    expect(missingTopic.stderr()).toMatch(/topic nope_\S+ does not exist .*tollstream stack up/);
  });
});

describe('tollstream --headless with a finite replay', () => {
  let k: TestKafka;
  let db: TestDatabase;
  beforeAll(async () => {
    k = await testKafka();
    db = await freshDatabase('tollstream_replay');
  });
  afterAll(async () => {
    await db.drop();
    await k.cleanup();
  });

  it('imports the classic toll data in one shot, shows progress, ends by itself; a second run adds nothing', async () => {
    const env = topicEnv(await k.pipelineTopics('replay', 3));
    const args = [
      '--headless',
      '--source',
      `tolldata:${TOLLDATA}`,
      '--speed',
      'max',
      '--mysql-url',
      db.url,
      '--interval',
      '500ms',
    ];
    const group = uniqueName('replay');
    const first = tollstream([...args, '--group', group], env);
    expect(await first.exited, first.stderr()).toBe(0);
    expect(first.summary()).toMatchObject({
      stoppedBy: 'sources-finished',
      produced: 10_000,
      persisted: 10_000,
      reconciled: true,
      missing: 0,
    });
    const progress = first.lines
      .filter((l) => l.type === 'status')
      .flatMap(
        (l) => (l.producers as { progress: { read: number; total?: number; etaS?: number | null } }[]) ?? [],
      )
      .map((p) => p.progress);
    expect(progress.length).toBeGreaterThan(0);
    // The total is known once the files are loaded.
    const known = progress.filter((p) => p.total !== undefined);
    expect(known.length).toBeGreaterThan(0);
    expect(known.every((p) => p.total === 10_000)).toBe(true);
    expect(progress.at(-1)).toMatchObject({ read: 10_000, etaS: 0 });
    expect(await passageCount(db.storage)).toBe(10_000);

    // Same data, same event ids: the second import finds every passage already there and still reconciles.
    const second = tollstream([...args, '--group', group], env);
    expect(await second.exited, second.stderr()).toBe(0);
    expect(second.summary()).toMatchObject({ produced: 10_000, persisted: 0, reconciled: true, missing: 0 });
    // Passages and payments both count as already present.
    expect(second.summary()!.alreadyPresent).toBe(20_000);
    expect(await passageCount(db.storage)).toBe(10_000);
  });
});
