import { describe, expect, it } from 'vitest';
import { OTHER_PLAZAS, PlazaBuckets } from '../../../src/engines/sink/plaza-buckets.ts';

describe('per-plaza throughput buckets', () => {
  it('keeps the last N buckets oldest first with the current one last', () => {
    const b = new PlazaBuckets(1000, 4);
    b.record(4007, 5, 10_000);
    b.record(4007, 2, 10_900);
    b.record(4001, 1, 12_100);
    b.record(4007, 3, 13_000);
    expect(b.snapshot(13_500)).toEqual([
      { plazaId: 4001, buckets: [0, 0, 1, 0], total: 1 },
      { plazaId: 4007, buckets: [7, 0, 0, 3], total: 10 },
    ]);
    // Time passes with no traffic: old buckets roll out, totals stay.
    expect(b.snapshot(16_000)).toEqual([
      { plazaId: 4001, buckets: [0, 0, 0, 0], total: 1 },
      { plazaId: 4007, buckets: [3, 0, 0, 0], total: 10 },
    ]);
    expect(b.snapshot(17_000)[1]!.buckets).toEqual([0, 0, 0, 0]);
  });

  it('reuses a slot when its time comes round again', () => {
    const b = new PlazaBuckets(1000, 2);
    b.record(1, 4, 0);
    b.record(1, 1, 2000);
    expect(b.snapshot(2000)).toEqual([{ plazaId: 1, buckets: [0, 1], total: 5 }]);
  });

  it('sums plazas beyond the limit under plaza 0', () => {
    const b = new PlazaBuckets(1000, 1, 2);
    b.record(1, 1, 0);
    b.record(2, 1, 0);
    b.record(3, 4, 0);
    b.record(4, 1, 0);
    expect(b.snapshot(0).map((t) => [t.plazaId, t.total])).toEqual([
      [OTHER_PLAZAS, 5],
      [1, 1],
      [2, 1],
    ]);
  });
});
