/**
 * Pacing shared by every source. Two modes, as the user sets them:
 * - rate: a token bucket admitting `perSecond` events per second (0 = unlimited). Tokens accrue continuously and
 *   the bucket holds about 100 ms worth, so a short stall is caught up in one burst but a long one is not.
 *   Waits are computed, never polled: at high rates a wait lasts until ~50 ms worth of events is due, so events
 *   leave in batches instead of one timer per event.
 * - speed: event time maps to wall time through an anchor (event t0 happened at wall w0): event t is due at
 *   w0 + (t - t0) / factor. `max` never waits. Falling behind by more than `maxLagMs` (a paused producer, a broker
 *   outage) re-anchors instead of replaying the backlog as a flood.
 * setPace wakes any sleeping wait, which then re-evaluates under the new pace.
 */
import type { Pace } from './source.ts';

/** Most events a source yields at once. */
export const MAX_BATCH = 500;
/** A batch gathers the events due within this window. */
export const BATCH_WINDOW_MS = 50;

export interface PacerClock {
  /** Monotonic ms. */
  now(): number;
  /** Resolves after `ms` or as soon as any of `signals` aborts. */
  sleep(ms: number, signals: readonly AbortSignal[]): Promise<void>;
}

export const realClock: PacerClock = {
  now: () => performance.now(),
  sleep: (ms, signals) =>
    new Promise<void>((resolve) => {
      if (signals.some((s) => s.aborted)) return resolve();
      const done = (): void => {
        clearTimeout(timer);
        for (const s of signals) s.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      for (const s of signals) s.addEventListener('abort', done, { once: true });
    }),
};

export interface PacerOptions {
  clock?: PacerClock;
  /** Rate mode: how much unused allowance may be spent at once. */
  burstMs?: number;
  windowMs?: number;
  maxBatch?: number;
  /** Speed mode: lag tolerated before re-anchoring; Infinity catches up whatever the lag (the simulator's clock). */
  maxLagMs?: number;
}

export type WaitResult = 'ready' | 'changed' | 'aborted';

/** Throws a RangeError for a pace no source can follow (negative rate, zero speed, NaN). */
export function assertPace(pace: Pace): void {
  if (pace.kind === 'rate') {
    if (!Number.isFinite(pace.perSecond) || pace.perSecond < 0) {
      throw new RangeError(`rate must be a number >= 0 (0 = unlimited), got ${pace.perSecond}`);
    }
  } else if (pace.factor !== 'max' && !(Number.isFinite(pace.factor) && pace.factor > 0)) {
    throw new RangeError(`speed must be a number > 0 or "max", got ${String(pace.factor)}`);
  }
}

/** True when a pace never makes a source wait. */
export function isUnlimited(pace: Pace): boolean {
  return pace.kind === 'rate' ? pace.perSecond === 0 : pace.factor === 'max';
}

export class Pacer {
  private pace: Pace;
  private readonly clock: PacerClock;
  private readonly burstMs: number;
  private readonly windowMs: number;
  private readonly maxBatch: number;
  private readonly maxLagMs: number;
  private tokens = 0;
  private refilledAt: number;
  private anchorPoint: { event: number; wall: number } | undefined;
  private wake = new AbortController();

  constructor(pace: Pace, options: PacerOptions = {}) {
    assertPace(pace);
    this.pace = pace;
    this.clock = options.clock ?? realClock;
    this.burstMs = options.burstMs ?? 100;
    this.windowMs = options.windowMs ?? BATCH_WINDOW_MS;
    this.maxBatch = options.maxBatch ?? MAX_BATCH;
    this.maxLagMs = options.maxLagMs ?? 1000;
    this.refilledAt = this.clock.now();
    if (pace.kind === 'rate') this.tokens = this.capacity(pace.perSecond);
  }

  getPace(): Pace {
    return this.pace;
  }

  get batchLimit(): number {
    return this.maxBatch;
  }

  get batchWindowMs(): number {
    return this.windowMs;
  }

  now(): number {
    return this.clock.now();
  }

  setPace(next: Pace): void {
    assertPace(next);
    const now = this.clock.now();
    const prev = this.pace;
    if (prev.kind === 'rate') this.refill(now);
    if (next.kind === 'rate') {
      if (prev.kind !== 'rate') {
        this.tokens = 0;
        this.refilledAt = now;
      }
      this.tokens = Math.min(this.tokens, this.capacity(next.perSecond));
    }
    if (next.kind === 'speed') {
      // Keep the replay position: the event time reached by now under the old speed becomes the new anchor.
      const a = this.anchorPoint;
      if (prev.kind === 'speed' && prev.factor !== 'max' && a) {
        this.anchorPoint = { event: a.event + Math.max(0, now - a.wall) * prev.factor, wall: now };
      } else {
        this.anchorPoint = undefined;
      }
    }
    this.pace = next;
    this.wake.abort();
    this.wake = new AbortController();
  }

  /** Speed mode: event time `eventMs` is due at wall `wallMs` (default now). Used on start and resume. */
  anchor(eventMs: number, wallMs = this.clock.now()): void {
    this.anchorPoint = { event: eventMs, wall: wallMs };
  }

  /** Forgets the anchor: the next event is due at once (a resumed replay does not owe the paused time). */
  resetAnchor(): void {
    this.anchorPoint = undefined;
  }

  /** Speed mode: wall time (pacer clock) at which `eventMs` is due; anchors on the first event seen. */
  dueAt(eventMs: number): number {
    const pace = this.pace;
    if (pace.kind !== 'speed' || pace.factor === 'max') return -Infinity;
    if (!this.anchorPoint) this.anchorPoint = { event: eventMs, wall: this.clock.now() };
    return this.anchorPoint.wall + (eventMs - this.anchorPoint.event) / pace.factor;
  }

  /**
   * Speed mode: waits until `eventMs` is due. 'changed' means setPace ran meanwhile and the caller must look
   * at the pace again (the wait may now be shorter, longer, or a different mode).
   */
  async waitUntilDue(eventMs: number, signal: AbortSignal): Promise<WaitResult> {
    if (signal.aborted) return 'aborted';
    const now = this.clock.now();
    let due = this.dueAt(eventMs);
    if (now - due > this.maxLagMs && this.anchorPoint && eventMs >= this.anchorPoint.event) {
      this.anchorPoint = { event: eventMs, wall: now };
      due = now;
    }
    if (due <= now) return 'ready';
    return this.sleep(due - now, signal);
  }

  /**
   * Rate mode: waits until a batch may go and returns how many of `wanted` events it admits (at least one).
   * Returns 0 when aborted or when the pace is no longer a rate, so the caller re-evaluates.
   */
  async acquire(wanted: number, signal: AbortSignal): Promise<number> {
    for (;;) {
      const pace = this.pace;
      if (signal.aborted || pace.kind !== 'rate' || wanted <= 0) return 0;
      if (pace.perSecond === 0) return wanted;
      this.refill(this.clock.now());
      const need = Math.min(wanted, this.batchTarget(pace.perSecond));
      if (this.tokens >= need) {
        const granted = Math.min(wanted, Math.floor(this.tokens));
        this.tokens -= granted;
        return granted;
      }
      const waitMs = Math.max(1, Math.ceil(((need - this.tokens) / pace.perSecond) * 1000));
      if ((await this.sleep(waitMs, signal)) === 'aborted') return 0;
    }
  }

  private async sleep(ms: number, signal: AbortSignal): Promise<WaitResult> {
    const wake = this.wake.signal;
    await this.clock.sleep(ms, [signal, wake]);
    if (signal.aborted) return 'aborted';
    return wake.aborted ? 'changed' : 'ready';
  }

  private capacity(perSecond: number): number {
    return Math.max(this.batchTarget(perSecond), (perSecond * this.burstMs) / 1000);
  }

  /** Events worth one batch window at this rate: the least a wait waits for, so timers fire ~20 times a second. */
  private batchTarget(perSecond: number): number {
    return Math.max(1, Math.min(this.maxBatch, Math.floor((perSecond * this.windowMs) / 1000)));
  }

  private refill(now: number): void {
    const pace = this.pace;
    if (pace.kind === 'rate' && pace.perSecond > 0) {
      const elapsed = Math.max(0, now - this.refilledAt);
      this.tokens = Math.min(this.capacity(pace.perSecond), this.tokens + (elapsed * pace.perSecond) / 1000);
    }
    this.refilledAt = now;
  }
}
