import { describe, expect, it } from 'vitest';
import { RollupTally, bucketOf } from '../../../src/storage/rollups.ts';

describe('rollup buckets', () => {
  it('are the UTC minute and hour a DATETIME literal falls in', () => {
    expect(bucketOf('2021-08-19 21:54:38.250', 'minute')).toBe('2021-08-19 21:54:00');
    expect(bucketOf('2021-08-19 21:54:38.250', 'hour')).toBe('2021-08-19 21:00:00');
    // The last millisecond of a minute, hour and year stays in it; the next one starts the next bucket.
    expect(bucketOf('2021-12-31 23:59:59.999', 'minute')).toBe('2021-12-31 23:59:00');
    expect(bucketOf('2021-12-31 23:59:59.999', 'hour')).toBe('2021-12-31 23:00:00');
    expect(bucketOf('2022-01-01 00:00:00.000', 'minute')).toBe('2022-01-01 00:00:00');
    expect(bucketOf('2022-01-01 00:00:00.000', 'hour')).toBe('2022-01-01 00:00:00');
    // Without fractional seconds, as MySQL prints a DATETIME.
    expect(bucketOf('2021-08-19 07:05:09', 'minute')).toBe('2021-08-19 07:05:00');
  });
});

describe('RollupTally', () => {
  it('counts passages per plaza, minute and vehicle class; hours sum their minutes', () => {
    const t = new RollupTally();
    expect(t.empty).toBe(true);
    t.passage(4001, '2021-08-19 21:59:59.999', 'car');
    t.passage(4001, '2021-08-19 21:59:00.000', 'car');
    t.passage(4001, '2021-08-19 21:58:10.000', 'car');
    t.passage(4001, '2021-08-19 22:00:00.000', 'car');
    t.passage(4001, '2021-08-19 21:59:30.000', 'truck');
    t.passage(900, '2021-08-19 21:59:30.000', 'car');
    expect(t.empty).toBe(false);
    // Primary-key order: plaza numerically (900 before 4001), then bucket, then class.
    expect(t.trafficRows('minute')).toEqual([
      [900, '2021-08-19 21:59:00', 'car', 1],
      [4001, '2021-08-19 21:58:00', 'car', 1],
      [4001, '2021-08-19 21:59:00', 'car', 2],
      [4001, '2021-08-19 21:59:00', 'truck', 1],
      [4001, '2021-08-19 22:00:00', 'car', 1],
    ]);
    expect(t.trafficRows('hour')).toEqual([
      [900, '2021-08-19 21:00:00', 'car', 1],
      [4001, '2021-08-19 21:00:00', 'car', 3],
      [4001, '2021-08-19 21:00:00', 'truck', 1],
      [4001, '2021-08-19 22:00:00', 'car', 1],
    ]);
    expect(t.revenueRows('minute')).toEqual([]);
  });

  it('counts payments and sums their amounts per plaza, bucket, method and currency', () => {
    const t = new RollupTally();
    t.payment(4001, '2021-08-19 21:10:01.000', 'e-tag', 'USD', 450);
    t.payment(4001, '2021-08-19 21:10:59.000', 'e-tag', 'USD', 1275);
    t.payment(4001, '2021-08-19 21:10:30.000', 'e-tag', 'EUR', 300);
    t.payment(4001, '2021-08-19 21:10:30.000', 'cash', 'USD', 0);
    t.payment(4001, '2021-08-19 21:45:00.000', 'e-tag', 'USD', 5);
    expect(t.revenueRows('minute')).toEqual([
      [4001, '2021-08-19 21:10:00', 'cash', 'USD', 1, 0],
      [4001, '2021-08-19 21:10:00', 'e-tag', 'EUR', 1, 300],
      [4001, '2021-08-19 21:10:00', 'e-tag', 'USD', 2, 1725],
      [4001, '2021-08-19 21:45:00', 'e-tag', 'USD', 1, 5],
    ]);
    expect(t.revenueRows('hour')).toEqual([
      [4001, '2021-08-19 21:00:00', 'cash', 'USD', 1, 0],
      [4001, '2021-08-19 21:00:00', 'e-tag', 'EUR', 1, 300],
      [4001, '2021-08-19 21:00:00', 'e-tag', 'USD', 3, 1730],
    ]);
    expect(t.trafficRows('hour')).toEqual([]);
  });

  it('hands out the same rows however the passages arrive', () => {
    const times = ['2021-08-19 21:59:59.999', '2021-08-19 20:00:00.000', '2021-08-20 00:00:00.001'];
    const types = ['car', 'bus', 'truck'];
    const passages = Array.from(
      { length: 60 },
      (_, i) => [4000 + (i % 3), times[i % 3]!, types[(i >> 2) % 3]!] as const,
    );
    const forward = new RollupTally();
    const backward = new RollupTally();
    for (const p of passages) forward.passage(...p);
    for (const p of [...passages].reverse()) backward.passage(...p);
    for (const grain of ['minute', 'hour'] as const) {
      expect(backward.trafficRows(grain)).toEqual(forward.trafficRows(grain));
      expect(forward.trafficRows(grain).reduce((n, r) => n + r[3], 0)).toBe(60);
    }
  });
});
