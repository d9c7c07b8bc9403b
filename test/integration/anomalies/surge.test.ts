/**
 * Surge and drop on the real broker and MariaDB: simulated traffic is persisted first; then a history is written
 * into traffic_hour for the weeks before it (plaza 4000 used to be nearly empty, plaza 4001 ten times busier than
 * any plaza here can be, the other plazas have none), and a `--role anomalies` process judges the traffic against
 * that baseline. The expected findings are worked out here from the passages table (SQL counts per window), not
 * from the detector's numbers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlTime } from '../../../src/engines/sink/offsets.ts';
import { freshDatabase, testKafka, topicEnv, uniqueName } from '../../helpers/services.ts';
import type { TestDatabase, TestKafka } from '../../helpers/services.ts';
import type { CliRun } from '../headless/cli.ts';
import { tollstream } from '../headless/cli.ts';

const HOUR = 3_600_000;
const WEEK = 7 * 24 * HOUR;
const WINDOW = 15 * 60_000;
/** Passages per hour in the history: plaza 4000 quiet, plaza 4001 very busy. */
const HISTORY: Record<number, number> = { 4000: 8, 4001: 400_000 };

const hourOfWeek = (ms: number): number =>
  ((new Date(ms).getUTCDay() + 6) % 7) * 24 + new Date(ms).getUTCHours();

describe('surge and drop against the hourly history', () => {
  let k: TestKafka;
  let db: TestDatabase;
  const runs: CliRun[] = [];
  beforeAll(async () => {
    k = await testKafka();
    db = await freshDatabase('tollstream_surge');
  });
  afterAll(async () => {
    for (const r of runs) if (r.child.exitCode === null) r.child.kill('SIGKILL');
    await db?.drop();
    await k?.cleanup();
  });

  it('flags the windows that leave the band, and no others', async () => {
    const topics = await k.pipelineTopics('surge', 3);
    const env = { ...topicEnv(topics), TOLLSTREAM_ANOMALIES_GROUP_ID: uniqueName('surge-detector') };
    const start = (args: string[], extra: Record<string, string> = {}): CliRun => {
      const run = tollstream(['--headless', '--mysql-url', db.url, ...args], { ...env, ...extra });
      runs.push(run);
      return run;
    };
    const producer = start(
      ['--source', 'simulator:seed=31&dayMinutes=6&curve=flat', '--rate', '300', '--duration', '15s'],
      { TOLLSTREAM_ANOMALIES: 'false' },
    );
    expect(await producer.exited, producer.stderr()).toBe(0);

    const [range] = await db.storage.query<{ first: string; last: string }>(
      "SELECT DATE_FORMAT(MIN(passed_at), '%Y-%m-%dT%H:%i:%s.%fZ') AS first, DATE_FORMAT(MAX(passed_at), '%Y-%m-%dT%H:%i:%s.%fZ') AS last FROM passages",
    );
    const first = Date.parse(range!.first);
    const last = Date.parse(range!.last);
    // The history: the same hours of the week, in each of the four weeks before.
    const rows: unknown[][] = [];
    for (let h = Math.floor(first / HOUR) * HOUR; h <= last; h += HOUR)
      for (let week = 1; week <= 4; week++)
        for (const [plaza, n] of Object.entries(HISTORY))
          rows.push([plaza, sqlTime(h - week * WEEK), 'car', n]);
    await db.storage.execute('INSERT INTO traffic_hour (plaza_id, bucket, vehicle_type, passages) VALUES ?', [
      rows,
    ]);

    const detector = start(['--role', 'anomalies', '--duration', '12s']);
    expect(await detector.exited, detector.stderr()).toBe(0);
    const summary = detector.summary() as { anomalies: { watermark: string } };
    const watermark = Date.parse(summary.anomalies.watermark);
    expect(watermark).toBeGreaterThan(first + 2 * WINDOW);

    // The windows the watermark has closed that hold any passage, and each history plaza's count in them.
    const expected: string[] = [];
    for (let w = Math.floor(first / WINDOW) * WINDOW; w + WINDOW <= watermark; w += WINDOW) {
      const counts = await db.storage.query<{ plaza_id: number; n: number }>(
        'SELECT plaza_id, COUNT(*) AS n FROM passages WHERE passed_at >= ? AND passed_at < ? GROUP BY plaza_id',
        [sqlTime(w), sqlTime(w + WINDOW)],
      );
      if (!counts.length) continue;
      for (const [plaza, perHour] of Object.entries(HISTORY)) {
        const observed = Number(counts.find((c) => c.plaza_id === Number(plaza))?.n ?? 0);
        const baseline = (perHour / 60) * 15;
        expect(hourOfWeek(w)).toBe(hourOfWeek(w - WEEK));
        const minute = new Date(w).toISOString().slice(0, 16) + 'Z';
        if (observed >= 2 * baseline && observed >= 30) expected.push(`surge:${plaza}:${minute}`);
        else if (observed <= baseline / 2 && baseline >= 30) expected.push(`drop:${plaza}:${minute}`);
      }
    }
    expect(expected.filter((id) => id.startsWith('surge:')).length).toBeGreaterThanOrEqual(2);
    expect(expected.filter((id) => id.startsWith('drop:')).length).toBeGreaterThanOrEqual(2);

    const found = await db.storage.query<{
      anomaly_id: string;
      rule: string;
      observed: number;
      expected: number;
    }>('SELECT anomaly_id, rule, observed, expected FROM anomalies ORDER BY anomaly_id');
    expect(found.map((f) => f.anomaly_id)).toEqual([...expected].sort());
    for (const f of found) {
      const plaza = Number(f.anomaly_id.split(':')[1]);
      expect(Number(f.expected)).toBeCloseTo((HISTORY[plaza]! / 60) * 15, 2);
    }
  }, 150_000);
});
