/**
 * Lag in time without reading messages: per partition we remember when the high watermark passed which offset
 * (our poll times), and interpolate when the first unconsumed message (the committed offset) was appended. This
 * is the lookup-table method of kafka-lag-exporter. It costs nothing beyond the offsets we fetch anyway, and it
 * is accurate to about one poll interval for messages appended while we watch.
 *
 * Messages older than our first observation are placed by a history taken once from Kafka itself: for a grid of
 * past times, the first offset whose message timestamp is at or after that time (ListOffsets by timestamp), so a
 * consumer that was already hours behind when the monitor started shows hours, interpolated between grid points.
 * Only a message older than the oldest grid point (or one seen before the history arrives) gets a lower bound.
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
  /** From message timestamps, oldest first, before our first observation; never thinned. */
  private history: WatermarkPoint[] = [];

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
      this.history = [];
    } else if (last && previous && last.high === high && previous.high === high) {
      // Keep a plateau as its first and last sighting, so a later jump is placed after the idle time.
      last.at = at;
      return;
    }
    this.points.push({ at, high });
    if (this.points.length > this.capacity) this.thin();
  }

  /**
   * Points from before our first observation: at `at`, every offset below `high` had been written. Offsets are
   * made non-decreasing in time (producer clocks may disagree a little); points at or after our first observation
   * are ignored.
   */
  seedHistory(points: readonly WatermarkPoint[]): void {
    const first = this.points[0];
    const sorted = points
      .filter((p) => (first ? p.at < first.at : true) && Number.isFinite(p.high))
      .map((p) => ({ ...p }))
      .sort((a, b) => a.at - b.at);
    let ceiling = first?.high ?? Infinity;
    for (let i = sorted.length - 1; i >= 0; i--) {
      sorted[i]!.high = Math.min(sorted[i]!.high, ceiling);
      ceiling = sorted[i]!.high;
    }
    this.history = sorted;
  }

  /** When the message at `offset` was appended (the high watermark first exceeded it); null if not yet appended. */
  appendedAt(offset: number): AppendTime | null {
    const j = this.points.findIndex((p) => p.high > offset);
    if (j === -1) return null;
    if (j > 0) return between(this.points[j - 1]!, this.points[j]!, offset);
    // Written before our first observation: place it with the history from message timestamps.
    const anchor = this.points[0]!;
    const k = this.history.findIndex((p) => p.high > offset);
    if (k === 0 || this.history.length === 0) return { at: (this.history[0] ?? anchor).at, lowerBound: true };
    const before = this.history[(k === -1 ? this.history.length : k) - 1]!;
    return between(before, k === -1 ? anchor : this.history[k]!, offset);
  }

  private thin(): void {
    const half = Math.floor(this.points.length / 2);
    // Index 0 stays: it is the start of what we know, the anchor of every lower bound.
    this.points = this.points.filter((_, i) => i >= half || i % 2 === 0);
  }
}

/** Interpolated write time of `offset`, with before.high <= offset < after.high. */
function between(before: WatermarkPoint, after: WatermarkPoint, offset: number): AppendTime {
  const fraction = (offset + 1 - before.high) / (after.high - before.high);
  return { at: Math.round(before.at + fraction * (after.at - before.at)), lowerBound: false };
}

export interface TimeLag {
  ms: number | null;
  lowerBound: boolean;
}

/**
 * Age of the first unconsumed message; null when caught up, when the partition holds nothing to consume, or when
 * unknown. That message is at the committed offset, or at the log start when retention removed the ones before:
 * an offset below the log start has no message and no age.
 */
export function timeLag(
  timeline: WatermarkTimeline,
  committed: number,
  high: number,
  now: number,
  logStart = 0,
): TimeLag {
  const first = Math.max(committed, logStart);
  if (first >= high) return { ms: null, lowerBound: false };
  const appended = timeline.appendedAt(first);
  if (!appended) return { ms: null, lowerBound: false };
  return { ms: Math.max(0, now - appended.at), lowerBound: appended.lowerBound };
}
