import { describe, expect, test } from 'vitest';
import {
  chartPoints,
  layoutCharts,
  liveRate,
  plazaRows,
  plotLines,
} from '../../../../components/throughput/chart.ts';
import { initialThroughputState, throughputReducer } from '../../../../components/throughput/state.ts';

describe('plaza charts', () => {
  test('rows are passages per minute over complete buckets, busiest first', () => {
    const rows = plazaRows(
      [
        { plazaId: 4001, buckets: [1, 1, 1, 99], total: 3 },
        { plazaId: 4002, buckets: [4, 4, 4, 0], total: 12 },
        { plazaId: 4000, buckets: [4, 4, 4, 0], total: 12 },
      ],
      2000,
      10,
    );
    expect(rows.map((r) => r.plazaId)).toEqual([4000, 4002, 4001]);
    expect(rows[2]).toMatchObject({ series: [30, 30, 30], perMinute: 30, windowSum: 3 });
  });

  test('only the points that fit are kept', () => {
    const rows = plazaRows(
      [{ plazaId: 1, buckets: Array.from({ length: 100 }, (_, i) => i), total: 0 }],
      1000,
      5,
    );
    expect(rows[0]!.series).toEqual([94, 95, 96, 97, 98].map((n) => n * 60));
    expect(chartPoints(60)).toBe(60 - 12 - 5 - 2);
  });

  test('the live rate is the last minute of complete buckets, or the part of it since the plaza was first seen', () => {
    // 5 s buckets: twelve make the minute; older buckets do not count.
    const steady = [...Array<number>(20).fill(100), ...Array<number>(12).fill(10)];
    expect(liveRate(steady, 5000)).toBe(120);
    // A plaza first seen 3 buckets ago (the monitor just started): 15 s of traffic, not a minute with 45 s empty.
    expect(liveRate([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 5, 5], 5000)).toBe(60);
    // Silent within the minute after traffic before it: the empty buckets count.
    expect(
      liveRate(
        [...Array<number>(12).fill(6), ...Array<number>(6).fill(0), ...Array<number>(6).fill(12)],
        5000,
      ),
    ).toBe(72);
    expect(liveRate([0, 0, 0], 5000)).toBe(0);
    expect(liveRate([], 5000)).toBe(0);
    // One-minute buckets: the last one alone.
    expect(liveRate([30, 40], 60_000)).toBe(40);
  });

  test('pages: at least three rows per plaza, as many plazas as fit', () => {
    expect(layoutCharts(16, 11)).toEqual({ perPlaza: 3, perPage: 5, pages: 3 });
    expect(layoutCharts(16, 2)).toEqual({ perPlaza: 6, perPage: 2, pages: 1 });
    expect(layoutCharts(2, 4)).toEqual({ perPlaza: 3, perPage: 1, pages: 4 });
  });

  test('plots have scale labels from 0 to the peak and a fixed number of lines', () => {
    const lines = plotLines([0, 5, 10, 5], 3);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^\s+10[┤┼]/);
    expect(lines[2]).toMatch(/^\s+0[┤┼]/);
    expect(plotLines([], 3)).toHaveLength(3);
  });

  test('the page stays within the pages that exist', () => {
    let s = throughputReducer(initialThroughputState, { type: 'page', delta: 1, pages: 2 });
    s = throughputReducer(s, { type: 'page', delta: 1, pages: 2 });
    expect(s.page).toBe(1);
    expect(throughputReducer(s, { type: 'firstPage' }).page).toBe(0);
  });
});
