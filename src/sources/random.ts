/**
 * Seeded randomness for the simulator and for expanding hourly counts. Math.random cannot be seeded, and both
 * need it: tests assert distributions, and a replay must regenerate exactly the same passages (same ids, same
 * times) so the sink deduplicates them.
 */

/** Uniform in [0, 1). */
export type Rng = () => number;

/** FNV-1a, 32 bit: a stable hash for seeds and ids (not for security). */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * sfc32 seeded through splitmix32: small, fast, passes PractRand far beyond what a traffic simulation draws,
 * and nearby seeds (hour keys differ by one digit) still give unrelated streams.
 */
export function createRng(seed: number | string): Rng {
  let s = typeof seed === 'string' ? hash32(seed) : seed >>> 0;
  const splitmix = (): number => {
    s = (s + 0x9e3779b9) | 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = splitmix();
  let b = splitmix();
  let c = splitmix();
  let d = splitmix();
  return () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
}

/** Integer in [min, max]. */
export function randomInt(rng: Rng, min: number, max: number): number {
  return min + Math.floor(rng() * (max - min + 1));
}

/** Waiting time of a Poisson process with `ratePerMs` events per ms. */
export function exponentialGap(rng: Rng, ratePerMs: number): number {
  // 1 - u is in (0, 1], so the log is finite.
  return -Math.log(1 - rng()) / ratePerMs;
}

/** Draws items with probability proportional to their weights (binary search over cumulative sums). */
export class WeightedPicker<T> {
  private readonly cum: Float64Array;
  private readonly total: number;

  constructor(
    readonly items: readonly T[],
    weights: readonly number[],
  ) {
    if (items.length === 0 || items.length !== weights.length) {
      throw new RangeError('weighted picker needs one weight per item and at least one item');
    }
    this.cum = new Float64Array(weights.length);
    let sum = 0;
    weights.forEach((w, i) => {
      if (!(w >= 0) || !Number.isFinite(w)) throw new RangeError(`weight ${w} is not a non-negative number`);
      sum += w;
      this.cum[i] = sum;
    });
    if (sum <= 0) throw new RangeError('weights sum to zero');
    this.total = sum;
  }

  pickIndex(rng: Rng): number {
    const x = rng() * this.total;
    let lo = 0;
    let hi = this.cum.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.cum[mid]! > x) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  pick(rng: Rng): T {
    return this.items[this.pickIndex(rng)]!;
  }
}

/** Zipf weights 1/k^s for ranks 1..n: a few vehicles pass daily, most rarely. */
export function zipfWeights(n: number, s: number): number[] {
  return Array.from({ length: n }, (_, k) => 1 / (k + 1) ** s);
}
