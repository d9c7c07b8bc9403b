/**
 * The rollups (traffic_minute/hour, revenue_minute/hour) against the rows they summarise, on the real broker and
 * MariaDB: after each step the test reads passages and payments, buckets and counts them itself (in JS, from the
 * rows' timestamps) and compares the whole of each rollup table with that. Steps: a sink writing passages,
 * payments, classic lines and plazas; replays of stored ids (changed, so counting a dropped replay shows) mixed
 * with new ids and an id twice in one chunk; then `tollstream --headless` importing a file, the same file again,
 * and a --replace of it with a corrected mapping (classes and amounts change).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatLegacyLine } from '../../../src/domain/legacy.ts';
import type { Passage, Payment, Plaza } from '../../../src/domain/types.ts';
import { createSink } from '../../../src/engines/sink/index.ts';
import type { SinkEngine } from '../../../src/engines/sink/index.ts';
import type { Storage } from '../../../src/storage/db.ts';
import {
  freshDatabase,
  testConfig,
  testKafka,
  topicEnv,
  uniqueName,
  waitFor,
} from '../../helpers/services.ts';
import type { TestDatabase, TestKafka } from '../../helpers/services.ts';
import { tollstream } from '../headless/cli.ts';
import type { SinkTopics } from './fixtures.ts';
import { count, keyed, publish, sinkTopics, storedOffsets } from './fixtures.ts';

type Tuple = (string | number)[];

/** 'YYYY-MM-DD HH:MM' of the minute or hour an ISO instant falls in. */
function bucket(iso: string, grain: 'minute' | 'hour'): string {
  const unit = grain === 'minute' ? 60_000 : 3_600_000;
  const at = new Date(Math.floor(Date.parse(iso) / unit) * unit).toISOString();
  return `${at.slice(0, 10)} ${at.slice(11, 16)}`;
}

const byTuple = (a: Tuple, b: Tuple): number => {
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
};

/** The rollups as the rows say they must be: grouped here, not by the SQL or the code under test. */
async function fromRows(storage: Storage): Promise<Record<string, Tuple[]>> {
  const iso = (column: string): string => `DATE_FORMAT(${column}, '%Y-%m-%dT%H:%i:%s.%fZ')`;
  const passages = await storage.query<{ plaza_id: number; vehicle_type: string; at: string }>(
    `SELECT plaza_id, vehicle_type, ${iso('passed_at')} AS at FROM passages`,
  );
  const payments = await storage.query<{
    plaza_id: number;
    method: string;
    currency: string;
    amount_cents: number;
    at: string;
  }>(`SELECT plaza_id, method, currency, amount_cents, ${iso('paid_at')} AS at FROM payments`);
  const out: Record<string, Tuple[]> = {};
  for (const grain of ['minute', 'hour'] as const) {
    const traffic = new Map<string, Tuple>();
    for (const p of passages) {
      const key = [p.plaza_id, bucket(p.at, grain), p.vehicle_type];
      const held = traffic.get(key.join('|'));
      if (held) (held[3] as number)++;
      else traffic.set(key.join('|'), [...key, 1]);
    }
    const revenue = new Map<string, Tuple>();
    for (const p of payments) {
      const key = [p.plaza_id, bucket(p.at, grain), p.method, p.currency];
      const held = revenue.get(key.join('|'));
      if (held) {
        (held[4] as number)++;
        (held[5] as number) += Number(p.amount_cents);
      } else revenue.set(key.join('|'), [...key, 1, Number(p.amount_cents)]);
    }
    out[`traffic_${grain}`] = [...traffic.values()].sort(byTuple);
    out[`revenue_${grain}`] = [...revenue.values()].sort(byTuple);
  }
  return out;
}

/** The four rollup tables, whole. */
async function rollups(storage: Storage): Promise<Record<string, Tuple[]>> {
  const out: Record<string, Tuple[]> = {};
  for (const grain of ['minute', 'hour'] as const) {
    const traffic = await storage.query<{
      plaza_id: number;
      b: string;
      vehicle_type: string;
      passages: number;
    }>(
      `SELECT plaza_id, DATE_FORMAT(bucket, '%Y-%m-%d %H:%i') AS b, vehicle_type, passages FROM traffic_${grain}`,
    );
    out[`traffic_${grain}`] = traffic
      .map((r) => [r.plaza_id, r.b, r.vehicle_type, Number(r.passages)])
      .sort(byTuple);
    const revenue = await storage.query<{
      plaza_id: number;
      b: string;
      method: string;
      currency: string;
      payments: number;
      amount_cents: string;
    }>(
      `SELECT plaza_id, DATE_FORMAT(bucket, '%Y-%m-%d %H:%i') AS b, method, currency, payments, amount_cents FROM revenue_${grain}`,
    );
    out[`revenue_${grain}`] = revenue
      .map((r) => [r.plaza_id, r.b, r.method, r.currency, Number(r.payments), Number(r.amount_cents)])
      .sort(byTuple);
  }
  return out;
}

/** Rollups equal to the rows, and not trivially: every passage and payment is in them. */
async function expectRollupsOfRows(storage: Storage): Promise<Record<string, Tuple[]>> {
  const expected = await fromRows(storage);
  expect(await rollups(storage)).toEqual(expected);
  const passages = await count(storage, 'SELECT COUNT(*) AS n FROM passages');
  const payments = await count(storage, 'SELECT COUNT(*) AS n FROM payments');
  expect(passages).toBeGreaterThan(0);
  expect(payments).toBeGreaterThan(0);
  for (const grain of ['minute', 'hour']) {
    expect(expected[`traffic_${grain}`]!.reduce((n, r) => n + (r[3] as number), 0)).toBe(passages);
    expect(expected[`revenue_${grain}`]!.reduce((n, r) => n + (r[4] as number), 0)).toBe(payments);
  }
  return expected;
}

const START = Date.UTC(2021, 7, 19, 21, 30, 0);
const TYPES = ['car', 'truck', 'van', 'bus'];
const METHODS = ['e-tag', 'cash', 'card'] as const;

/** One passage every 13.7 s from 21:30 (three hours and several minute and hour edges for 900). */
function passageOf(run: string, i: number, over: Partial<Passage> = {}): Passage {
  return {
    v: 1,
    eventId: `${run}-${String(i).padStart(6, '0')}`,
    plazaId: 4000 + (i % 7),
    lane: 1 + (i % 4),
    vehicleId: `V${i % 311}`,
    vehicleType: TYPES[i % 4]!,
    passedAt: new Date(START + i * 13_700).toISOString(),
    ...over,
  };
}

function paymentOf(p: Passage, i: number, over: Partial<Payment> = {}): Payment {
  return {
    v: 1,
    paymentId: `pay-${p.eventId}`,
    eventId: p.eventId,
    plazaId: p.plazaId,
    method: METHODS[i % 3]!,
    amountCents: 100 + (i % 13) * 25,
    currency: i % 5 === 0 ? 'EUR' : 'USD',
    // Paid up to 70 s later: some payments fall in the next minute or hour.
    paidAt: new Date(Date.parse(p.passedAt) + (i % 8) * 10_000).toISOString(),
    ...over,
  };
}

describe('rollups count exactly the rows kept', () => {
  let k: TestKafka;
  let db: TestDatabase;
  let topics: SinkTopics;
  let sink: SinkEngine | undefined;
  let dir: string;
  const run = uniqueName('ru').replace(/_/g, '-');
  const groupId = uniqueName('sink-rollups');

  beforeAll(async () => {
    k = await testKafka();
    db = await freshDatabase('tollstream_ru');
    topics = await sinkTopics(k);
    dir = mkdtempSync(path.join(os.tmpdir(), 'tollstream-rollups-'));
  });
  afterAll(async () => {
    await sink?.stop();
    await db?.drop();
    await k?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Until the sink's stored offsets reach the end of every partition of `topic`. */
  const drained = async (topic: string): Promise<void> => {
    await waitFor(
      async () => {
        const stored = await storedOffsets(db.storage, groupId, topic);
        const ends = await k.admin.topicOffsets(topic);
        return ends.every(({ partition, high }) => (stored.get(partition) ?? 0n) === BigInt(high));
      },
      { what: `the sink at the end of ${topic}`, timeoutMs: 60_000 },
    );
  };

  it('the sink: passages, payments and classic lines; replays of stored ids and an id twice in a chunk count once', async () => {
    const passages = Array.from({ length: 900 }, (_, i) => passageOf(run, i));
    const payments = passages.filter((_, i) => i % 3 !== 2).map((p, i) => paymentOf(p, i));
    await publish(
      k,
      topics.passages,
      passages.map((p) => keyed(p.plazaId, p)),
    );
    await publish(
      k,
      topics.payments,
      payments.map((p) => keyed(p.plazaId, p)),
    );
    const lines = Array.from({ length: 25 }, (_, i) =>
      formatLegacyLine(START + i * 150_000, `L${i}`, i % 2 ? 'Truck' : 'car', 4000 + (i % 3)),
    );
    await publish(
      k,
      topics.legacy,
      lines.map((l) => ({ key: null, value: l })),
    );
    const plazas: Plaza[] = [
      { v: 1, plazaId: 4000, code: 'N', name: 'North', lanes: 4 },
      {
        v: 1,
        plazaId: 4001,
        code: 'S',
        name: 'South',
        lanes: 6,
        tariffs: { car: 450, truck: 1275 },
        currency: 'USD',
        position: { lat: 40.7128, lon: -74.006 },
      },
      { v: 1, plazaId: 4002, code: 'E', name: 'East', lanes: 2, tariffs: { car: 300 }, currency: 'EUR' },
      // The newest record of a plaza replaces its row, reference data included.
      { v: 1, plazaId: 4002, code: 'E', name: 'East', lanes: 3 },
    ];
    await publish(
      k,
      topics.plazas,
      plazas.map((p) => keyed(p.plazaId, p)),
    );

    sink = createSink(testConfig({ mysqlUrl: db.url }), { groupId, topics, batchMaxRows: 128 });
    await sink.start();
    for (const t of [topics.passages, topics.payments, topics.legacy, topics.plazas]) await drained(t);
    expect(await count(db.storage, 'SELECT COUNT(*) AS n FROM passages')).toBe(925);
    const first = await expectRollupsOfRows(db.storage);
    expect(first.traffic_minute!.length).toBeGreaterThan(first.traffic_hour!.length);

    expect(
      await db.storage.query(
        'SELECT plaza_id, lanes, tariffs, currency, latitude, longitude FROM plazas ORDER BY plaza_id',
      ),
    ).toEqual([
      { plaza_id: 4000, lanes: 4, tariffs: null, currency: null, latitude: null, longitude: null },
      {
        plaza_id: 4001,
        lanes: 6,
        tariffs: '{"car":450,"truck":1275}',
        currency: 'USD',
        latitude: 40.7128,
        longitude: -74.006,
      },
      { plaza_id: 4002, lanes: 3, tariffs: null, currency: null, latitude: null, longitude: null },
    ]);

    // One send on one key: one partition, chunks mixing ids already stored (from this partition and others, at
    // other offsets) with new ones. The replays carry other classes, plazas and times, so a rollup that counted
    // a row INSERT IGNORE dropped would differ from the rows.
    const replayed: Passage[] = [];
    const replayedPayments: Payment[] = [];
    for (let i = 0; i < 300; i++) {
      if (i % 2 === 0) {
        const old = passages[i * 3]!;
        replayed.push({ ...old, vehicleType: 'bus', plazaId: 4009, passedAt: '2021-08-20T09:00:00.000Z' });
      } else replayed.push(passageOf(run, 1000 + i));
    }
    // A new id twice in one chunk: the first (car) is kept.
    const twice = passageOf(run, 5000, { vehicleType: 'car' });
    replayed.splice(150, 0, twice, { ...twice, vehicleType: 'truck', plazaId: 4008 });
    for (let i = 0; i < 200; i++) {
      const old = payments[i * 2];
      if (i % 2 === 0 && old) replayedPayments.push({ ...old, amountCents: 99_999, method: 'card' });
      else replayedPayments.push(paymentOf(passageOf(run, 1000 + i), i));
    }
    const twicePaid = paymentOf(twice, 1);
    replayedPayments.splice(50, 0, twicePaid, { ...twicePaid, amountCents: 77_777, currency: 'GBP' });
    await publish(
      k,
      topics.passages,
      replayed.map((p) => keyed(4000, p)),
    );
    await publish(
      k,
      topics.payments,
      replayedPayments.map((p) => keyed(4000, p)),
    );
    await drained(topics.passages);
    await drained(topics.payments);
    expect(await count(db.storage, 'SELECT COUNT(*) AS n FROM passages')).toBe(925 + 150 + 1);
    expect(await count(db.storage, 'SELECT COUNT(*) AS n FROM payments')).toBe(payments.length + 100 + 1);
    const second = await expectRollupsOfRows(db.storage);
    expect(second.traffic_hour).not.toEqual(first.traffic_hour);
    // Neither the dropped replays nor the second copy of the id count anywhere.
    expect(second.traffic_hour!.filter((r) => r[0] === 4009 && r[2] === 'bus')).toEqual([]);
    expect(second.revenue_hour!.filter((r) => r[3] === 'GBP')).toEqual([]);
    expect(second.revenue_hour!.some((r) => (r[5] as number) >= 99_999)).toBe(false);

    await sink.stop();
    sink = undefined;
  });

  it('file imports: the same file twice, then --replace with a corrected mapping', async () => {
    const env = topicEnv(await k.pipelineTopics('ru', 3));
    const kinds = ['Car', 'Truck', 'Bus'];
    const pad = (n: number): string => String(n).padStart(2, '0');
    // 90 rows, 7 minutes apart from 23:10 (past midnight and across days), three booths.
    const rows = Array.from({ length: 90 }, (_, i) => {
      const at = new Date(Date.UTC(2023, 0, 13, 23, 10) + i * 7 * 60_000 + Math.floor(i / 30) * 86_400_000);
      const when = `${pad(at.getUTCDate())}-${pad(at.getUTCMonth() + 1)}-${at.getUTCFullYear()} ${pad(at.getUTCHours())}:${pad(at.getUTCMinutes())}`;
      return `${i + 1},${when},${5001 + (i % 3)},KR${1000 + i},${kinds[i % 3]},${[120, 450, 90][i % 3]}`;
    });
    const file = path.join(dir, 'booths.csv');
    writeFileSync(file, ['TxId,When,Booth,Plate,Kind,Fee', ...rows].join('\n') + '\n');
    const base = 'plaza=Booth&vehicle=Plate&time=When&timeFormat=DD-MM-YYYY HH:mm&amount=Fee';
    const importFile = async (mapping: string, extra: string[] = []): Promise<Record<string, unknown>> => {
      const r = tollstream(
        [
          '--headless',
          '--source',
          `file:${file}#${mapping}`,
          '--mysql-url',
          db.url,
          '--group',
          `${groupId}-cli`,
          '--state-dir',
          path.join(dir, 'state'),
          '--interval',
          '1s',
          ...extra,
        ],
        env,
      );
      expect(await r.exited, r.stderr()).toBe(0);
      return r.summary()!;
    };
    const before = await count(db.storage, 'SELECT COUNT(*) AS n FROM passages');

    // The first import's mistakes: every vehicle a car, fees read as cents.
    const wrong = `${base}&amountUnit=cents`;
    expect(await importFile(wrong)).toMatchObject({ produced: 90, reconciled: true });
    expect(await count(db.storage, 'SELECT COUNT(*) AS n FROM passages')).toBe(before + 90);
    const imported = await expectRollupsOfRows(db.storage);

    // The same file again: every id is stored already, nothing is counted twice.
    expect(await importFile(wrong)).toMatchObject({ produced: 90, reconciled: true });
    expect(await count(db.storage, 'SELECT COUNT(*) AS n FROM passages')).toBe(before + 90);
    expect(await expectRollupsOfRows(db.storage)).toEqual(imported);

    const replaced = await importFile(`${base}&amountUnit=units&type=Kind`, ['--replace']);
    expect(replaced).toMatchObject({ replaced: { removed: 90, inserted: 90, paymentsRemoved: 90 } });
    const after = await expectRollupsOfRows(db.storage);
    const booths = (t: Tuple[]): Tuple[] => t.filter((r) => (r[0] as number) > 5000);
    // The import's passages moved from car to their classes, its revenue to the amounts in units.
    expect(new Set(booths(imported.traffic_hour!).map((r) => r[2]))).toEqual(new Set(['car']));
    expect(new Set(booths(after.traffic_hour!).map((r) => r[2]))).toEqual(new Set(['car', 'truck', 'bus']));
    const total = (t: Tuple[]): number => booths(t).reduce((n, r) => n + (r[5] as number), 0);
    expect(total(after.revenue_hour!)).toBe(total(imported.revenue_hour!) * 100);
    // Rows of other sources are untouched.
    const others = (t: Tuple[]): Tuple[] => t.filter((r) => (r[0] as number) < 5000);
    expect(others(after.traffic_minute!)).toEqual(others(imported.traffic_minute!));
  });
});
