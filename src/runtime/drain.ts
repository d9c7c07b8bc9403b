/**
 * Waiting until the sink has persisted everything the producers published. When the producers have stopped,
 * the high watermarks of the topics they wrote are the target; the run is drained once the sink's committed
 * position (its `sink_offsets` rows in MySQL, or the group's Kafka commit where it has none) reaches the target
 * on every partition. Anything other clients wrote to the same topics before that moment is waited for too,
 * which can only make the check stricter. Gives up when the position stops moving for `stallMs`.
 */
import { sleep } from '../util/backoff.ts';

/** partitionKey(topic, partition) -> offset. */
export type OffsetMap = Map<string, bigint>;

export function remainingLag(targets: OffsetMap, committed: OffsetMap): number {
  let lag = 0n;
  for (const [key, target] of targets) {
    const at = committed.get(key) ?? 0n;
    if (target > at) lag += target - at;
  }
  return Number(lag);
}

export interface DrainOptions {
  targets: OffsetMap;
  committed: () => Promise<OffsetMap>;
  signal?: AbortSignal;
  /** Give up after this long without progress. */
  stallMs?: number;
  pollMs?: number;
  onProgress?: (lag: number) => void;
  now?: () => number;
}

export interface DrainResult {
  drained: boolean;
  lag: number;
  reason?: string;
}

export async function waitForDrain({
  targets,
  committed,
  signal,
  stallMs = 60_000,
  pollMs = 250,
  onProgress,
  now = Date.now,
}: DrainOptions): Promise<DrainResult> {
  let best = Infinity;
  let lastProgressAt = now();
  let lastError: string | undefined;
  for (;;) {
    let lag = best;
    try {
      lag = remainingLag(targets, await committed());
      lastError = undefined;
    } catch (e) {
      lastError = (e as Error).message;
    }
    onProgress?.(lag);
    if (lag === 0) return { drained: true, lag: 0 };
    if (lag < best) {
      best = lag;
      lastProgressAt = now();
    }
    if (signal?.aborted) return { drained: false, lag, reason: 'interrupted while waiting for the sink' };
    if (now() - lastProgressAt > stallMs) {
      const why = lastError ? ` (${lastError})` : '';
      return {
        drained: false,
        lag,
        reason: `the sink made no progress for ${Math.round(stallMs / 1000)} s with ${Number.isFinite(lag) ? lag : 'unknown'} messages still to persist${why}`,
      };
    }
    await sleep(pollMs, signal);
  }
}
