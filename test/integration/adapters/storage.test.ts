import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StorageError } from '../../../src/storage/db.ts';
import { databaseSchemaVersion, schemaFileVersion, applySchema } from '../../../src/storage/schema.ts';
import { freshDatabase } from '../../helpers/services.ts';
import type { TestDatabase } from '../../helpers/services.ts';

describe('storage adapter on the real MySQL server', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await freshDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });

  it('applies schema.sql idempotently and records its version', async () => {
    await applySchema(db.storage, db.name);
    const tables = await db.storage.query<{ t: string }>(
      'SELECT table_name AS t FROM information_schema.tables WHERE table_schema = ? ORDER BY 1',
      [db.name],
    );
    expect(tables.map((r) => r.t)).toEqual([
      'anomalies',
      'detector_offsets',
      'imports',
      'livetolldata',
      'passages',
      'passages_staging',
      'payments',
      'payments_staging',
      'plazas',
      'revenue_hour',
      'revenue_minute',
      'schema_version',
      'sink_offsets',
      'traffic_hour',
      'traffic_minute',
    ]);
    expect(await databaseSchemaVersion(db.storage)).toBe(schemaFileVersion());
  });

  it('inserts a batch in one transaction, BIGINT offsets intact, visible through livetolldata', async () => {
    const big = '9007199254740993'; // 2^53 + 1: not representable as a JS number
    const rows = Array.from({ length: 2500 }, (_, i) => [
      `t-${i}`,
      4000 + (i % 11),
      'V' + i,
      'car',
      new Date(Date.UTC(2021, 7, 19, 21, 54, 38, i % 1000)),
      'toll.passages',
      i % 6,
      i === 0 ? big : String(i),
      new Date(),
    ]);
    const affected = await db.storage.transaction((tx) =>
      tx.insertMany(
        'passages',
        [
          'event_id',
          'plaza_id',
          'vehicle_id',
          'vehicle_type',
          'passed_at',
          'kafka_topic',
          'kafka_partition',
          'kafka_offset',
          'ingested_at',
        ],
        rows,
      ),
    );
    expect(affected).toBe(2500);
    const [first] = await db.storage.query<{ kafka_offset: string; passed_at: Date }>(
      "SELECT kafka_offset, passed_at FROM passages WHERE event_id = 't-0'",
    );
    expect(first?.kafka_offset).toBe(big);
    expect(first?.passed_at.toISOString()).toBe('2021-08-19T21:54:38.000Z');
    const [view] = await db.storage.query<{ n: number; plaza: number }>(
      'SELECT COUNT(*) AS n, MIN(toll_plaza_id) AS plaza FROM livetolldata',
    );
    expect(Number(view?.n)).toBe(2500);
    expect(view?.plaza).toBe(4000);
  });

  it('rolls the whole transaction back when any statement fails', async () => {
    const before = await db.storage.query<{ n: number }>('SELECT COUNT(*) AS n FROM plazas');
    await expect(
      db.storage.transaction(async (tx) => {
        await tx.insertMany(
          'plazas',
          ['plaza_id', 'code', 'name', 'lanes', 'updated_at'],
          [[4001, 'P1', 'Plaza 4001', 4, new Date()]],
        );
        await tx.execute(
          'INSERT INTO plazas (plaza_id, code, name, lanes, updated_at) VALUES (4001, "dup", "dup", 1, NOW())',
        );
      }),
    ).rejects.toBeInstanceOf(StorageError);
    const after = await db.storage.query<{ n: number }>('SELECT COUNT(*) AS n FROM plazas');
    expect(Number(after[0]?.n)).toBe(Number(before[0]?.n));
  });

  it('classifies a refused connection as retriable and a syntax error as not', async () => {
    const err = await db.storage.query('SELEC 1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect((err as StorageError).retriable).toBe(false);
    expect((err as StorageError).code).toBe('ER_PARSE_ERROR');
  });
});
