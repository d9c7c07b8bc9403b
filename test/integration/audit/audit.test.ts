/**
 * `tollstream audit` as a child process on the real broker and MariaDB, on its own topics, database and group:
 * a headless run's passages all accounted for; a poison message dead-lettered and a --replace run's staged passage
 * not counted as missing; --from/--to cutting at a moment between two batches; rows deleted by hand named exactly,
 * even when the table's row count still matches Kafka's; messages the sink has not read yet reported as pending;
 * and the running sink left alone (no group joined, its member and commits untouched).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Topics } from '../../../src/config/config.ts';
import { formatLegacyLine } from '../../../src/domain/legacy.ts';
import { STAGE_HEADER } from '../../../src/domain/types.ts';
import { readReaderSecret } from '../../../src/stack/reader.ts';
import { READER_USER, ensureReaderAccount } from '../../../src/storage/schema.ts';
import { readTopic } from '../../helpers/read-topic.ts';
import {
  freshDatabase,
  testConfig,
  testKafka,
  topicEnv,
  uniqueName,
  waitFor,
} from '../../helpers/services.ts';
import type { TestDatabase, TestKafka } from '../../helpers/services.ts';
import type { CliRun } from '../headless/cli.ts';
import { passageCount, tollstream, tollstreamToEnd } from '../headless/cli.ts';
import type { Finished } from '../headless/cli.ts';
import { keyed, passage, publish } from '../sink/fixtures.ts';

/** The fields of the JSON report this test reads. */
interface TopicJson {
  role: string;
  topic: string;
  kafka: number;
  persisted: number;
  staged: number;
  deadLettered: number;
  pending: number;
  missing: number;
  mysqlRows: number;
  goneFromKafka: number;
  missingIds: { id: string | null; partition: number; offset: string; why: string }[];
  goneFromKafkaRows: { id: string; partition: number; offset: string }[];
  partitions: { partition: number; low: string; from: string; to: string }[];
}
interface ReportJson {
  ok: boolean;
  mysql: { user: string; readOnlyAccount: boolean };
  topics: TopicJson[];
}

describe('tollstream audit', () => {
  let k: TestKafka;
  let db: TestDatabase;
  let topics: Topics;
  let group: string;
  let env: Record<string, string>;
  let consumer: CliRun | undefined;
  /** A moment between the first batch (the headless run) and the second. */
  let boundary: string;
  let firstRunIds: string[] = [];

  /** `extraEnv` values of null remove the variable. */
  const audit = (args: string[], extraEnv: Record<string, string | null> = {}): Promise<Finished> =>
    tollstreamToEnd(['audit', ...args], {
      ...env,
      ...Object.fromEntries(Object.entries(extraEnv).map(([name, value]) => [name, value ?? undefined])),
    });
  let lastStderr = '';
  const auditJson = async (args: string[], expectCode: number): Promise<ReportJson> => {
    const r = await audit([...args, '--format', 'json']);
    expect(r.code, r.stderr).toBe(expectCode);
    lastStderr = r.stderr;
    return JSON.parse(r.stdout) as ReportJson;
  };
  const topicOf = (report: ReportJson, role: string): TopicJson =>
    report.topics.find((t) => t.role === role)!;
  const count = async (sql: string): Promise<number> =>
    Number((await db.storage.query<{ n: string }>(sql))[0]!.n);

  beforeAll(async () => {
    k = await testKafka();
    topics = await k.pipelineTopics('audit', 3);
    db = await freshDatabase('tollstream_audit');
    group = uniqueName('audit-group');
    // The stack's reader password when there is one (the account is server-wide: never re-key it under others).
    const password = readReaderSecret(testConfig().stateDir) ?? randomBytes(18).toString('base64url');
    await ensureReaderAccount(db.storage, db.name, password);
    const reader = new URL(db.url);
    reader.username = READER_USER;
    reader.password = encodeURIComponent(password);
    env = {
      ...topicEnv(topics),
      TOLLSTREAM_MYSQL_URL: db.url,
      TOLLSTREAM_MYSQL_READER_URL: reader.toString(),
      TOLLSTREAM_GROUP_ID: group,
      TOLLSTREAM_FROM_SOURCE: '1',
    };
  });
  afterAll(async () => {
    if (consumer && consumer.child.exitCode === null) consumer.child.kill('SIGKILL');
    await db?.drop();
    await k?.cleanup();
  });

  it('after a headless run, every passage and payment in Kafka is in MySQL: exit 0, counts equal', async () => {
    const run = tollstream(
      ['--headless', '--events', '300', '--rate', '0', '--source', 'simulator:curve=flat'],
      env,
    );
    expect(await run.exited, run.stderr()).toBe(0);
    const report = await auditJson([], 0);
    expect(report.ok).toBe(true);
    // Read through the SELECT-only account.
    expect(report.mysql).toMatchObject({ user: READER_USER, readOnlyAccount: true });
    const passages = topicOf(report, 'passages');
    const rows = await count('SELECT COUNT(*) AS n FROM passages');
    expect(rows).toBe(300);
    expect(passages).toMatchObject({ kafka: 300, persisted: 300, missing: 0, pending: 0, mysqlRows: 300 });
    const payments = topicOf(report, 'payments');
    const paymentRows = await count('SELECT COUNT(*) AS n FROM payments');
    expect(paymentRows).toBeGreaterThan(0);
    expect(payments).toMatchObject({
      kafka: paymentRows,
      persisted: paymentRows,
      missing: 0,
      mysqlRows: paymentRows,
    });
    expect(topicOf(report, 'legacy')).toMatchObject({ kafka: 0, missing: 0 });
    // Progress went to stderr (the report alone to stdout): one partition of the dead-letter and classic topics, three of the others.
    expect(lastStderr).toMatch(
      /^audit: reading .*; partitions 8\/8; \d+ of \d+ messages \(100%\) at [\d,]+\/s$/m,
    );
    firstRunIds = (await db.storage.query<{ event_id: string }>('SELECT event_id FROM passages')).map(
      (r) => r.event_id,
    );
    boundary = new Date(Date.now() + 5).toISOString();
    await new Promise((r) => setTimeout(r, 20));
  });

  it('a dead-lettered poison message and a staged --replace passage are not missing; --from/--to cut at the boundary; the running sink is left alone', async () => {
    consumer = tollstream(['--headless', '--role', 'consumer'], env);
    const run = uniqueName('a').replace(/_/g, '-');
    // A replace run's stage, open: the sink writes its passages to passages_staging.
    const stage = `file-0123456789ab:${run}`;
    await db.storage.execute(
      "INSERT INTO imports (stage_id, import_id, run_id, source, state, started_at) VALUES (?, 'file-0123456789ab', ?, 'test', 'staging', UTC_TIMESTAMP(3))",
      [stage, run],
    );
    const staged = { ...passage(run, 1), eventId: 'file-0123456789ab-7' };
    await publish(k, topics.passages, [
      { key: '4001', value: 'vehicle 42 passed {' },
      { ...keyed(staged.plazaId, staged), headers: { [STAGE_HEADER]: stage } },
    ]);
    const t0 = Date.UTC(2021, 7, 19, 21, 54, 38);
    await publish(k, topics.legacy, [
      { key: null, value: formatLegacyLine(t0, '125094', 'car', 4007) },
      { key: null, value: formatLegacyLine(t0 + 1000, '125095', 'truck', 4008) },
    ]);
    const producer = tollstream(
      [
        '--headless',
        '--role',
        'producer',
        '--events',
        '200',
        '--rate',
        '0',
        '--source',
        'simulator:curve=flat',
      ],
      env,
    );
    expect(await producer.exited, producer.stderr()).toBe(0);
    await waitFor(async () => (await passageCount(db.storage)) === 502, {
      what: '500 passages and 2 classic lines in MySQL',
      timeoutMs: 60_000,
    });
    await waitFor(async () => (await count('SELECT COUNT(*) AS n FROM passages_staging')) === 1, {
      what: 'the staged passage',
    });
    await readTopic(k.kafka, k.config.kafka.brokers, topics.dlq, (r) => r.length >= 1, 'the dead letter');

    const groupsBefore = await k.admin.listGroups();
    const [sinkBefore] = await k.admin.describeGroups([group]);
    const committedBefore = await k.admin.groupOffsets(group, [topics.passages]);
    const all = await auditJson([], 0);
    expect(topicOf(all, 'passages')).toMatchObject({
      kafka: 502,
      persisted: 500,
      staged: 1,
      deadLettered: 1,
      missing: 0,
      pending: 0,
      mysqlRows: 500,
    });
    expect(topicOf(all, 'legacy')).toMatchObject({ kafka: 2, persisted: 2, missing: 0, mysqlRows: 2 });
    // The audit moved nothing of the sink's, and no group that appeared meanwhile holds offsets of these topics.
    const appeared = (await k.admin.listGroups()).filter((g) => !groupsBefore.includes(g));
    for (const g of appeared) {
      const offsets = await k.admin.groupOffsets(g, Object.values(topics));
      expect(
        offsets.flatMap((t) => t.partitions).filter((p) => p.offset !== null),
        g,
      ).toEqual([]);
    }
    const [sinkAfter] = await k.admin.describeGroups([group]);
    expect(sinkAfter!.state).toBe('Stable');
    expect(sinkAfter!.members.map((m) => m.memberId)).toEqual(sinkBefore!.members.map((m) => m.memberId));
    expect(await k.admin.groupOffsets(group, [topics.passages])).toEqual(committedBefore);

    const before = await auditJson(['--to', boundary, '--topic', 'passages'], 0);
    expect(topicOf(before, 'passages')).toMatchObject({
      kafka: 300,
      persisted: 300,
      deadLettered: 0,
      staged: 0,
    });
    const after = await auditJson(['--from', boundary], 0);
    expect(topicOf(after, 'passages')).toMatchObject({
      kafka: 202,
      persisted: 200,
      staged: 1,
      deadLettered: 1,
      mysqlRows: 200,
    });
    expect(topicOf(after, 'legacy')).toMatchObject({ kafka: 2, persisted: 2 });
  });

  it('names exactly the rows deleted by hand, where the row count alone still matches Kafka', async () => {
    const victims = [firstRunIds[3]!, firstRunIds[150]!, firstRunIds[299]!];
    const [legacyVictim] = await db.storage.query<{ event_id: string }>(
      'SELECT event_id FROM passages WHERE kafka_topic = ? AND kafka_offset = 1',
      [topics.legacy],
    );
    // Decoys with the victims' Kafka positions keep COUNT(*) and the per-offset count as they were.
    await db.storage.execute(
      "INSERT INTO passages (event_id, plaza_id, lane, vehicle_id, vehicle_type, axles, passed_at, source, kafka_topic, kafka_partition, kafka_offset, ingested_at) SELECT CONCAT('decoy-', event_id), plaza_id, lane, vehicle_id, vehicle_type, axles, passed_at, source, kafka_topic, kafka_partition, kafka_offset, ingested_at FROM passages WHERE event_id IN (?)",
      [[...victims, legacyVictim!.event_id]],
    );
    await db.storage.execute('DELETE FROM passages WHERE event_id IN (?)', [
      [...victims, legacyVictim!.event_id],
    ]);

    // What a count-only check sees: as many rows as Kafka has persistable passages, at the same offsets.
    const report = await auditJson([], 1);
    const passages = topicOf(report, 'passages');
    expect(await count(`SELECT COUNT(*) AS n FROM passages WHERE kafka_topic = '${topics.passages}'`)).toBe(
      passages.kafka - passages.deadLettered - passages.staged,
    );
    expect(passages.mysqlRows).toBe(500);

    expect(report.ok).toBe(false);
    expect(passages.missing).toBe(3);
    expect(passages.missingIds.map((m) => m.id).sort()).toEqual([...victims].sort());
    expect(passages.missingIds[0]!.why).toMatch(
      /not in MySQL and not in the dead-letter topic; the sink had gone past it/,
    );
    const legacy = topicOf(report, 'legacy');
    expect(legacy.missingIds.map((m) => m.id)).toEqual([legacyVictim!.event_id]);
    // The sink's derivation of a classic line's id: <topic>:<topic id>-<partition>-<offset>.
    expect(legacyVictim!.event_id).toMatch(
      new RegExp(`^${topics.legacy.replace(/\./g, '\\.')}:[A-Za-z0-9_-]{22}-0-1$`),
    );

    const table = await audit(['--topic', 'passages', '--limit', '2']);
    expect(table.code).toBe(1);
    expect(table.stdout).toMatch(/missing from .*\(first 2 of 3; --limit shows more\)/);
    expect(table.stdout).toMatch(/NOT OK: of 502 messages, 3 missing/);
    // The deleted passages are all before the boundary: the later stretch of the topic is whole.
    expect((await auditJson(['--from', boundary, '--topic', 'passages'], 0)).ok).toBe(true);
  });

  it('messages the sink has not read yet are pending, not missing (exit 1)', async () => {
    consumer!.child.kill('SIGINT');
    expect(await consumer!.exited, consumer!.stderr()).toBe(0);
    const run = uniqueName('p').replace(/_/g, '-');
    await publish(
      k,
      topics.passages,
      [0, 1, 2, 3].map((i) => keyed(passage(run, i).plazaId, passage(run, i))),
    );
    const report = await auditJson(['--from', boundary, '--topic', 'passages'], 1);
    expect(topicOf(report, 'passages')).toMatchObject({ kafka: 206, pending: 4, missing: 0 });
  });

  it('rows whose messages retention deleted are reported as gone from Kafka, not as missing', async () => {
    const before = topicOf(await auditJson(['--to', boundary, '--topic', 'passages'], 1), 'passages');
    const deleted = Math.min(50, Number(before.partitions[0]!.to));
    expect(deleted).toBeGreaterThan(0);
    // What retention does to the oldest segment, done at once: partition 0 now starts at offset `deleted`.
    const admin = k.kafka.admin();
    await admin.connect();
    try {
      await admin.fetchTopicMetadata({ topics: [topics.passages] });
      await admin.deleteTopicRecords({
        topic: topics.passages,
        partitions: [{ partition: 0, offset: String(deleted) }],
      });
    } finally {
      await admin.disconnect();
    }
    const after = topicOf(
      await auditJson(['--to', boundary, '--topic', 'passages', '--limit', '1000'], 1),
      'passages',
    );
    expect(after.kafka).toBe(before.kafka - deleted);
    expect(after.partitions[0]).toMatchObject({ low: String(deleted), from: String(deleted) });
    const rows = await count(
      `SELECT COUNT(*) AS n FROM passages WHERE kafka_topic = '${topics.passages}' AND kafka_partition = 0 AND kafka_offset < ${deleted}`,
    );
    expect(rows).toBeGreaterThan(0);
    expect(after.goneFromKafka).toBe(rows);
    expect(after.goneFromKafkaRows.every((r) => r.partition === 0 && Number(r.offset) < deleted)).toBe(true);
    // A deleted passage whose message is gone is no longer judged; the others still are.
    expect(after.missingIds.every((m) => m.partition !== 0 || Number(m.offset) >= deleted)).toBe(true);
    expect(after.missing).toBe(
      before.missingIds.filter((m) => m.partition !== 0 || Number(m.offset) >= deleted).length,
    );
  });

  it('bad usage exits 2; without a reader account it reads through mysql.url in a read-only session', async () => {
    const usage = [['--topic', 'plazas'], ['--limit', '-1'], ['stray'], ['--format', 'csv']];
    const [absent, ...refused] = await Promise.all([
      audit(['--topic', 'legacy'], { TOLLSTREAM_TOPIC_LEGACY: uniqueName('absent') }),
      ...usage.map((args) => audit(args)),
    ]);
    for (const [i, r] of refused.entries()) {
      expect(r.code, `${usage[i]!.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(/^tollstream audit: /);
    }
    expect(absent!.code).toBe(2);
    expect(absent!.stderr).toMatch(/topic absent_\S+ does not exist \(topics\.legacy\)/);

    const stateDir = mkdtempSync(path.join(tmpdir(), 'tollstream-audit-'));
    const r = await audit(['--topic', 'payments', '--format', 'json'], {
      TOLLSTREAM_MYSQL_READER_URL: null,
      TOLLSTREAM_STATE_DIR: stateDir,
    });
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as ReportJson).mysql).toMatchObject({
      user: 'root',
      readOnlyAccount: false,
    });
  });
});
