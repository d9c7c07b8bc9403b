/**
 * Lag in time without reading messages: per partition we remember when the high watermark passed which offset
 * (our poll times), and interpolate when the first unconsumed message (the committed offset) was appended. This
 * is the lookup-table method of kafka-lag-exporter. It costs nothing beyond the offsets we fetch anyway, and it
 * is accurate to about one poll interval for messages appended while we watch. For a message older than our first
 * observation we only know a lower bound (its age is at least the time we have been watching), and say so.
 *
 * The table is bounded: when it is full, every other point of its older half is dropped, so recent history stays
 * fine-grained and old history coarse, over the whole life of the monitor.
 */

interface WatermarkPoint {
  at: number;
  high: number;
}

export interface AppendTime {
  at: number;
  /** True when the message predates our first observation: `at` is then the latest it can have been appended. */
  lowerBound: boolean;
}

export class WatermarkTimeline {
  private points: WatermarkPoint[] = [];

  constructor(readonly capacity = 64) {
    if (capacity < 4) throw new RangeError('watermark timeline capacity must be >= 4');
  }

  get size(): number {
    return this.points.length;
  }

  record(at: number, high: number): void {
    const last = this.points.at(-1);
    const previous = this.points.at(-2);
    if (last && high < last.high) {
      // The topic was recreated or truncated: the old history says nothing about the new offsets.
      this.points = [];
    } else if (last && previous && last.high === high && previous.high === high) {
      // Keep a plateau as its first and last sighting, so a later jump is placed after the idle time.
      last.at = at;
      return;
    }
    this.points.push({ at, high });
    if (this.points.length > this.capacity) this.thin();
  }

  /** When the message at `offset` was appended (the high watermark first exceeded it); null if not yet appended. */
  appendedAt(offset: number): AppendTime | null {
    const j = this.points.findIndex((p) => p.high > offset);
    if (j === -1) return null;
    const after = this.points[j]!;
    if (j === 0) return { at: after.at, lowerBound: true };
    const before = this.points[j - 1]!;
    const fraction = (offset + 1 - before.high) / (after.high - before.high);
    return { at: Math.round(before.at + fraction * (after.at - before.at)), lowerBound: false };
  }

  private thin(): void {
    const half = Math.floor(this.points.length / 2);
    // Index 0 stays: it is the start of what we know, the anchor of every lower bound.
    this.points = this.points.filter((_, i) => i >= half || i % 2 === 0);
  }
}

export interface TimeLag {
  ms: number | null;
  lowerBound: boolean;
}

/** Age of the first unconsumed message; null when caught up or unknown. */
export function timeLag(timeline: WatermarkTimeline, committed: number, high: number, now: number): TimeLag {
  if (committed >= high) return { ms: null, lowerBound: false };
  const appended = timeline.appendedAt(committed);
  if (!appended) return { ms: null, lowerBound: false };
  return { ms: Math.max(0, now - appended.at), lowerBound: appended.lowerBound };
}
