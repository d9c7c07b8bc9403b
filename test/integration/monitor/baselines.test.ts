/**
 * The plaza throughput pane's baselines against real MariaDB, as the SELECT-only account, on a private database
 * whose hourly rollup the test fills itself: the band's baseline is the average of the plaza's passages in the same
 * hour of the week in each of the 8 weeks before the current hour, per minute, over the weeks that had traffic;
 * the current hour, the ninth week back and the neighbouring hours do not count. The detector's own reading of the
 * same rollup (loadBaselines) gives the same numbers. A larger history measures what one read costs.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hourOfWeek } from '../../../src/anomalies/rules/surge.ts';
import { loadBaselines } from '../../../src/anomalies/store.ts';
import type { RunStatement } from '../../../src/monitor/anomaly-feed.ts';
import {
  HOUR_MS,
  WEEK_MS,
  baselineHours,
  baselineSql,
  createMonitorBaselineFeed,
  readBaselines,
} from '../../../src/monitor/baseline-feed.ts';
import { createQueryExecutor } from '../../../src/query/executor.ts';
import type { QueryExecutor } from '../../../src/query/executor.ts';
import { readReaderSecret } from '../../../src/stack/reader.ts';
import { READER_USER, ensureReaderAccount } from '../../../src/storage/schema.ts';
import { createLogger } from '../../../src/util/log.ts';
import { freshDatabase, testConfig } from '../../helpers/services.ts';
import type { TestDatabase } from '../../helpers/services.ts';

const TYPES = ['car', 'truck'] as const;

/**
 * Hourly rows around the hour starting at `h`: per plaza, [weeks back, car passages, truck passages] for the same
 * hour of the week; week 0 is the current hour itself and week 9 is beyond the 8 weeks.
 */
const SAME_HOUR: Record<number, [number, number, number][]> = {
  // Every week: (120+12 + 240+24 + ... ) / 8 / 60.
  4001: [
    [0, 9000, 900],
    [1, 120, 12],
    [2, 240, 24],
    [3, 180, 18],
    [4, 60, 6],
    [5, 300, 30],
    [6, 120, 12],
    [7, 240, 24],
    [8, 180, 18],
    [9, 9000, 900],
  ],
  // Three of the eight weeks had traffic: the average is over those three.
  4002: [
    [2, 30, 0],
    [5, 0, 60],
    [8, 45, 45],
  ],
};
/** Traffic in the hours either side only, and at another plaza in the current hour only: no baseline. */
const NEIGHBOURS: [number, number, number][] = [
  [4001, 1, 5000],
  [4003, 1, 700],
  [4003, 0, 700],
];

function rowsFor(h: number): [number, Date, string, number][] {
  const out: [number, Date, string, number][] = [];
  for (const [plaza, weeks] of Object.entries(SAME_HOUR))
    for (const [back, car, truck] of weeks) {
      const bucket = new Date(h - back * WEEK_MS);
      if (car) out.push([Number(plaza), bucket, TYPES[0], car]);
      if (truck) out.push([Number(plaza), bucket, TYPES[1], truck]);
    }
  for (const [plaza, back, n] of NEIGHBOURS) {
    if (plaza === 4003 && back === 0) out.push([plaza, new Date(h), 'car', n]);
    else {
      out.push([plaza, new Date(h - back * WEEK_MS - HOUR_MS), 'car', n]);
      out.push([plaza, new Date(h - back * WEEK_MS + HOUR_MS), 'car', n]);
    }
  }
  return out;
}

/** The baselines by hand: per plaza, the mean of weeks 1-8 that had traffic, per minute. */
function expected(): Map<number, { perMinute: number; weeks: number }> {
  const out = new Map<number, { perMinute: number; weeks: number }>();
  for (const [plaza, weeks] of Object.entries(SAME_HOUR)) {
    const inRange = weeks.filter(([back]) => back >= 1 && back <= 8);
    const sum = inRange.reduce((s, [, car, truck]) => s + car + truck, 0);
    out.set(Number(plaza), { perMinute: sum / inRange.length / 60, weeks: inRange.length });
  }
  return out;
}

describe('traffic baselines for the throughput pane, as the read-only account', () => {
  let db: TestDatabase;
  let stateDir: string;
  let executor: QueryExecutor;
  let run: RunStatement;
  // A Tuesday 08:00 UTC and the hour after it, fixed so the test does not depend on when it runs.
  const H = Date.UTC(2026, 11, 1, 8);

  beforeAll(async () => {
    db = await freshDatabase('tollstream_baselines');
    const password = readReaderSecret(testConfig().stateDir) ?? randomBytes(18).toString('base64url');
    await ensureReaderAccount(db.storage, db.name, password);
    stateDir = mkdtempSync(path.join(tmpdir(), 'tollstream-baselines-'));
    writeFileSync(path.join(stateDir, 'reader.secret'), `${password}\n`, { mode: 0o600 });
    const u = new URL(db.url);
    u.username = READER_USER;
    u.password = encodeURIComponent(password);
    executor = createQueryExecutor({ url: u.toString(), timeoutMs: 10_000, rowCap: 10_000 });
    run = (sql, params) => executor.run(sql, { params });
    await db.storage.execute('INSERT INTO traffic_hour (plaza_id, bucket, vehicle_type, passages) VALUES ?', [
      rowsFor(H),
    ]);
  });

  afterAll(async () => {
    await executor?.close();
    await db?.drop();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });

  it('averages the same hour of the 8 weeks before, over the weeks with traffic, per minute', async () => {
    const read = await readBaselines(run, H + 17 * 60_000, 8, 2);
    expect(read).toMatchObject({ hourStartMs: H, hourOfWeek: 32, factor: 2, weeks: 8 });
    const want = expected();
    expect(read.plazas.map((p) => p.plazaId)).toEqual([4001, 4002]);
    for (const p of read.plazas) {
      const e = want.get(p.plazaId)!;
      expect(p.perMinute).toBeCloseTo(e.perMinute, 4);
      expect(p.weeks).toBe(e.weeks);
      expect(p.low).toBeCloseTo(e.perMinute / 2, 4);
      expect(p.high).toBeCloseTo(e.perMinute * 2, 4);
    }
    // 4001: (132 + 264 + 198 + 66 + 330 + 132 + 264 + 198) / 8 / 60 = 3.3 a minute.
    expect(read.plazas[0]!.perMinute).toBeCloseTo(3.3, 6);
  });

  it("gives the detector's baselines for this hour of the week (loadBaselines over the same weeks)", async () => {
    const read = await readBaselines(run, H, 8, 2);
    const detector = await loadBaselines(db.storage, H - 8 * WEEK_MS, H);
    const how = hourOfWeek(H);
    const theirs = [...detector]
      .filter(([key]) => key.endsWith(`:${how}`))
      .map(([key, perMinute]) => [Number(key.split(':')[0]), perMinute] as const)
      .sort((a, b) => a[0] - b[0]);
    expect(theirs.length).toBe(2);
    expect(read.plazas.map((p) => [p.plazaId, p.perMinute])).toEqual(
      theirs.map(([plaza, perMinute]) => [plaza, expect.closeTo(perMinute, 6)]),
    );
    // Fewer weeks: only the latest two (132 and 264 → 3.3 a minute; 4002 only week 2: 0.5).
    const two = await readBaselines(run, H, 2, 2);
    expect(two.plazas.map((p) => [p.plazaId, p.perMinute, p.weeks])).toEqual([
      [4001, expect.closeTo(3.3, 6), 2],
      [4002, expect.closeTo(0.5, 6), 1],
    ]);
  });

  it('the monitor’s feed reads through the read-only account of its configuration', async () => {
    const config = testConfig({ mysqlUrl: db.url, stateDir });
    const feed = createMonitorBaselineFeed(config, createLogger('test-baselines'));
    try {
      await feed.poll();
      const s = feed.store.getSnapshot();
      expect(s.status).toEqual({ kind: 'running' });
      expect(s.factor).toBe(config.anomalies.rules.surge.factor);
      expect(s.weeks).toBe(config.anomalies.rules.surge.baselineWeeks);
      // The current hour: the test's rows are in 2026-12, so whatever hour this is, its plazas are exactly
      // what the rollup holds for it, read the same way.
      const direct = await readBaselines(run, s.hourStartMs!, s.weeks, s.factor);
      expect(s.plazas).toEqual(direct.plazas);
      expect(s.hourStartMs).toBe(Math.floor(s.readAt! / HOUR_MS) * HOUR_MS);
    } finally {
      await feed.stop();
    }
  });

  it('costs a few index lookups however long the history (measured on every hour of 9 weeks × 200 plazas × 4 classes)', async () => {
    const big = await freshDatabase('tollstream_baselines_big');
    const password = readReaderSecret(testConfig().stateDir) ?? randomBytes(18).toString('base64url');
    await ensureReaderAccount(big.storage, big.name, password);
    const u = new URL(big.url);
    u.username = READER_USER;
    u.password = encodeURIComponent(password);
    const bigExecutor = createQueryExecutor({ url: u.toString(), timeoutMs: 10_000, rowCap: 10_000 });
    try {
      // Every hour of 9 weeks before H (and H itself), 200 plazas, 4 classes: 1,210,400 rows.
      const hours = 9 * 168 + 1;
      const first = new Date(H - 9 * WEEK_MS).toISOString().slice(0, 19).replace('T', ' ');
      const t0 = Date.now();
      await big.storage.execute(
        `INSERT INTO traffic_hour (plaza_id, bucket, vehicle_type, passages)
         SELECT 5000 + p.seq, TIMESTAMPADD(HOUR, h.seq, ?), t.vehicle_type, 1 + (p.seq * 7 + h.seq * 13 + t.n) % 50
           FROM seq_0_to_199 p CROSS JOIN seq_0_to_${hours - 1} h CROSS JOIN
                (SELECT 'car' AS vehicle_type, 0 AS n UNION ALL SELECT 'truck', 1 UNION ALL SELECT 'van', 2
                 UNION ALL SELECT 'bus', 3) t`,
        [first],
      );
      const loadMs = Date.now() - t0;
      const [count] = await big.storage.query<{ n: number }>('SELECT COUNT(*) AS n FROM traffic_hour');
      expect(Number(count!.n)).toBe(200 * hours * 4);

      const bigRun: RunStatement = (sql, params) => bigExecutor.run(sql, { params });
      const plan = await bigExecutor.run(`EXPLAIN ${baselineSql(8)}`, { params: baselineHours(H, 8) });
      expect(plan.kind).toBe('rows');
      const planText = JSON.stringify(plan.kind === 'rows' ? plan.rows : []);
      expect(planText).toContain('traffic_hour_bucket');

      const times: number[] = [];
      let read: Awaited<ReturnType<typeof readBaselines>> | undefined;
      for (let i = 0; i < 7; i++) {
        const t = performance.now();
        read = await readBaselines(bigRun, H + 60_000, 8, 2);
        times.push(performance.now() - t);
      }
      times.sort((a, b) => a - b);
      expect(read!.plazas).toHaveLength(200);
      // Plaza 5000: weeks 1-8 back, 4 classes, passages 1 + (h*13 + n) % 50 with h the hour index from `first`.
      const sums = [1, 2, 3, 4, 5, 6, 7, 8].map((back) => {
        const h = hours - 1 - back * 168;
        return [0, 1, 2, 3].reduce((s, n) => s + 1 + ((h * 13 + n) % 50), 0);
      });
      expect(read!.plazas[0]!.perMinute).toBeCloseTo(sums.reduce((a, b) => a + b, 0) / 8 / 60, 6);
      console.info(
        `baselines: ${200 * hours * 4} traffic_hour rows (loaded in ${loadMs} ms); one read of 200 plazas as the ` +
          `read-only account: median ${times[3]!.toFixed(1)} ms, max ${times[6]!.toFixed(1)} ms over 7 reads; plan ${planText}`,
      );
    } finally {
      await bigExecutor.close();
      await big.drop();
    }
  }, 180_000);
});
