/**
 * A database made by an older schema.sql (version 1: sink_offsets without topic_id; version 2: no staging tables
 * for replace runs; version 3: no rollups, plazas without reference data) is upgraded in place, by `stack up`
 * (applySchema) and by a sink starting against it, keeping its rows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSink } from '../../../src/engines/sink/index.ts';
import { applySchema, databaseSchemaVersion, schemaFileVersion } from '../../../src/storage/schema.ts';
import { freshDatabase, testConfig, testKafka, uniqueName } from '../../helpers/services.ts';
import type { TestDatabase, TestKafka } from '../../helpers/services.ts';
import { sinkTopics } from '../sink/fixtures.ts';

describe('schema upgrade', () => {
  let db: TestDatabase;
  let k: TestKafka;
  beforeAll(async () => {
    db = await freshDatabase();
    k = await testKafka();
  });
  afterAll(async () => {
    await db.drop();
    await k.cleanup();
  });

  const REPLACE_TABLES = ['imports', 'passages_staging', 'payments_staging'];

  /** Turns the database back into what schema.sql version 2 made, with one passage. */
  async function versionTwo(): Promise<void> {
    await db.storage.execute('DELETE FROM passages');
    for (const t of REPLACE_TABLES) await db.storage.execute(`DROP TABLE IF EXISTS ${t}`);
    await db.storage.execute('UPDATE schema_version SET version = 2 WHERE id = 1');
    await db.storage.execute(
      "INSERT INTO passages (event_id, plaza_id, vehicle_id, vehicle_type, passed_at, kafka_topic, kafka_partition, kafka_offset, ingested_at) VALUES ('v2-1', 4001, 'V1', 'car', '2023-01-06 11:20:00', 'toll.passages', 0, 7, UTC_TIMESTAMP(3))",
    );
  }

  const tables = async (): Promise<string[]> =>
    (
      await db.storage.query<{ t: string }>(
        'SELECT table_name AS t FROM information_schema.tables WHERE table_schema = ? ORDER BY 1',
        [db.name],
      )
    ).map((r) => r.t);

  /** Turns the database back into what schema.sql version 1 made, with one stored offset. */
  async function versionOne(group: string): Promise<void> {
    await versionTwo();
    await db.storage.execute('DELETE FROM sink_offsets');
    await db.storage.execute('ALTER TABLE sink_offsets DROP COLUMN topic_id');
    await db.storage.execute('UPDATE schema_version SET version = 1 WHERE id = 1');
    await db.storage.execute(
      "INSERT INTO sink_offsets (group_id, topic, kafka_partition, next_offset, updated_at) VALUES (?, 'toll', 2, 5109, UTC_TIMESTAMP(3))",
      [group],
    );
  }

  const columns = async (): Promise<string[]> =>
    (
      await db.storage.query<{ c: string }>(
        "SELECT column_name AS c FROM information_schema.columns WHERE table_schema = ? AND table_name = 'sink_offsets' ORDER BY ordinal_position",
        [db.name],
      )
    ).map((r) => r.c);

  it('adds sink_offsets.topic_id, keeps the stored offsets (incarnation not recorded), idempotently', async () => {
    expect(schemaFileVersion()).toBe(4);
    await versionOne('g-stack');
    expect(await columns()).not.toContain('topic_id');
    for (let i = 0; i < 2; i++) await applySchema(db.storage, db.name);
    expect(await columns()).toEqual([
      'group_id',
      'topic',
      'kafka_partition',
      'next_offset',
      'topic_id',
      'updated_at',
    ]);
    expect(
      await db.storage.query(
        'SELECT group_id, CAST(next_offset AS CHAR) AS next_offset, topic_id FROM sink_offsets',
      ),
    ).toEqual([{ group_id: 'g-stack', next_offset: '5109', topic_id: null }]);
    expect(await databaseSchemaVersion(db.storage)).toBe(4);
  });

  it('version 2 gets the staging tables and imports of replace runs, keeping its rows, idempotently', async () => {
    await versionTwo();
    expect(await tables()).not.toEqual(expect.arrayContaining(['imports']));
    for (let i = 0; i < 2; i++) await applySchema(db.storage, db.name);
    expect(await tables()).toEqual(expect.arrayContaining(REPLACE_TABLES));
    expect(await db.storage.query('SELECT event_id FROM passages')).toEqual([{ event_id: 'v2-1' }]);
    const keys = await db.storage.query<{ t: string; c: string }>(
      "SELECT table_name AS t, GROUP_CONCAT(column_name ORDER BY seq_in_index) AS c FROM information_schema.statistics WHERE table_schema = ? AND index_name = 'PRIMARY' AND table_name LIKE '%staging' GROUP BY table_name ORDER BY 1",
      [db.name],
    );
    expect(keys).toEqual([
      { t: 'passages_staging', c: 'stage_id,event_id' },
      { t: 'payments_staging', c: 'stage_id,payment_id' },
    ]);
    expect(await databaseSchemaVersion(db.storage)).toBe(4);
  });

  const ROLLUP_TABLES = ['traffic_minute', 'traffic_hour', 'revenue_minute', 'revenue_hour'];
  const PLAZA_REFERENCE = ['tariffs', 'currency', 'latitude', 'longitude'];

  /** Turns the database back into what schema.sql version 3 made, with passages and payments of two plazas. */
  async function versionThree(): Promise<void> {
    for (const t of ['passages', 'payments', 'plazas']) await db.storage.execute(`DELETE FROM ${t}`);
    for (const t of ROLLUP_TABLES) await db.storage.execute(`DROP TABLE IF EXISTS ${t}`);
    await db.storage.execute(
      `ALTER TABLE plazas ${PLAZA_REFERENCE.map((c) => `DROP COLUMN ${c}`).join(', ')}`,
    );
    await db.storage.execute('UPDATE schema_version SET version = 3 WHERE id = 1');
    await db.storage.execute(
      "INSERT INTO plazas (plaza_id, code, name, lanes, updated_at) VALUES (4001, 'P1', 'North', 4, UTC_TIMESTAMP(3))",
    );
    // [id, plaza, class, passed at]
    const passages: [string, number, string, string][] = [
      ['v3-1', 4001, 'car', '2023-01-06 11:20:00.000'],
      ['v3-2', 4001, 'car', '2023-01-06 11:20:59.999'],
      ['v3-3', 4001, 'truck', '2023-01-06 11:21:00.000'],
      ['v3-4', 4001, 'car', '2023-01-06 12:00:00.000'],
      ['v3-5', 4002, 'car', '2023-01-06 11:20:30.000'],
    ];
    await db.storage.execute(
      'INSERT INTO passages (event_id, plaza_id, vehicle_id, vehicle_type, passed_at, kafka_topic, kafka_partition, kafka_offset, ingested_at) VALUES ?',
      [
        passages.map(([id, plaza, type, at], i) => [
          id,
          plaza,
          `V${i}`,
          type,
          at,
          'toll.passages',
          0,
          i,
          new Date(),
        ]),
      ],
    );
    // [passage, method, currency, cents, paid at]: v3-2 paid in the minute after its passage, the same hour.
    const payments: [string, string, string, number, string][] = [
      ['v3-1', 'e-tag', 'USD', 450, '2023-01-06 11:20:01.000'],
      ['v3-2', 'e-tag', 'USD', 450, '2023-01-06 11:21:00.499'],
      ['v3-3', 'cash', 'USD', 1275, '2023-01-06 11:21:01.000'],
      ['v3-5', 'e-tag', 'EUR', 300, '2023-01-06 11:20:31.000'],
    ];
    await db.storage.execute(
      'INSERT INTO payments (payment_id, event_id, plaza_id, method, amount_cents, currency, paid_at, kafka_partition, kafka_offset, ingested_at) VALUES ?',
      [
        payments.map(([id, method, currency, cents, at], i) => {
          const plaza = passages.find((x) => x[0] === id)![1];
          return [`pay-${id}`, id, plaza, method, cents, currency, at, 0, i, new Date()];
        }),
      ],
    );
  }

  const rollup = async (table: string): Promise<Record<string, unknown>[]> =>
    db.storage.query(
      `SELECT *, DATE_FORMAT(bucket, '%Y-%m-%d %H:%i') AS bucket FROM ${table} ORDER BY plaza_id, bucket, 3, 4`,
    );

  it('version 3 gets the plazas reference columns and its rows counted in the rollups, once', async () => {
    await versionThree();
    for (let i = 0; i < 2; i++) await applySchema(db.storage, db.name);
    const plazaColumns = await db.storage.query<{ c: string }>(
      "SELECT column_name AS c FROM information_schema.columns WHERE table_schema = ? AND table_name = 'plazas' ORDER BY ordinal_position",
      [db.name],
    );
    expect(plazaColumns.map((r) => r.c)).toEqual([
      'plaza_id',
      'code',
      'name',
      'lanes',
      'updated_at',
      ...PLAZA_REFERENCE,
    ]);
    expect(
      await db.storage.query('SELECT plaza_id, name, tariffs, currency, latitude, longitude FROM plazas'),
    ).toEqual([
      { plaza_id: 4001, name: 'North', tariffs: null, currency: null, latitude: null, longitude: null },
    ]);
    expect(await rollup('traffic_minute')).toEqual([
      { plaza_id: 4001, bucket: '2023-01-06 11:20', vehicle_type: 'car', passages: 2 },
      { plaza_id: 4001, bucket: '2023-01-06 11:21', vehicle_type: 'truck', passages: 1 },
      { plaza_id: 4001, bucket: '2023-01-06 12:00', vehicle_type: 'car', passages: 1 },
      { plaza_id: 4002, bucket: '2023-01-06 11:20', vehicle_type: 'car', passages: 1 },
    ]);
    expect(await rollup('traffic_hour')).toEqual([
      { plaza_id: 4001, bucket: '2023-01-06 11:00', vehicle_type: 'car', passages: 2 },
      { plaza_id: 4001, bucket: '2023-01-06 11:00', vehicle_type: 'truck', passages: 1 },
      { plaza_id: 4001, bucket: '2023-01-06 12:00', vehicle_type: 'car', passages: 1 },
      { plaza_id: 4002, bucket: '2023-01-06 11:00', vehicle_type: 'car', passages: 1 },
    ]);
    expect(await rollup('revenue_minute')).toEqual([
      {
        plaza_id: 4001,
        bucket: '2023-01-06 11:20',
        method: 'e-tag',
        currency: 'USD',
        payments: 1,
        amount_cents: '450',
      },
      {
        plaza_id: 4001,
        bucket: '2023-01-06 11:21',
        method: 'cash',
        currency: 'USD',
        payments: 1,
        amount_cents: '1275',
      },
      {
        plaza_id: 4001,
        bucket: '2023-01-06 11:21',
        method: 'e-tag',
        currency: 'USD',
        payments: 1,
        amount_cents: '450',
      },
      {
        plaza_id: 4002,
        bucket: '2023-01-06 11:20',
        method: 'e-tag',
        currency: 'EUR',
        payments: 1,
        amount_cents: '300',
      },
    ]);
    expect(await rollup('revenue_hour')).toEqual([
      {
        plaza_id: 4001,
        bucket: '2023-01-06 11:00',
        method: 'cash',
        currency: 'USD',
        payments: 1,
        amount_cents: '1275',
      },
      {
        plaza_id: 4001,
        bucket: '2023-01-06 11:00',
        method: 'e-tag',
        currency: 'USD',
        payments: 2,
        amount_cents: '900',
      },
      {
        plaza_id: 4002,
        bucket: '2023-01-06 11:00',
        method: 'e-tag',
        currency: 'EUR',
        payments: 1,
        amount_cents: '300',
      },
    ]);
    expect(await databaseSchemaVersion(db.storage)).toBe(4);

    // Once: a database already at version 4 keeps its rollups as they are (the sink maintains them from here).
    await db.storage.execute('UPDATE traffic_hour SET passages = 99 WHERE plaza_id = 4002');
    await applySchema(db.storage, db.name);
    expect((await rollup('traffic_hour')).at(-1)).toMatchObject({ plaza_id: 4002, passages: 99 });
  });

  it('is upgraded by a sink that starts against it', async () => {
    await versionOne('g-sink');
    const sink = createSink(testConfig({ mysqlUrl: db.url }), {
      groupId: uniqueName('sink-upgrade'),
      topics: await sinkTopics(k),
    });
    await sink.start();
    await sink.stop();
    expect(await columns()).toContain('topic_id');
    expect(await tables()).toEqual(expect.arrayContaining([...REPLACE_TABLES, ...ROLLUP_TABLES]));
    expect(await databaseSchemaVersion(db.storage)).toBe(4);
  });
});
