/**
 * Burrow's consumer lag evaluation rules (linkedin/Burrow, core/internal/evaluator), as pure functions.
 *
 * Burrow keeps, per partition, a window of the group's last N offset commits: the committed offset, when it was
 * committed and the lag at that moment. Its rules, in the order it applies them:
 *   - current lag zero                                   -> OK, whatever the window says;
 *   - STOP: the time since the last commit is longer than the window itself (last - first commit), unless one of the
 *     recent high watermarks shows the consumer was caught up (Burrow's broker-offset ring, PR #338);
 *   - if the lag was zero at some commit in the window   -> OK;
 *   - REWIND: a committed offset went backwards;
 *   - STALL: commits keep coming but the offset never changes;
 *   - WARN: offsets advance but the lag never decreases from one commit to the next;
 *   - otherwise OK.
 * Polling cannot see commits that repeat the same offset, so the tracker (tracker.ts) decides what counts as a
 * commit; these functions only apply the rules to the window they are given.
 */

/** One commit of the window: the committed offset, when it was committed (ms), and the lag then (null: unknown). */
export interface CommitEntry {
  offset: number;
  at: number;
  lag: number | null;
}

export type BurrowStatus = 'OK' | 'WARN' | 'STALL' | 'STOP' | 'REWIND';

export interface Evaluation {
  status: BurrowStatus;
  /** Why, in words a person reads in the lag pane. */
  reason: string;
}

/** Rule 1: the lag was zero at some commit of the window. */
export function lagEverZero(window: readonly CommitEntry[]): boolean {
  return window.some((c) => c.lag === 0);
}

/** Rule 2: a committed offset is lower than the one before it. */
export function offsetsRewound(window: readonly CommitEntry[]): boolean {
  for (let i = 1; i < window.length; i++) if (window[i]!.offset < window[i - 1]!.offset) return true;
  return false;
}

/** Rule 3: no commit for longer than the window spans (now - last > last - first). */
export function commitsStopped(window: readonly CommitEntry[], now: number): boolean {
  const first = window[0];
  const last = window.at(-1);
  if (!first || !last) return false;
  return now - last.at > last.at - first.at;
}

/** Rule 4: every commit of the window carries the same offset. */
export function offsetsStalled(window: readonly CommitEntry[]): boolean {
  for (let i = 1; i < window.length; i++) if (window[i]!.offset !== window[i - 1]!.offset) return false;
  return true;
}

/** Rule 5: the lag never decreases from one commit (with a known lag) to the next. */
export function lagNotDecreasing(window: readonly CommitEntry[]): boolean {
  let previous: number | null = null;
  for (const c of window) {
    if (c.lag === null) continue;
    if (previous !== null && c.lag < previous) return false;
    previous = c.lag;
  }
  return true;
}

/** Burrow's guard against false STOPs: the last committed offset reached one of the recent high watermarks. */
export function recentlyCaughtUp(
  window: readonly CommitEntry[],
  recentHighWatermarks: readonly number[],
): boolean {
  const last = window.at(-1);
  if (!last) return false;
  return recentHighWatermarks.some((h) => h <= last.offset);
}

/**
 * Whether a partition has anything to consume: nothing was ever written to it (log end 0), or retention removed
 * all of it (log start == log end). A group standing still there is waiting, not stuck.
 */
export function holdsMessages(logStart: number, logEnd: number): boolean {
  return logEnd > logStart;
}

/**
 * The status of one partition. `window` is oldest first. Two deviations from Burrow, on purpose:
 *   - a partition that holds no messages is OK whatever the window says: a consumer cannot be stuck on, or behind,
 *     messages that do not exist (Burrow would call a live member standing at an old offset there STALL);
 *   - rules that compare commits (REWIND, STALL, WARN) wait for two entries, because our first entry is our first
 *     look at the group, not a commit we saw happen; Burrow (minimum-complete 0) would call a single-entry window
 *     STALL.
 */
export function evaluatePartition(
  window: readonly CommitEntry[],
  recentHighWatermarks: readonly number[],
  currentLag: number,
  now: number,
  hasMessages = true,
): Evaluation {
  if (!hasMessages) return { status: 'OK', reason: 'the partition holds no messages: nothing to consume' };
  if (currentLag <= 0) return { status: 'OK', reason: 'caught up' };
  if (window.length === 0) return { status: 'OK', reason: 'no commits observed yet' };
  if (commitsStopped(window, now) && !recentlyCaughtUp(window, recentHighWatermarks)) {
    const last = window.at(-1)!;
    return {
      status: 'STOP',
      reason: `no commit seen for ${seconds(now - last.at)} with ${currentLag} messages behind`,
    };
  }
  if (lagEverZero(window)) return { status: 'OK', reason: 'lag was zero within the window' };
  if (window.length < 2) return { status: 'OK', reason: 'one commit observed so far' };
  if (offsetsRewound(window)) return { status: 'REWIND', reason: 'the committed offset moved backwards' };
  if (offsetsStalled(window)) {
    return { status: 'STALL', reason: `the group is alive but its offset stays at ${window.at(-1)!.offset}` };
  }
  if (lagNotDecreasing(window)) return { status: 'WARN', reason: 'consuming, but the lag is not decreasing' };
  return { status: 'OK', reason: 'lag decreasing' };
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}
