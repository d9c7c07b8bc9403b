/**
 * Events per second over a sliding window. Counts land in fixed time buckets so the meter costs O(1) per
 * record and O(buckets) per read, whatever the rate; a fresh meter divides by the time it has actually seen,
 * so the first second does not read as a fraction of the window.
 */
export class RateMeter {
  private readonly buckets: number[];
  private readonly bucketMs: number;
  /** Start time of the bucket at `head`. */
  private headStart: number | null = null;
  private head = 0;
  private firstAt: number | null = null;

  constructor(
    private readonly windowMs = 5000,
    bucketCount = 20,
  ) {
    if (windowMs <= 0 || bucketCount < 1)
      throw new RangeError('rate window and bucket count must be positive');
    this.bucketMs = windowMs / bucketCount;
    this.buckets = new Array<number>(bucketCount).fill(0);
  }

  add(count: number, now = Date.now()): void {
    this.advance(now);
    this.firstAt ??= now;
    this.buckets[this.head]! += count;
  }

  /** Per second over the window (or over the time since the first count, when shorter). */
  perSecond(now = Date.now()): number {
    if (this.firstAt === null) return 0;
    this.advance(now);
    const total = this.buckets.reduce((a, b) => a + b, 0);
    // The oldest bucket has already rotated out: the buckets cover (n-1) full buckets plus the current part.
    const covered = (this.buckets.length - 1) * this.bucketMs + (now - (this.headStart ?? now));
    const span = Math.max(Math.min(covered, now - this.firstAt), this.bucketMs);
    return (total * 1000) / span;
  }

  reset(): void {
    this.buckets.fill(0);
    this.headStart = null;
    this.firstAt = null;
  }

  private advance(now: number): void {
    if (this.headStart === null) {
      this.headStart = now;
      return;
    }
    const steps = Math.floor((now - this.headStart) / this.bucketMs);
    if (steps <= 0) return;
    const n = this.buckets.length;
    for (let i = 0; i < Math.min(steps, n); i++) {
      this.head = (this.head + 1) % n;
      this.buckets[this.head] = 0;
    }
    this.headStart += steps * this.bucketMs;
  }
}
