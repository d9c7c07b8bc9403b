import { describe, expect, it } from 'vitest';
import {
  commitsStopped,
  evaluatePartition,
  holdsMessages,
  lagEverZero,
  lagNotDecreasing,
  offsetsRewound,
  offsetsStalled,
  recentlyCaughtUp,
} from '../../../src/engines/lag/burrow.ts';
import type { CommitEntry } from '../../../src/engines/lag/burrow.ts';

/** Commits every 10 s starting at t=0: [offset, lag] pairs. */
const window = (...pairs: [number, number | null][]): CommitEntry[] =>
  pairs.map(([offset, lag], i) => ({ offset, lag, at: i * 10_000 }));

describe('Burrow rules, one by one', () => {
  it('rule 1: the lag was zero at some commit', () => {
    expect(lagEverZero(window([10, 5], [20, 0], [30, 4]))).toBe(true);
    expect(lagEverZero(window([10, 5], [20, 1], [30, 4]))).toBe(false);
    expect(lagEverZero(window([10, null]))).toBe(false);
  });

  it('rule 2: an offset lower than the one before is a rewind', () => {
    expect(offsetsRewound(window([10, 5], [20, 5], [15, 9]))).toBe(true);
    expect(offsetsRewound(window([10, 5], [10, 5], [15, 9]))).toBe(false);
  });

  it('rule 3: stopped when the time since the last commit exceeds the window span', () => {
    const w = window([10, 5], [20, 5], [30, 5]); // commits at 0, 10 s, 20 s: span 20 s
    expect(commitsStopped(w, 40_000)).toBe(false); // 20 s since last = span: not more
    expect(commitsStopped(w, 40_001)).toBe(true);
    expect(commitsStopped([], 1)).toBe(false);
  });

  it('rule 4: stalled when every commit carries the same offset', () => {
    expect(offsetsStalled(window([10, 5], [10, 6], [10, 7]))).toBe(true);
    expect(offsetsStalled(window([10, 5], [11, 6], [11, 7]))).toBe(false);
  });

  it('rule 5: lag not decreasing anywhere (unknown lags skipped)', () => {
    expect(lagNotDecreasing(window([10, 5], [20, 5], [30, 8]))).toBe(true);
    expect(lagNotDecreasing(window([10, 5], [20, 9], [30, 8]))).toBe(false);
    expect(lagNotDecreasing(window([10, 5], [20, null], [30, 4]))).toBe(false);
    expect(lagNotDecreasing(window([10, 5], [20, null], [30, 6]))).toBe(true);
  });

  it('recent high watermarks at or below the last commit mean recently caught up', () => {
    const w = window([10, 5], [20, 5]);
    expect(recentlyCaughtUp(w, [18, 20, 25])).toBe(true);
    expect(recentlyCaughtUp(w, [21, 25])).toBe(false);
  });
});

describe('evaluatePartition applies them in Burrow order', () => {
  const now = 20_000; // right after the last commit of a 3-commit window (0, 10 s, 20 s)

  it('OK whenever the current lag is zero, even with a stopped-looking window', () => {
    expect(evaluatePartition(window([10, 5], [10, 5]), [], 0, 10 ** 9).status).toBe('OK');
  });

  it('STOP: no commit for longer than the window, lag > 0', () => {
    const e = evaluatePartition(window([10, 5], [20, 5], [30, 5]), [40], 10, 40_001);
    expect(e.status).toBe('STOP');
    expect(e.reason).toMatch(/no commit seen for 20 s/);
  });

  it('STOP beats a zero lag inside the window (the window may be old)', () => {
    expect(evaluatePartition(window([10, 0], [20, 0]), [30], 10, 30_000).status).toBe('STOP');
  });

  it('not STOP when a recent high watermark shows the consumer had caught up', () => {
    expect(evaluatePartition(window([10, 2], [20, 2], [30, 3]), [30, 33], 3, 40_001).status).not.toBe('STOP');
  });

  it('STALL: commits keep coming with the same offset while lag stays', () => {
    expect(evaluatePartition(window([10, 5], [10, 8], [10, 12]), [22], 12, now).status).toBe('STALL');
  });

  it('REWIND before STALL and WARN', () => {
    expect(evaluatePartition(window([30, 5], [20, 15], [25, 20]), [45], 20, now).status).toBe('REWIND');
  });

  it('WARN: offsets advance but the lag never decreases', () => {
    expect(evaluatePartition(window([10, 5], [20, 5], [30, 7]), [37], 7, now).status).toBe('WARN');
  });

  it('OK: offsets advance and the lag decreases somewhere', () => {
    expect(evaluatePartition(window([10, 9], [20, 5], [30, 7]), [37], 7, now).status).toBe('OK');
  });

  it('OK: the lag was zero within the window', () => {
    expect(evaluatePartition(window([10, 0], [10, 3], [10, 7]), [17], 7, now).status).toBe('OK');
  });

  it('a single entry is not yet STALL (our first look is not a commit), but can be STOP later', () => {
    expect(evaluatePartition(window([10, 5]), [15], 5, 0).status).toBe('OK');
    expect(evaluatePartition(window([10, 5]), [15], 5, 2000).status).toBe('STOP');
  });
});

describe('a partition that holds no messages', () => {
  it('holds none when nothing was ever written or retention removed everything', () => {
    expect(holdsMessages(0, 0)).toBe(false);
    expect(holdsMessages(50, 50)).toBe(false);
    expect(holdsMessages(0, 1)).toBe(true);
    expect(holdsMessages(49, 50)).toBe(true);
  });

  it('is OK where the same window on a partition with messages is STALL or STOP', () => {
    // A live member standing at an offset below an emptied log: 10 behind by the numbers, nothing to read.
    const standing = window([40, 10], [40, 10], [40, 10]);
    expect(evaluatePartition(standing, [], 10, 30_000).status).toBe('STALL');
    expect(evaluatePartition(standing, [], 10, 30_000, false)).toEqual({
      status: 'OK',
      reason: 'the partition holds no messages: nothing to consume',
    });
    // A member gone long ago.
    expect(evaluatePartition(standing, [], 10, 600_000).status).toBe('STOP');
    expect(evaluatePartition(standing, [], 10, 600_000, false).status).toBe('OK');
  });
});
