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

  it('places offsets written before the first look with the history from message timestamps', () => {
    const t = new WatermarkTimeline();
    const now = 10 * 3_600_000;
    t.record(now, 1000);
    // Before any history: a lower bound at the first look.
    expect(t.appendedAt(100)).toEqual({ at: now, lowerBound: true });
    t.seedHistory([
      { at: now - 3_600_000, high: 600 }, // an hour ago, offsets below 600 existed
      { at: now - 7_200_000, high: 200 },
      { at: now - 86_400_000, high: 50 },
      { at: now + 5, high: 1 }, // at or after the first look: ignored
    ]);
    // Offset 399 is halfway between the 2 h point (200) and the 1 h point (600).
    expect(t.appendedAt(399)).toEqual({ at: now - 5_400_000, lowerBound: false });
    // Between the newest history point and the first look.
    expect(t.appendedAt(799)).toEqual({ at: now - 1_800_000, lowerBound: false });
    // Older than the oldest point: a lower bound there.
    expect(t.appendedAt(10)).toEqual({ at: now - 86_400_000, lowerBound: true });
    expect(timeLag(t, 399, 1000, now).ms).toBe(5_400_000);
  });

  it('keeps history offsets non-decreasing in time, at most where the first look stood', () => {
    const t = new WatermarkTimeline();
    t.record(1_000_000, 500);
    // A producer with a fast clock wrote a message stamped later than newer ones.
    t.seedHistory([
      { at: 100_000, high: 300 },
      { at: 200_000, high: 250 },
      { at: 900_000, high: 900 },
    ]);
    // Clamped to 250 / 250 / 500: offsets below 250 predate the oldest point; 260 lies in (200 s, 900 s].
    expect(t.appendedAt(240)).toEqual({ at: 100_000, lowerBound: true });
    expect(t.appendedAt(260)).toEqual({ at: 230_800, lowerBound: false });
    expect(t.appendedAt(499)).toEqual({ at: 900_000, lowerBound: false });
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

  it('starts at the log start when retention removed the messages before it', () => {
    // Offset 499 is gone; the first message left is 749, appended at 7.5 s.
    expect(timeLag(t, 499, 1000, 30_000, 749)).toEqual({ ms: 22_500, lowerBound: false });
  });

  it('is null for a partition that holds no messages, whatever the committed offset', () => {
    const empty = new WatermarkTimeline();
    empty.record(0, 0);
    empty.seedHistory([{ at: -2_592_000_000, high: 0 }]);
    // kafkajs' "earliest" sentinel once looked like a message appended 30 days ago.
    expect(timeLag(empty, -2, 0, 1000)).toEqual({ ms: null, lowerBound: false });
    expect(timeLag(t, 40, 1000, 30_000, 1000)).toEqual({ ms: null, lowerBound: false });
  });
});
