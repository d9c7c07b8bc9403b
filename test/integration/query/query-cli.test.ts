import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { ABANDON_AFTER_MS, createQueryExecutor } from '../../../src/query/executor.ts';
import { blackHoleProxy } from '../../helpers/black-hole.ts';
import { readReaderSecret } from '../../../src/stack/reader.ts';
import { READER_USER, ensureReaderAccount } from '../../../src/storage/schema.ts';
import { escapeId, escapeValue } from '../../../src/storage/db.ts';
import { rebuildRollups } from '../../../src/storage/rollups.ts';
import { SAVED_QUERIES } from '../../../src/query/saved.ts';
import { freshDatabase, testConfig, waitFor } from '../../helpers/services.ts';
import type { TestDatabase } from '../../helpers/services.ts';

const BIN = path.resolve('bin/tollstream.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

// [event id, plaza, lane, vehicle, type, passed at (UTC)]
const PASSAGES: [string, number, number, string, string, string][] = [
  ['e1', 4000, 1, 'v1', 'car', '2021-08-19 20:10:00.000'],
  ['e2', 4000, 2, 'v2', 'truck', '2021-08-19 20:40:00.000'],
  ['e3', 4001, 1, 'v1', 'car', '2021-08-19 21:05:00.000'],
  ['e4', 4000, 3, 'v3', 'car', '2021-08-19 21:30:00.000'],
  ['e5', 4001, 2, 'v1', 'van', '2021-08-19 21:59:59.500'],
  // Two days earlier: outside the default window (the 24 hours up to the newest passage).
  ['e0', 4001, 1, 'v9', 'car', '2021-08-17 10:00:00.000'],
];
// [event id, method, cents]
const PAYMENTS: [string, string, number][] = [
  ['e1', 'e-tag', 450],
  ['e2', 'cash', 1200],
  ['e3', 'e-tag', 450],
  ['e4', 'e-tag', 450],
  ['e5', 'card', 600],
];

describe('tollstream query against MariaDB with the read-only account', () => {
  let db: TestDatabase;
  let stateDir: string;
  let readerUrl: string;

  const cli = (args: string[]): Promise<Run> =>
    new Promise((resolve) => {
      const env = { ...process.env };
      delete env.TOLLSTREAM_MYSQL_READER_URL;
      execFile(
        process.execPath,
        [BIN, 'query', '--mysql-url', db.url, '--state-dir', stateDir, ...args],
        { env, timeout: 60_000 },
        (error, stdout, stderr) => {
          const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
          resolve({ code, stdout, stderr });
        },
      );
    });
  const json = async (args: string[]): Promise<unknown> => {
    const r = await cli([...args, '--format', 'json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    return JSON.parse(r.stdout);
  };
  const passageCount = async (): Promise<number> =>
    Number((await db.storage.query<{ n: string }>('SELECT COUNT(*) AS n FROM passages'))[0]!.n);

  beforeAll(async () => {
    db = await freshDatabase('tollstream_query');
    // Reuse the running stack's reader password when there is one: the account is server-wide, and re-keying it
    // would lock out everyone else's reader URL.
    const password = readReaderSecret(testConfig().stateDir) ?? randomBytes(18).toString('base64url');
    await ensureReaderAccount(db.storage, db.name, password);
    stateDir = mkdtempSync(path.join(tmpdir(), 'tollstream-query-'));
    writeFileSync(path.join(stateDir, 'reader.secret'), `${password}\n`, { mode: 0o600 });
    const u = new URL(db.url);
    u.username = READER_USER;
    u.password = encodeURIComponent(password);
    readerUrl = u.toString();

    await db.storage.execute(
      "INSERT INTO plazas (plaza_id, code, name, lanes, updated_at) VALUES (4000, 'P4000', 'Plaza 4000', 4, UTC_TIMESTAMP(3)), (4001, 'P4001', 'Plaza 4001', 2, UTC_TIMESTAMP(3))",
    );
    await db.storage.execute(
      'INSERT INTO passages (event_id, plaza_id, lane, vehicle_id, vehicle_type, axles, passed_at, source, kafka_topic, kafka_partition, kafka_offset, ingested_at) VALUES ?',
      [
        PASSAGES.map(([id, plaza, lane, vehicle, type, at], i) => [
          id,
          plaza,
          lane,
          vehicle,
          type,
          type === 'truck' ? 4 : 2,
          at,
          'test',
          'toll.passages',
          0,
          i,
          new Date(),
        ]),
      ],
    );
    await db.storage.execute(
      'INSERT INTO payments (payment_id, event_id, plaza_id, method, amount_cents, currency, paid_at, kafka_partition, kafka_offset, ingested_at) VALUES ?',
      [
        PAYMENTS.map(([id, method, cents], i) => {
          const p = PASSAGES.find((x) => x[0] === id)!;
          return [`pay-${id}`, id, p[1], method, cents, 'USD', p[5], 0, i, new Date()];
        }),
      ],
    );
    // The sink keeps the rollups as it writes rows; rows written here are counted the way an upgrade counts rows
    // of an older database.
    await db.storage.transaction((tx) => rebuildRollups(tx));
  });

  afterAll(async () => {
    for (const host of ['%', 'localhost']) {
      await db.storage
        .execute(
          `REVOKE SELECT ON ${escapeId(db.name)}.* FROM ${escapeValue(READER_USER)}@${escapeValue(host)}`,
        )
        .catch(() => {});
    }
    await db.drop();
    rmSync(stateDir, { recursive: true, force: true });
  });

  describe('saved queries', () => {
    it('traffic-per-hour: passages per plaza per hour in the last 24 hours of data, or a pinned window', async () => {
      expect(await json(['--saved', 'traffic-per-hour'])).toEqual([
        { hour_utc: '2021-08-19 20:00', plaza_id: 4000, passages: '2' },
        { hour_utc: '2021-08-19 21:00', plaza_id: 4000, passages: '1' },
        { hour_utc: '2021-08-19 21:00', plaza_id: 4001, passages: '2' },
      ]);
      expect(await json(['--saved', 'traffic-per-hour', '--param', 'plaza=4001'])).toEqual([
        { hour_utc: '2021-08-19 21:00', plaza_id: 4001, passages: '2' },
      ]);
      expect(
        await json(['--saved', 'traffic-per-hour', '--param', 'from=2021-08-17', '--param', 'to=2021-08-18']),
      ).toEqual([{ hour_utc: '2021-08-17 10:00', plaza_id: 4001, passages: '1' }]);
    });

    it('traffic-per-minute: passages per plaza per minute in the last hour of data, or longer', async () => {
      expect(await json(['--saved', 'traffic-per-minute'])).toEqual([
        { minute_utc: '2021-08-19 21:05', plaza_id: 4001, passages: '1' },
        { minute_utc: '2021-08-19 21:30', plaza_id: 4000, passages: '1' },
        { minute_utc: '2021-08-19 21:59', plaza_id: 4001, passages: '1' },
      ]);
      expect(
        await json(['--saved', 'traffic-per-minute', '--param', 'minutes=120', '--param', 'plaza=4000']),
      ).toEqual([
        { minute_utc: '2021-08-19 20:10', plaza_id: 4000, passages: '1' },
        { minute_utc: '2021-08-19 20:40', plaza_id: 4000, passages: '1' },
        { minute_utc: '2021-08-19 21:30', plaza_id: 4000, passages: '1' },
      ]);
    });

    it('vehicle-mix: passages and share per vehicle type', async () => {
      expect(await json(['--saved', 'vehicle-mix'])).toEqual([
        { vehicle_type: 'car', passages: '3', share_pct: '60.0' },
        { vehicle_type: 'truck', passages: '1', share_pct: '20.0' },
        { vehicle_type: 'van', passages: '1', share_pct: '20.0' },
      ]);
    });

    it('busiest-plazas: most passages first, with names, limited', async () => {
      expect(await json(['--saved', 'busiest-plazas'])).toEqual([
        { plaza_id: 4000, name: 'Plaza 4000', passages: '3' },
        { plaza_id: 4001, name: 'Plaza 4001', passages: '2' },
      ]);
      expect(await json(['--saved', 'busiest-plazas', '--param', 'limit=1'])).toEqual([
        { plaza_id: 4000, name: 'Plaza 4000', passages: '3' },
      ]);
    });

    it("vehicle-passages: one vehicle's passages newest first with its payments", async () => {
      expect(await json(['--saved', 'vehicle-passages', '--param', 'vehicle=v1'])).toEqual([
        {
          passed_at: '2021-08-19T21:59:59.500Z',
          plaza_id: 4001,
          lane: 2,
          vehicle_type: 'van',
          axles: 2,
          method: 'card',
          amount_cents: 600,
          event_id: 'e5',
        },
        {
          passed_at: '2021-08-19T21:05:00.000Z',
          plaza_id: 4001,
          lane: 1,
          vehicle_type: 'car',
          axles: 2,
          method: 'e-tag',
          amount_cents: 450,
          event_id: 'e3',
        },
        {
          passed_at: '2021-08-19T20:10:00.000Z',
          plaza_id: 4000,
          lane: 1,
          vehicle_type: 'car',
          axles: 2,
          method: 'e-tag',
          amount_cents: 450,
          event_id: 'e1',
        },
      ]);
      // A hostile id is a value, not SQL: it matches nothing.
      expect(await json(['--saved', 'vehicle-passages', '--param', "vehicle=v1' OR '1'='1"])).toEqual([]);
    });

    it('revenue: payments and amounts per plaza and method', async () => {
      expect(await json(['--saved', 'revenue'])).toEqual([
        {
          plaza_id: 4000,
          method: 'cash',
          currency: 'USD',
          payments: '1',
          amount_cents: '1200',
          amount: '12.00',
        },
        {
          plaza_id: 4000,
          method: 'e-tag',
          currency: 'USD',
          payments: '2',
          amount_cents: '900',
          amount: '9.00',
        },
        {
          plaza_id: 4001,
          method: 'card',
          currency: 'USD',
          payments: '1',
          amount_cents: '600',
          amount: '6.00',
        },
        {
          plaza_id: 4001,
          method: 'e-tag',
          currency: 'USD',
          payments: '1',
          amount_cents: '450',
          amount: '4.50',
        },
      ]);
    });

    it('revenue-per-hour: payments and amounts per plaza per hour', async () => {
      const row = (hour: string, plaza: number, payments: string, cents: string, amount: string): object => ({
        hour_utc: `2021-08-19 ${hour}`,
        plaza_id: plaza,
        currency: 'USD',
        payments,
        amount_cents: cents,
        amount,
      });
      expect(await json(['--saved', 'revenue-per-hour'])).toEqual([
        row('20:00', 4000, '2', '1650', '16.50'),
        row('21:00', 4000, '1', '450', '4.50'),
        row('21:00', 4001, '2', '1050', '10.50'),
      ]);
      expect(
        await json(['--saved', 'revenue-per-hour', '--param', 'plaza=4001', '--param', 'hours=1']),
      ).toEqual([row('21:00', 4001, '2', '1050', '10.50')]);
    });

    it('livetolldata: the newest rows under the classic column names', async () => {
      expect(await json(['--saved', 'livetolldata', '--param', 'limit=2'])).toEqual([
        { timestamp: '2021-08-19T21:59:59.500Z', vehicle_id: 'v1', vehicle_type: 'van', toll_plaza_id: 4001 },
        { timestamp: '2021-08-19T21:30:00.000Z', vehicle_id: 'v3', vehicle_type: 'car', toll_plaza_id: 4000 },
      ]);
    });

    it('an unknown saved query lists the names; --saved list shows them with parameters', async () => {
      const r = await cli(['--saved', 'nope']);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(
        `tollstream query: no saved query "nope"; saved queries: ${SAVED_QUERIES.map((q) => q.name).join(', ')}\n`,
      );
      const list = await cli(['--saved', 'list']);
      expect(list.code).toBe(0);
      expect(list.stdout).toMatch(
        /^vehicle-passages +\| one vehicle's passages.* \| vehicle \(required\) limit=100$/m,
      );
      const missing = await cli(['--saved', 'vehicle-passages']);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toMatch(/needs --param vehicle=/);
    });
  });

  describe('SQL from the command line', () => {
    it('prints an aligned table with the row count, and notes truncation at the row cap', async () => {
      const r = await cli(['--row-cap', '2', 'SELECT event_id, plaza_id FROM passages ORDER BY event_id']);
      expect(r.code).toBe(0);
      const lines = r.stdout.split('\n');
      expect(lines.slice(0, 4)).toEqual([
        'event_id | plaza_id',
        '---------+---------',
        'e0       |     4001',
        'e1       |     4000',
      ]);
      expect(lines[4]).toMatch(
        /^2 rows in \d+ ms; truncated at 2 rows \(the row cap; --row-cap raises it\)$/,
      );
    });

    it('writes CSV with a header and CRLF records; truncation note on stderr only', async () => {
      const r = await cli([
        '--format',
        'csv',
        '--row-cap',
        '1',
        "SELECT event_id, 'a,\"b' AS odd FROM passages ORDER BY event_id",
      ]);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe('event_id,odd\r\ne0,"a,""b"\r\n');
      expect(r.stderr).toBe('tollstream query: truncated at 1 row (the row cap; --row-cap raises it)\n');
    });

    it('refuses DELETE before it reaches the server, exit 2, rows unchanged', async () => {
      const r = await cli(['DELETE FROM passages']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^tollstream query: refused: DELETE statements are not allowed; only SELECT/);
      expect(r.stdout).toBe('');
      expect(await passageCount()).toBe(PASSAGES.length);
    });

    it('the server-side account is the real guard: what it may not read is refused, exit 2', async () => {
      const r = await cli(['SELECT * FROM mysql.user']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(
        /^tollstream query: refused: read-only account: SELECT command denied to user 'tollstream_reader'/,
      );
    });

    it('bad SQL: the server message, exit 1', async () => {
      const r = await cli(['SELECT * FROM no_such_table']);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(
        `tollstream query: MySQL error: Table '${db.name}.no_such_table' doesn't exist\n`,
      );
    });

    it('a statement over the time limit is stopped by the server, exit 1', async () => {
      const r = await cli(['--query-timeout', '1s', 'SELECT SLEEP(5)']);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe('tollstream query: query exceeded the 1 s limit\n');
    });

    it('Ctrl-C cancels the statement on the server (KILL QUERY), exit 1', async () => {
      const env = { ...process.env };
      delete env.TOLLSTREAM_MYSQL_READER_URL;
      const child = spawn(
        process.execPath,
        [BIN, 'query', '--mysql-url', db.url, '--state-dir', stateDir, 'SELECT SLEEP(40)'],
        {
          env,
        },
      );
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      await waitFor(async () => (await sleepingQueries(db)) === 1, {
        what: 'the SLEEP to run on the server',
      });
      child.kill('SIGINT');
      expect(await exited).toBe(1);
      expect(stderr).toMatch(/^tollstream query: query cancelled after \d/);
      expect(await sleepingQueries(db)).toBe(0);
    });
  });

  describe('executor (shared with the SQL prompt)', () => {
    it('cancel() kills the running statement; the executor then runs the next one', async () => {
      const executor = createQueryExecutor({ url: readerUrl, timeoutMs: 60_000, rowCap: 100 });
      try {
        const running = executor.run('SELECT SLEEP(40)');
        await waitFor(async () => (await sleepingQueries(db)) === 1, {
          what: 'the SLEEP to run on the server',
        });
        expect(executor.busy).toBe(true);
        expect(await executor.run('SELECT 1')).toEqual({
          kind: 'refused',
          reason: 'another query is still running; cancel it first',
        });
        expect(await executor.cancel()).toBe(true);
        expect((await running).kind).toBe('cancelled');
        expect(await sleepingQueries(db)).toBe(0);
        expect(await executor.run('SELECT COUNT(*) AS n FROM passages')).toMatchObject({
          kind: 'rows',
          rows: [[String(PASSAGES.length)]],
          columns: [{ name: 'n', type: 'BIGINT', numeric: true }],
          truncated: false,
        });
        // The session is read-only (MariaDB shows it only without a FROM clause).
        expect(await executor.run('SELECT @@session.tx_read_only AS ro')).toMatchObject({ rows: [['1']] });
        expect(await executor.cancel()).toBe(false);
        expect((await executor.server()).flavour).toBe('mariadb');
      } finally {
        await executor.close();
      }
    });

    it('a server that stops answering cannot hang a run: cancel and the time limit both end it', async () => {
      for (const how of ['cancel', 'time limit'] as const) {
        const server = new URL(readerUrl);
        const proxy = await blackHoleProxy(server.hostname, Number(server.port || 3306));
        const via = new URL(readerUrl);
        via.host = `127.0.0.1:${proxy.port}`;
        const executor = createQueryExecutor({
          url: via.toString(),
          timeoutMs: how === 'cancel' ? 60_000 : 1000,
          rowCap: 100,
        });
        try {
          expect(await executor.run('SELECT 1 AS one')).toMatchObject({ kind: 'rows' });
          const running = executor.run('SELECT SLEEP(40)');
          await waitFor(async () => (await sleepingQueries(db)) === 1, { what: 'the SLEEP to run' });
          proxy.freeze();
          const frozenAt = Date.now();
          if (how === 'cancel') expect(await executor.cancel()).toBe(true);
          expect((await running).kind).toBe(how === 'cancel' ? 'cancelled' : 'timeout');
          // KILL QUERY gets no answer either: the run is given up ABANDON_AFTER_MS after the first attempt.
          expect(Date.now() - frozenAt).toBeLessThan(ABANDON_AFTER_MS + 6000);
          expect(executor.busy).toBe(false);
        } finally {
          await proxy.close();
          await executor.close();
          // The server itself still runs the SLEEP of the connection it can no longer reach.
          for (const r of await db.storage.query<{ id: number }>(
            "SELECT id FROM information_schema.processlist WHERE info LIKE 'SELECT SLEEP(40)%'",
          ))
            await db.storage.execute(`KILL QUERY ${Number(r.id)}`).catch(() => {});
        }
      }
    }, 60_000);

    it('a cancel before the statement reaches the server (connection still opening) is not lost', async () => {
      const executor = createQueryExecutor({ url: readerUrl, timeoutMs: 60_000, rowCap: 100 });
      try {
        const started = Date.now();
        const running = executor.run('SELECT SLEEP(40)');
        expect(executor.busy).toBe(true);
        expect(await executor.cancel()).toBe(true);
        expect((await running).kind).toBe('cancelled');
        expect(Date.now() - started).toBeLessThan(10_000);
        expect(await sleepingQueries(db)).toBe(0);
        expect(await executor.run('SELECT 1 AS one')).toMatchObject({ kind: 'rows', rows: [[1]] });
      } finally {
        await executor.close();
      }
    });
  });
});

async function sleepingQueries(db: TestDatabase): Promise<number> {
  const rows = await db.storage.query<{ n: string }>(
    "SELECT COUNT(*) AS n FROM information_schema.processlist WHERE db = ? AND user = ? AND info LIKE 'SELECT SLEEP(40)%'",
    [db.name, READER_USER],
  );
  return Number(rows[0]!.n);
}
