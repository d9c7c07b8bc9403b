import { describe, expect, test } from 'vitest';
import { chartPoints, layoutCharts, plazaRows, plotLines } from '../../../../components/throughput/chart.ts';
import { initialThroughputState, throughputReducer } from '../../../../components/throughput/state.ts';

describe('plaza charts', () => {
  test('rows are passages per second over complete buckets, busiest first', () => {
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
    expect(rows[2]).toMatchObject({ series: [0.5, 0.5, 0.5], nowPerSec: 0.5, windowSum: 3 });
  });

  test('only the points that fit are kept', () => {
    const rows = plazaRows(
      [{ plazaId: 1, buckets: Array.from({ length: 100 }, (_, i) => i), total: 0 }],
      1000,
      5,
    );
    expect(rows[0]!.series).toEqual([94, 95, 96, 97, 98]);
    expect(chartPoints(60)).toBe(60 - 12 - 5 - 2);
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
