/**
 * The sink's bulk insert (Transaction.insertRows): LOAD DATA LOCAL INFILE from memory where the server takes it,
 * multi-row INSERTs where it refuses. The same awkward rows go into one table by LOAD DATA and into a twin by
 * INSERT, and MariaDB must hold the same values in both; a server with local_infile OFF (a private mariadbd, never
 * the shared one) gets the rows anyway, by INSERT, and the refusal is reported once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Storage } from '../../../src/storage/db.ts';
import { freshDatabase } from '../../helpers/services.ts';
import type { TestDatabase } from '../../helpers/services.ts';
import { startPrivateMariaDb } from '../../helpers/private-mariadb.ts';
import type { PrivateMariaDb } from '../../helpers/private-mariadb.ts';

const COLUMNS = ['id', 'txt', 'n', 'at', 'maybe'];
const DDL = (table: string): string =>
  `CREATE TABLE ${table} (id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY, txt VARCHAR(200) NOT NULL, n BIGINT NULL, at DATETIME(3) NOT NULL, maybe VARCHAR(20) NULL) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`;

const AWKWARD = [
  'tab\there',
  'new\nline',
  'back\\slash \\N \\t',
  'carriage\rreturn',
  'nul\0byte',
  'Zürich – 東京 🚗',
  '\\',
  'ends with backslash\\',
  ' spaces ',
  'N',
  '',
];

function rows(prefix: string): unknown[][] {
  return AWKWARD.map((txt, i) => [
    `${prefix}-${i}`,
    txt,
    i % 3 === 0 ? null : i === 1 ? '9007199254740993' : i * 1000,
    `2026-12-02 10:11:${String(i).padStart(2, '0')}.${String(i * 7).padStart(3, '0')}`,
    i % 2 === 0 ? null : `m${i}`,
  ]);
}

const read = (s: Storage, table: string) =>
  s.query(`SELECT id, txt, HEX(txt) AS hex, n, at, maybe FROM ${table} ORDER BY id`);

describe('bulk inserts by LOAD DATA LOCAL INFILE', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await freshDatabase('tollstream_load');
    await db.storage.execute(DDL('by_load'));
    await db.storage.execute(DDL('by_insert'));
  });
  afterAll(async () => {
    await db.drop();
  });

  it('stores every awkward value as INSERT does, and skips existing keys with ignore', async () => {
    const loaded = await db.storage.transaction((tx) => tx.insertRows('by_load', COLUMNS, rows('r')));
    await db.storage.transaction((tx) => tx.insertMany('by_insert', COLUMNS, rows('r')));
    expect(loaded).toBe(AWKWARD.length);
    const a = await read(db.storage, 'by_load');
    const b = await read(db.storage, 'by_insert');
    expect(a).toHaveLength(AWKWARD.length);
    expect(a).toEqual(b);
    const byId = new Map(a.map((r) => [r.id as string, r]));
    expect(byId.get('r-0')).toMatchObject({ txt: 'tab\there', n: null, maybe: null });
    expect(byId.get('r-1')).toMatchObject({ txt: 'new\nline', n: '9007199254740993', maybe: 'm1' });
    expect(byId.get('r-4')!.hex).toBe(Buffer.from('nul\0byte').toString('hex').toUpperCase());
    expect(byId.get('r-5')!.txt).toBe('Zürich – 東京 🚗');

    // Two existing ids (their stored values stay) and one new: one row inserted.
    const again = await db.storage.transaction((tx) =>
      tx.insertRows(
        'by_load',
        COLUMNS,
        [
          ['r-0', 'changed', 1, '2026-01-01 00:00:00.000', 'x'],
          ['r-1', 'changed', 1, '2026-01-01 00:00:00.000', 'x'],
          ['r-new', 'fresh', 2, '2026-01-01 00:00:00.000', null],
        ],
        { ignore: true },
      ),
    );
    expect(again).toBe(1);
    const after = await db.storage.query(
      `SELECT id, txt FROM by_load WHERE id IN ('r-0', 'r-new') ORDER BY id`,
    );
    expect(after).toEqual([
      { id: 'r-0', txt: 'tab\there' },
      { id: 'r-new', txt: 'fresh' },
    ]);
  });

  it('rolls the loaded rows back with the transaction', async () => {
    await expect(
      db.storage.transaction(async (tx) => {
        await tx.insertRows('by_load', COLUMNS, rows('rolled'));
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    const [row] = await db.storage.query<{ n: number }>(
      `SELECT COUNT(*) AS n FROM by_load WHERE id LIKE 'rolled-%'`,
    );
    expect(Number(row!.n)).toBe(0);
  });
});

describe('a server with local_infile OFF', () => {
  let server: PrivateMariaDb;
  let storage: Storage;
  const refusals: string[] = [];
  beforeAll(async () => {
    server = await startPrivateMariaDb();
    const admin = await Storage.open({
      url: server.url('loadtest'),
      createDatabase: true,
      connectionLimit: 1,
    });
    await admin.execute('SET GLOBAL local_infile = OFF');
    await admin.execute(DDL('t'));
    await admin.close();
    storage = await Storage.open({
      url: server.url('loadtest'),
      connectionLimit: 2,
      onLoadDataRefused: (m) => refusals.push(m),
    });
  }, 120_000);
  afterAll(async () => {
    await storage?.close();
    await server?.destroy();
  });

  it('gets the rows by INSERT in the same transaction and says so once', async () => {
    const first = await storage.transaction((tx) => tx.insertRows('t', COLUMNS, rows('a'), { ignore: true }));
    const second = await storage.transaction((tx) =>
      tx.insertRows('t', COLUMNS, rows('b'), { ignore: true }),
    );
    expect(first).toBe(AWKWARD.length);
    expect(second).toBe(AWKWARD.length);
    expect(refusals).toHaveLength(1);
    const got = await storage.query(`SELECT id, txt FROM t WHERE id LIKE 'a-%' ORDER BY id`);
    expect(got.map((r) => r.txt)).toEqual(
      AWKWARD.map((txt, i) => ({ id: `a-${i}`, txt }))
        .sort((x, y) => (x.id < y.id ? -1 : 1))
        .map((r) => r.txt),
    );
  });
});
