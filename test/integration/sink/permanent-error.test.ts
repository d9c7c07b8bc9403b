/**
 * MySQL refusing the sink's writes for a cause waiting does not fix (INSERT revoked): the sink shows an error
 * state naming the cause, commits nothing meanwhile, and resumes by itself once the privilege is back, every
 * passage then in MySQL exactly once and every dead letter in the DLQ once. A dedicated account in its own
 * database: nothing is ever revoked from root or tollstream_reader.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSink } from '../../../src/engines/sink/index.ts';
import type { SinkEngine } from '../../../src/engines/sink/index.ts';
import { describeStatus } from '../../../src/headless/status.ts';
import { escapeId, escapeValue } from '../../../src/storage/db.ts';
import { readTopic } from '../../helpers/read-topic.ts';
import { freshDatabase, testConfig, testKafka, uniqueName, waitFor } from '../../helpers/services.ts';
import type { TestDatabase, TestKafka } from '../../helpers/services.ts';
import type { SinkTopics } from './fixtures.ts';
import {
  count,
  kafkaVsRows,
  keyed,
  passage,
  payment,
  publish,
  sinkTopics,
  storedOffsets,
} from './fixtures.ts';

describe('sink with its INSERT privilege revoked', () => {
  let k: TestKafka;
  let db: TestDatabase;
  let topics: SinkTopics;
  let sink: SinkEngine | undefined;
  const user = uniqueName('ts_sink').slice(0, 32);
  const account = `${escapeValue(user)}@'%'`;
  const run = uniqueName('pe').replace(/_/g, '-');
  const groupId = uniqueName('sink-perm');

  beforeAll(async () => {
    k = await testKafka();
    db = await freshDatabase();
    topics = await sinkTopics(k, 2);
  });
  afterAll(async () => {
    await sink?.stop();
    await db.storage.execute(`DROP USER IF EXISTS ${account}`).catch(() => {});
    await db.drop();
    await k.cleanup();
  });

  it('shows the cause as an error, loses and doubles nothing, and resumes once the grant is back', async () => {
    const password = uniqueName('pw');
    const schema = escapeId(db.name);
    await db.storage.execute(`CREATE USER ${account} IDENTIFIED BY ${escapeValue(password)}`);
    // INSERT per table: a table privilege takes effect on the sink's next statement, a database one only on
    // connections opened after it.
    await db.storage.execute(`GRANT SELECT, UPDATE, DELETE, CREATE ON ${schema}.* TO ${account}`);
    const tables = await db.storage.query<{ t: string }>(
      "SELECT table_name AS t FROM information_schema.tables WHERE table_schema = ? AND table_type = 'BASE TABLE'",
      [db.name],
    );
    for (const { t } of tables)
      await db.storage.execute(`GRANT INSERT ON ${schema}.${escapeId(t)} TO ${account}`);
    const url = new URL(db.url);
    url.username = user;
    url.password = password;

    const passages = Array.from({ length: 600 }, (_, i) => passage(run, i));
    const send = async (from: number, to: number, bad: string[] = []) => {
      const slice = passages.slice(from, to);
      await publish(k, topics.passages, [
        ...slice.map((p) => keyed(p.plazaId, p)),
        ...bad.map((value) => ({ key: '4000', value })),
      ]);
      await publish(
        k,
        topics.payments,
        slice.map((p, i) => keyed(p.plazaId, payment(p, from + i))),
      );
    };
    await send(0, 300);
    sink = createSink(testConfig({ mysqlUrl: url.toString() }), { groupId, topics, batchMaxRows: 100 });
    await sink.start();
    await waitFor(() => sink!.store.getSnapshot().persisted === 300, { what: '300 passages as the account' });

    await db.storage.execute(`REVOKE INSERT ON ${schema}.passages FROM ${account}`);
    const offsetsBefore = await storedOffsets(db.storage, groupId, topics.passages);
    const bad = ['not json 1', 'not json 2', 'not json 3'];
    await send(300, 600, bad);

    await waitFor(
      () => {
        const s = sink!.store.getSnapshot().status;
        return s.kind === 'error' && s.permanent === true;
      },
      { what: 'a permanent error state', timeoutMs: 60_000 },
    );
    const status = sink.store.getSnapshot().status;
    expect(status).toMatchObject({ kind: 'error', willRetry: true, permanent: true });
    if (status.kind !== 'error') throw new Error('unreachable');
    expect(status.message).toMatch(/MySQL refuses the sink's writes: INSERT command denied .*passages/);
    expect(describeStatus(status)).toMatch(/^error: MySQL refuses .*INSERT command denied.*\(needs a fix/);
    // Nothing committed past the refusal: offsets and rows as before it, while it lasts.
    await new Promise((r) => setTimeout(r, 8000));
    expect(await storedOffsets(db.storage, groupId, topics.passages)).toEqual(offsetsBefore);
    expect(await count(db.storage, 'SELECT COUNT(*) AS n FROM passages')).toBe(300);
    expect(sink.store.getSnapshot().status).toMatchObject({ kind: 'error', permanent: true });

    await db.storage.execute(`GRANT INSERT ON ${schema}.passages TO ${account}`);
    await waitFor(() => sink!.store.getSnapshot().status.kind === 'running', {
      what: 'the sink to resume by itself',
      timeoutMs: 60_000,
    });
    for (const topic of [topics.passages, topics.payments]) {
      const highs = await k.admin.topicOffsets(topic);
      await waitFor(
        async () => {
          const stored = await storedOffsets(db.storage, groupId, topic);
          return highs.every((h) => stored.get(h.partition) === BigInt(h.high));
        },
        { what: `${topic} persisted to its end`, timeoutMs: 60_000 },
      );
    }

    expect(
      await kafkaVsRows(k, db.storage, {
        topic: topics.passages,
        prefix: `${run}-`,
        expected: 600,
        payments: true,
      }),
    ).toEqual({ inKafka: 600, rows: 600, missing: [], notInKafka: [], paymentsNotOne: [] });
    const snap = sink.store.getSnapshot();
    expect(snap.persisted).toBe(600);
    expect(snap.alreadyPresent).toBe(0);
    // Every attempt during the refusal rolled back after its dead letters were published: still one each.
    const dead = await readTopic(k.kafka, k.config.kafka.brokers, topics.dlq, (r) => r.length >= bad.length);
    await new Promise((r) => setTimeout(r, 2000));
    const again = await readTopic(
      k.kafka,
      k.config.kafka.brokers,
      topics.dlq,
      (r) => r.length >= dead.length,
    );
    expect(again.map((r) => r.value).sort()).toEqual(bad);
    expect(snap.deadLettered).toBe(bad.length);
  });
});
