import { describe, expect, it } from 'vitest';
import { plannedMessages, planRanges } from '../../../src/audit/ranges.ts';

describe('planRanges', () => {
  const bounds = [
    { partition: 0, low: '0', high: '100' },
    { partition: 1, low: '40', high: '90' },
    { partition: 2, low: '7', high: '7' },
  ];

  it('reads what the log holds when no time is given', () => {
    const plan = planRanges(bounds);
    expect(plan.map((p) => [p.partition, p.from, p.to])).toEqual([
      [0, 0n, 100n],
      [1, 40n, 90n],
      [2, 7n, 7n],
    ]);
    expect(plannedMessages(plan)).toBe(150);
  });

  it('starts at the offsets found for --from and ends at those for --to, inside [low, high)', () => {
    const plan = planRanges(
      bounds,
      new Map([
        [0, '10'],
        [1, '12'], // retention deleted the start of the range: read from the log start
        [2, '7'],
      ]),
      new Map([
        [0, '60'],
        [1, '95'], // produced after the audit started: not read
        [2, '7'],
      ]),
    );
    expect(plan.map((p) => [p.partition, p.low, p.high, p.from, p.to])).toEqual([
      [0, 0n, 100n, 10n, 60n],
      [1, 40n, 90n, 40n, 90n],
      [2, 7n, 7n, 7n, 7n],
    ]);
  });

  it('never plans a range that ends before it starts', () => {
    const [p] = planRanges(
      [{ partition: 0, low: '0', high: '50' }],
      new Map([[0, '30']]),
      new Map([[0, '20']]),
    );
    expect([p!.from, p!.to]).toEqual([30n, 30n]);
  });
});
