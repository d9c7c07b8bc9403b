/**
 * The offset rules that make the sink exactly once. MySQL's `sink_offsets.next_offset` is the truth: every
 * offset below it is persisted, nothing at or above it is. Kafka's committed offset only trails it.
 * Pure functions over offsets as bigint (Kafka offsets are int64).
 */

/** Index of the first message at or above `next`: the ones before it are persisted already. */
export function firstUnpersisted(offsets: readonly string[], next: bigint | null): number {
  if (next === null) return 0;
  // Offsets ascend within a partition batch, so the common case (nothing to skip) returns at once.
  for (let i = 0; i < offsets.length; i++) if (BigInt(offsets[i]!) >= next) return i;
  return offsets.length;
}

/** The next offset to store after persisting a run of messages ending at `lastOffset`. */
export function nextOffsetAfter(lastOffset: string): bigint {
  return BigInt(lastOffset) + 1n;
}

/**
 * A stored next offset beyond the partition's high watermark cannot belong to the partition Kafka has now: nothing
 * persisted can lie past its end. The topic was deleted and recreated (or truncated, e.g. a purged stack) while
 * MySQL kept its offsets; what the partition holds now is new and must be persisted, not skipped as "below".
 */
export function pastTheEnd(stored: bigint | null, highWatermark: bigint): boolean {
  return stored !== null && stored > highWatermark;
}

/**
 * What to do with a chunk, given the stored next offset read under the row lock.
 * - `skip`: everything in it is persisted already (a replay, or another member got there first);
 * - `rewind`: the stored offset is behind the chunk's first message and this partition was not verified since
 *   it was assigned, so Kafka's position is ahead of MySQL's (a lost seek, a swapped database): seek back;
 * - `write`: persist the messages from `from` on (earlier ones in the chunk were persisted by someone else), and
 *   all of it when the stored offset is past the partition's end (pastTheEnd); event ids keep replays out.
 * After one rewind a gap is accepted: compaction and retention legitimately leave holes in offsets.
 */
export type ChunkVerdict =
  { kind: 'skip' } | { kind: 'rewind'; to: bigint } | { kind: 'write'; from: bigint };

export function chunkVerdict(
  stored: bigint | null,
  first: bigint,
  next: bigint,
  verified: boolean,
  highWatermark: bigint,
): ChunkVerdict {
  if (pastTheEnd(stored, highWatermark)) return { kind: 'write', from: first };
  const persistedUpTo = stored ?? 0n;
  if (persistedUpTo >= next) return { kind: 'skip' };
  if (persistedUpTo > first) return { kind: 'write', from: persistedUpTo };
  if (persistedUpTo < first && !verified) return { kind: 'rewind', to: persistedUpTo };
  return { kind: 'write', from: first };
}

/** Splits a batch into chunks of at most `max`, each written in its own transaction. */
export function chunked<T>(items: readonly T[], max: number): T[][] {
  const size = Math.max(1, Math.floor(max));
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
