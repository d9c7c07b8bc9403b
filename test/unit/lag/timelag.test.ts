import { describe, expect, it } from 'vitest';
import { WatermarkTimeline, timeLag } from '../../../src/engines/lag/timelag.ts';

describe('watermark timeline', () => {
  it('interpolates when the high watermark passed an offset', () => {
    const t = new WatermarkTimeline();
    t.record(0, 100);
    t.record(10_000, 200); // offsets 100..199 appended in (0, 10 s]
    // Offset 149 became readable when the high watermark reached 150: halfway.
    expect(t.appendedAt(149)).toEqual({ at: 5000, lowerBound: false });
    expect(t.appendedAt(199)).toEqual({ at: 10_000, lowerBound: false });
    expect(t.appendedAt(200)).toBeNull();
  });

  it('an offset older than the first look is a lower bound at that look', () => {
    const t = new WatermarkTimeline();
    t.record(5000, 100);
    expect(t.appendedAt(42)).toEqual({ at: 5000, lowerBound: true });
  });

  it('places a jump after an idle plateau, not across it', () => {
    const t = new WatermarkTimeline();
    t.record(0, 100);
    t.record(10_000, 100);
    t.record(20_000, 100);
    t.record(22_000, 120);
    expect(t.size).toBe(3);
    expect(t.appendedAt(109)).toEqual({ at: 21_000, lowerBound: false });
  });

  it('stays bounded, keeps its first point, and keeps recent points exact', () => {
    const t = new WatermarkTimeline(8);
    for (let i = 0; i <= 100; i++) t.record(i * 1000, i * 10);
    expect(t.size).toBeLessThanOrEqual(8);
    // Traffic was steady, so interpolating across thinned points is still exact: offset 5 readable at 600 ms.
    expect(t.appendedAt(5)).toEqual({ at: 600, lowerBound: false });
    expect(t.appendedAt(995)).toEqual({ at: 99_600, lowerBound: false });
    expect(t.appendedAt(0)?.lowerBound).toBe(false);
  });

  it('forgets history when the watermark goes backwards (topic recreated)', () => {
    const t = new WatermarkTimeline();
    t.record(0, 100);
    t.record(1000, 5);
    expect(t.size).toBe(1);
    expect(t.appendedAt(2)).toEqual({ at: 1000, lowerBound: true });
  });
});

describe('time lag', () => {
  const t = new WatermarkTimeline();
  t.record(0, 0);
  t.record(10_000, 1000);

  it('is the age of the first unconsumed message', () => {
    expect(timeLag(t, 499, 1000, 30_000)).toEqual({ ms: 25_000, lowerBound: false });
  });

  it('is null when caught up', () => {
    expect(timeLag(t, 1000, 1000, 30_000)).toEqual({ ms: null, lowerBound: false });
  });
});
