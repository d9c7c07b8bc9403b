import { describe, expect, it } from 'vitest';
import { catchUpEtaMs, lagTrend, windowRates } from '../../../src/engines/lag/trend.ts';
import type { PartitionSample } from '../../../src/engines/lag/trend.ts';

/** One sample per second from [committed, high]. */
const samples = (...pairs: [number, number][]): PartitionSample[] =>
  pairs.map(([committed, high], i) => ({ at: i * 1000, committed, high, lag: high - committed }));

describe('lag trend', () => {
  it('up, down and flat from the least-squares line', () => {
    expect(lagTrend(samples([0, 100], [10, 200], [20, 300]))).toBe('up');
    expect(lagTrend(samples([0, 300], [200, 400], [400, 500]))).toBe('down');
    expect(lagTrend(samples([0, 100], [100, 200], [200, 300]))).toBe('flat');
  });

  it('jitter within a tenth of the largest lag stays flat', () => {
    expect(lagTrend(samples([0, 1000], [1000, 1950], [1950, 3000], [3000, 3980]))).toBe('flat');
  });

  it('a change of one message is flat; one sample is flat', () => {
    expect(lagTrend(samples([0, 0], [0, 1]))).toBe('flat');
    expect(lagTrend(samples([0, 50]))).toBe('flat');
  });
});

describe('rates and catch-up ETA', () => {
  it('consume and produce rates over the window', () => {
    expect(windowRates(samples([0, 1000], [300, 1100], [600, 1200]))).toEqual({
      consumePerSec: 300,
      producePerSec: 100,
    });
    expect(windowRates(samples([0, 10]))).toBeNull();
  });

  it('a rewind is not counted as consumption', () => {
    expect(windowRates(samples([500, 1000], [100, 1000]))?.consumePerSec).toBe(0);
  });

  it('ETA = lag / (consume - produce)', () => {
    expect(catchUpEtaMs(600, { consumePerSec: 300, producePerSec: 100 })).toBe(3000);
  });

  it('0 when caught up; null when not gaining or rates unknown', () => {
    expect(catchUpEtaMs(0, null)).toBe(0);
    expect(catchUpEtaMs(10, { consumePerSec: 100, producePerSec: 100 })).toBeNull();
    expect(catchUpEtaMs(10, { consumePerSec: 50, producePerSec: 100 })).toBeNull();
    expect(catchUpEtaMs(10, null)).toBeNull();
  });
});
