/**
 * The monitor's anomalies view against real MariaDB, as the SELECT-only account, on a private database holding
 * findings written the way the detector writes them: what the feed reads per poll (counts per rule per minute,
 * the newest findings, what was found since the monitor started), the queries Enter and `p` load into the prompt
 * run through the prompt's own query service, and the anomaly saved queries through `tollstream query`.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQueryExecutor } from '../../../src/query/executor.ts';
import type { QueryExecutor } from '../../../src/query/executor.ts';
import { FEED_SQL, createAnomalyFeed, readAnomalies } from '../../../src/monitor/anomaly-feed.ts';
import type { RunStatement } from '../../../src/monitor/anomaly-feed.ts';
import { createMonitorQueryService } from '../../../src/monitor/query-service.ts';
import type { MonitorQueryService } from '../../../src/monitor/query-service.ts';
import { readReaderSecret } from '../../../src/stack/reader.ts';
import { escapeId, escapeValue } from '../../../src/storage/db.ts';
import { READER_USER, ensureReaderAccount } from '../../../src/storage/schema.ts';
import { createLogger } from '../../../src/util/log.ts';
import type { Finding } from '../../../components/anomalies/types.ts';
import { freshDatabase, testConfig } from '../../helpers/services.ts';
import type { TestDatabase } from '../../helpers/services.ts';

const BIN = path.resolve('bin/tollstream.js');
const MIN = 60_000;
const at = (hhmmss: string, day = '2021-08-19'): number => Date.parse(`${day}T${hhmmss}Z`);
/** The monitor started at T0 (wall clock); findings are detected before and after it. */
const T0 = Date.UTC(2026, 11, 2, 20, 0, 0);

// [id, rule, plaza, vehicle, event, observed at, amount, expected, observed, detected at]
type Row = [
  string,
  string,
  number | null,
  string | null,
  string | null,
  number,
  number | null,
  number | null,
  number | null,
  number,
];
const TRICKY = "O'Brien\\7";
const FINDINGS: Row[] = [
  ['surge:4003:2021-08-19T21:30Z', 'surge', 4003, null, null, at('21:30:00'), null, 130, 312, T0 + 5_000],
  ['surge:4003:2021-08-19T21:00Z', 'surge', 4003, null, null, at('21:00:00'), null, 120, 250, T0 - 60 * MIN],
  ['unpaid:e1', 'unpaid', 4001, 'V1', 'e1', at('21:54:30'), 450, null, null, T0 + 10_000],
  ['unpaid:e2', 'unpaid', 4001, 'V2', 'e2', at('21:50:00'), 450, null, null, T0 + 20_000],
  ['unpaid:e3', 'unpaid', 4002, 'V3', 'e3', at('21:40:00'), null, null, null, T0 + 30_000],
  ['unpaid:e4', 'unpaid', 4002, 'V4', 'e4', at('21:10:00'), 450, null, null, T0 - 10 * MIN],
  ['short-payment:pay-e5', 'short-payment', 4002, TRICKY, 'e5', at('21:45:00'), 150, 450, 300, T0 + 40_000],
  ['double-charge:e6', 'double-charge', 4000, 'V6', 'e6', at('21:20:00'), 450, null, null, T0 - 5 * MIN],
  [
    'impossible-travel:e7',
    'impossible-travel',
    4005,
    'V7',
    'e7',
    at('21:05:00'),
    null,
    200,
    412.3,
    T0 - 2 * MIN,
  ],
  // The day before: outside the view's hour, inside the saved queries' longer windows.
  [
    'unpaid:e0',
    'unpaid',
    4001,
    'V9',
    'e0',
    at('10:00:00', '2021-08-18'),
    450,
    null,
    null,
    T0 - 24 * 60 * MIN,
  ],
  // A millisecond before the view's hour starts (20:55).
  ['drop:4004:2021-08-19T20:54Z', 'drop', 4004, null, null, at('20:54:59.999'), null, 90, 0, T0 - 30 * MIN],
];

// [event id, plaza, vehicle, passed at, paid cents or null]
const PASSAGES: [string, number, string, number, number | null][] = [
  ['v2-a', 4001, 'V2', at('20:40:00'), 450], // more than an hour before e2
  ['v2-b', 4001, 'V2', at('21:20:00'), 450],
  ['e2', 4001, 'V2', at('21:50:00'), null],
  ['v2-c', 4000, 'V2', at('22:49:59'), 450],
  ['v2-d', 4000, 'V2', at('22:50:00'), 450], // the bounds are inclusive
  ['v2-e', 4000, 'V2', at('22:50:00.001'), 450],
  ['v20-a', 4001, 'V20', at('21:50:00'), 450], // another vehicle
  ['e5', 4002, TRICKY, at('21:45:00'), 300],
];

// [plaza, minute bucket, vehicle type, passages]
const TRAFFIC: [number, number, string, number][] = [
  [4003, at('20:29:00'), 'car', 7],
  [4003, at('20:30:00'), 'car', 9],
  [4003, at('21:30:00'), 'car', 10],
  [4003, at('21:30:00'), 'truck', 5],
  [4003, at('22:29:00'), 'car', 11],
  [4003, at('22:30:00'), 'car', 12],
  [4003, at('22:31:00'), 'car', 13],
  [4004, at('21:30:00'), 'car', 99],
];

function insertFindings(db: TestDatabase, rows: Row[]): Promise<unknown> {
  return db.storage.execute(
    'INSERT INTO anomalies (anomaly_id, rule, plaza_id, vehicle_id, event_id, observed_at, amount_cents, expected, observed, details, detected_at) VALUES ?',
    [
      rows.map(([id, rule, plaza, vehicle, event, observedAt, amount, expected, observed, detectedAt]) => [
        id,
        rule,
        plaza,
        vehicle,
        event,
        new Date(observedAt),
        amount,
        expected,
        observed,
        '{}',
        new Date(detectedAt),
      ]),
    ],
  );
}

describe('the anomalies view against MariaDB, as the read-only account', () => {
  let db: TestDatabase;
  let stateDir: string;
  let readerUrl: string;
  let executor: QueryExecutor;
  let prompt: MonitorQueryService;
  let run: RunStatement;

  beforeAll(async () => {
    db = await freshDatabase('tollstream_anomview');
    // The stack's reader password when there is one: the account is server-wide.
    const password = readReaderSecret(testConfig().stateDir) ?? randomBytes(18).toString('base64url');
    await ensureReaderAccount(db.storage, db.name, password);
    stateDir = mkdtempSync(path.join(tmpdir(), 'tollstream-anomview-'));
    writeFileSync(path.join(stateDir, 'reader.secret'), `${password}\n`, { mode: 0o600 });
    const u = new URL(db.url);
    u.username = READER_USER;
    u.password = encodeURIComponent(password);
    readerUrl = u.toString();
    executor = createQueryExecutor({ url: readerUrl, timeoutMs: 10_000, rowCap: 1000 });
    run = (sql, params) => executor.run(sql, { params });
    prompt = createMonitorQueryService(
      testConfig({ mysqlUrl: db.url, stateDir }),
      createLogger('test-query'),
    );

    await db.storage.execute(
      "INSERT INTO plazas (plaza_id, code, name, lanes, updated_at, currency) VALUES (4001, 'P4001', 'North', 4, UTC_TIMESTAMP(3), 'USD'), (4002, 'P4002', 'South', 2, UTC_TIMESTAMP(3), 'USD')",
    );
    await insertFindings(db, FINDINGS);
    await db.storage.execute(
      'INSERT INTO passages (event_id, plaza_id, lane, vehicle_id, vehicle_type, axles, passed_at, source, kafka_topic, kafka_partition, kafka_offset, ingested_at) VALUES ?',
      [
        PASSAGES.map(([id, plaza, vehicle, passedAt], i) => [
          id,
          plaza,
          1,
          vehicle,
          'car',
          2,
          new Date(passedAt),
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
        PASSAGES.filter((p) => p[4] !== null).map(([id, plaza, , passedAt, cents], i) => [
          `pay-${id}`,
          id,
          plaza,
          'e-tag',
          cents,
          'USD',
          new Date(passedAt),
          0,
          i,
          new Date(),
        ]),
      ],
    );
    await db.storage.execute(
      'INSERT INTO traffic_minute (plaza_id, bucket, vehicle_type, passages) VALUES ?',
      [TRAFFIC.map(([plaza, bucket, type, n]) => [plaza, new Date(bucket), type, n])],
    );
  });

  afterAll(async () => {
    await executor?.close();
    await prompt?.close();
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

  it('reads the hour ending after the newest finding: counts per rule per minute, newest detected first', async () => {
    const data = await readAnomalies(run, T0, T0 + 50_000);
    expect(data.window).toEqual({ startMs: at('20:55:00'), endMs: at('21:55:00') });
    const minutes = (rule: string) => {
      const r = data.rules.find((x) => x.rule === rule)!;
      return Object.fromEntries(r.perMinute.flatMap((n, i) => (n ? [[i, n]] : [])));
    };
    expect(data.rules.map((r) => [r.rule, r.total])).toEqual([
      ['surge', 2],
      ['drop', 0],
      ['unpaid', 4],
      ['short-payment', 1],
      ['double-charge', 1],
      ['impossible-travel', 1],
    ]);
    expect(data.rules.every((r) => r.perMinute.length === 60)).toBe(true);
    expect(minutes('surge')).toEqual({ 5: 1, 35: 1 });
    expect(minutes('unpaid')).toEqual({ 15: 1, 45: 1, 55: 1, 59: 1 });
    expect(minutes('short-payment')).toEqual({ 50: 1 });
    expect(minutes('impossible-travel')).toEqual({ 10: 1 });
    expect(data.newest.map((f) => f.anomalyId)).toEqual([
      'short-payment:pay-e5',
      'unpaid:e3',
      'unpaid:e2',
      'unpaid:e1',
      'surge:4003:2021-08-19T21:30Z',
      'impossible-travel:e7',
      'double-charge:e6',
      'unpaid:e4',
      'surge:4003:2021-08-19T21:00Z',
    ]);
    expect(data.newest[0]).toMatchObject({
      rule: 'short-payment',
      plazaId: 4002,
      vehicleId: TRICKY,
      eventId: 'e5',
      observedAtMs: at('21:45:00'),
      detectedAtMs: T0 + 40_000,
      amountCents: 150,
      expected: 450,
      observed: 300,
    });
    // Since the monitor started (T0) and within the last minute: surges listed, unpaid and short counted.
    expect(data.surges.map((f) => f.anomalyId)).toEqual(['surge:4003:2021-08-19T21:30Z']);
    expect(data.recent).toEqual([
      { rule: 'surge', findings: 1, amountCents: 0 },
      { rule: 'unpaid', findings: 3, amountCents: 900 },
      { rule: 'short-payment', findings: 1, amountCents: 150 },
    ]);
    // 40 s later the minute has moved on: only what was detected from T0 + 30 s counts.
    const later = await readAnomalies(run, T0, T0 + 90_000);
    expect(later.recent).toEqual([
      { rule: 'unpaid', findings: 1, amountCents: 0 },
      { rule: 'short-payment', findings: 1, amountCents: 150 },
    ]);
  });

  it('the feed publishes a running snapshot, then nothing new while the table does not change', async () => {
    let now = T0 + 50_000;
    const feed = createAnomalyFeed({ run, startedAt: T0, clock: () => now });
    let published = 0;
    const off = feed.store.subscribe(() => published++);
    await feed.poll();
    const first = feed.store.getSnapshot();
    expect(first.status).toEqual({ kind: 'running' });
    expect(first.newest).toHaveLength(9);
    expect(published).toBe(1);
    await feed.poll();
    expect(feed.store.getSnapshot()).toBe(first);
    expect(published).toBe(1);
    now = T0 + 90_000;
    await feed.poll();
    expect(published).toBe(2);
    expect(feed.store.getSnapshot().recent.map((r) => r.rule)).toEqual(['unpaid', 'short-payment']);
    off();
    await feed.stop();
  });

  it('a feed whose account may not read the table says why and keeps polling', async () => {
    const u = new URL(readerUrl);
    u.password = 'wrong-password';
    const denied = createQueryExecutor({ url: u.toString(), timeoutMs: 5000, rowCap: 10 });
    const feed = createAnomalyFeed({
      run: (sql, params) => denied.run(sql, { params }),
      startedAt: T0,
      close: () => denied.close(),
    });
    await feed.poll();
    const s = feed.store.getSnapshot();
    expect(s.status.kind).toBe('error');
    expect(s.status.kind === 'error' && s.status.message).toMatch(/Access denied|cannot log in|reader/i);
    expect(s.status.kind === 'error' && s.status.retryInMs).toBe(4000);
    await feed.stop();
  });

  describe('Enter and p load queries that run in the prompt (read-only account)', () => {
    let findings: Finding[];
    const byId = (id: string): Finding => findings.find((f) => f.anomalyId === id)!;
    const rowsOf = async (sql: string) => {
      const outcome = await prompt.run(sql);
      if (outcome.kind !== 'rows') throw new Error(`expected rows, got ${JSON.stringify(outcome)}`);
      return outcome;
    };

    beforeAll(async () => {
      findings = (await readAnomalies(run, T0, T0 + 50_000)).newest;
    });

    it("an unpaid passage: the vehicle's passages from an hour before to an hour after, with what each paid", async () => {
      const f = byId('unpaid:e2');
      expect(f.query!.label).toBe('passages of V2 20:50-22:50 UTC');
      const r = await rowsOf(f.query!.sql);
      expect(r.columns).toEqual([
        'passed_at',
        'plaza_id',
        'lane',
        'vehicle_type',
        'method',
        'amount_cents',
        'event_id',
      ]);
      expect(r.rows.map((x) => [x[0], x[1], x[5], x[6]])).toEqual([
        ['2021-08-19T21:20:00.000Z', '4001', '450', 'v2-b'],
        ['2021-08-19T21:50:00.000Z', '4001', null, 'e2'],
        ['2021-08-19T22:49:59.000Z', '4000', '450', 'v2-c'],
        ['2021-08-19T22:50:00.000Z', '4000', '450', 'v2-d'],
      ]);
    });

    it('a vehicle id with a quote and a backslash is a literal, not SQL', async () => {
      const f = byId('short-payment:pay-e5');
      const r = await rowsOf(f.query!.sql);
      expect(r.rows.map((x) => [x[6], x[5]])).toEqual([['e5', '300']]);
    });

    it("a surge: the plaza's passages per minute from the rollup around the window", async () => {
      const f = byId('surge:4003:2021-08-19T21:30Z');
      expect(f.query!.label).toBe('plaza 4003 passages per minute 20:30-22:30 UTC');
      const r = await rowsOf(f.query!.sql);
      expect(r.rows).toEqual([
        ['2021-08-19T20:30:00.000Z', '9'],
        ['2021-08-19T21:30:00.000Z', '15'],
        ['2021-08-19T22:29:00.000Z', '11'],
        ['2021-08-19T22:30:00.000Z', '12'],
      ]);
    });

    it("p: the plaza's findings around the time, newest first", async () => {
      const f = byId('unpaid:e3');
      const r = await rowsOf(f.plazaQuery!.sql);
      expect(r.rows.map((x) => x[6])).toEqual(['short-payment:pay-e5', 'unpaid:e3', 'unpaid:e4']);
    });
  });

  describe('saved queries through tollstream query', () => {
    const cli = (args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
      new Promise((resolve) => {
        const env = { ...process.env };
        delete env.TOLLSTREAM_MYSQL_READER_URL;
        execFile(
          process.execPath,
          [BIN, 'query', '--mysql-url', db.url, '--state-dir', stateDir, '--format', 'json', ...args],
          { env, timeout: 60_000 },
          (error, stdout, stderr) => {
            resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr });
          },
        );
      });
    const json = async (args: string[]): Promise<unknown> => {
      const r = await cli(args);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      return JSON.parse(r.stdout);
    };

    it('anomalies-per-rule-per-day: the last 7 days of findings by default, or a window', async () => {
      expect(await json(['--saved', 'anomalies-per-rule-per-day'])).toEqual([
        { day_utc: '2021-08-18', rule: 'unpaid', findings: '1', plazas: '1', amount_cents: '450' },
        { day_utc: '2021-08-19', rule: 'double-charge', findings: '1', plazas: '1', amount_cents: '450' },
        { day_utc: '2021-08-19', rule: 'drop', findings: '1', plazas: '1', amount_cents: null },
        { day_utc: '2021-08-19', rule: 'impossible-travel', findings: '1', plazas: '1', amount_cents: null },
        { day_utc: '2021-08-19', rule: 'short-payment', findings: '1', plazas: '1', amount_cents: '150' },
        { day_utc: '2021-08-19', rule: 'surge', findings: '2', plazas: '1', amount_cents: null },
        { day_utc: '2021-08-19', rule: 'unpaid', findings: '4', plazas: '2', amount_cents: '1350' },
      ]);
      const day = (await json(['--saved', 'anomalies-per-rule-per-day', '--param', 'hours=24'])) as {
        day_utc: string;
      }[];
      expect(day.map((r) => r.day_utc)).not.toContain('2021-08-18');
      expect(day).toHaveLength(6);
    });

    it('top-plazas-by-unpaid-amount: unpaid tariffs plus shortfalls, most first', async () => {
      expect(await json(['--saved', 'top-plazas-by-unpaid-amount'])).toEqual([
        {
          plaza_id: 4001,
          name: 'North',
          currency: 'USD',
          unpaid: '2',
          unpaid_cents: '900',
          short_payments: '0',
          short_cents: '0',
          not_paid_cents: '900',
          unpaid_without_tariff: '0',
        },
        {
          plaza_id: 4002,
          name: 'South',
          currency: 'USD',
          unpaid: '2',
          unpaid_cents: '450',
          short_payments: '1',
          short_cents: '150',
          not_paid_cents: '600',
          unpaid_without_tariff: '1',
        },
      ]);
      const two = (await json([
        '--saved',
        'top-plazas-by-unpaid-amount',
        '--param',
        'hours=48',
        '--param',
        'limit=1',
      ])) as { plaza_id: number; unpaid: string }[];
      expect(two).toEqual([expect.objectContaining({ plaza_id: 4001, unpaid: '3' })]);
    });
  });

  it('each poll reads through the observed_at indexes: fast with 200,000 older findings and a busy hour', async () => {
    const window = [new Date(at('20:55:00')), new Date(at('21:55:00'))];
    const plans = [
      [FEED_SQL.perMinute, [window[0], new Date(T0), new Date(T0), ...window]],
      [FEED_SQL.latest, window],
      [FEED_SQL.surges, [...window, new Date(T0)]],
    ] as const;
    // 200,000 older findings, about one every 26 s over the 60 days before the hour.
    const bulk: Row[] = Array.from({ length: 200_000 }, (_, i) => [
      `unpaid:bulk-${i}`,
      i % 10 === 0 ? 'short-payment' : 'unpaid',
      4000 + (i % 12),
      `B${i}`,
      `bulk-${i}`,
      at('20:50:00') - (i + 1) * 26_000,
      450,
      null,
      null,
      T0 - 86_400_000,
    ]);
    for (let i = 0; i < bulk.length; i += 10_000) await insertFindings(db, bulk.slice(i, i + 10_000));
    await db.storage.execute('ANALYZE TABLE anomalies');
    for (const [sql, params] of plans) {
      const explained = await db.storage.query<{ key: string | null; type: string }>(`EXPLAIN ${sql}`, [
        ...params,
      ]);
      expect(explained[0]!.type).toBe('range');
      expect(explained[0]!.key).toMatch(/^anomalies_(rule_)?time$/);
    }
    const median = async (): Promise<number> => {
      const times: number[] = [];
      for (let i = 0; i < 11; i++) {
        const started = performance.now();
        await readAnomalies(run, T0, T0 + 50_000);
        times.push(performance.now() - started);
      }
      return times.sort((x, y) => x - y)[5]!;
    };
    const quiet = await median();
    // A busy hour: 7,200 more findings in the hour shown (two a second), detected since the monitor started.
    const busy: Row[] = Array.from({ length: 7_200 }, (_, i) => [
      `unpaid:busy-${i}`,
      'unpaid',
      4000 + (i % 12),
      `C${i}`,
      `busy-${i}`,
      at('20:55:00') + i * 500,
      450,
      null,
      null,
      T0 + 1_000 + i,
    ]);
    await insertFindings(db, busy);
    const loaded = await median();
    console.log(
      `anomaly feed poll, 200,000 older findings: median ${quiet.toFixed(1)} ms; with 7,200 in the hour shown: ${loaded.toFixed(1)} ms`,
    );
    const data = await readAnomalies(run, T0, T0 + 50_000);
    expect(data.newest).toHaveLength(50);
    expect(data.rules.find((r) => r.rule === 'unpaid')!.total).toBe(4 + 7_200);
    expect(quiet).toBeLessThan(500);
    expect(loaded).toBeLessThan(1000);
  });
});
