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

/** A partition's row in sink_offsets: the next offset to persist and the topic incarnation it counts in. */
export interface StoredOffset {
  next: bigint;
  /** Kafka's topic id; null when not recorded (an older sink) or the brokers have none (before Kafka 2.8). */
  topicId: string | null;
}

/** A chunk of one partition as the member holding it sees it. */
export interface ChunkPosition {
  /** Offsets covered: [first, next). */
  first: bigint;
  next: bigint;
  /** The topic incarnation this member believes the chunk comes from. */
  incarnation: string | null;
  /** Kafka confirmed `incarnation` as current after the row was found recording another one. */
  incarnationConfirmed: boolean;
  /** Whether this partition's position was checked against MySQL since it was assigned. */
  verified: boolean;
}

/**
 * What to do with a chunk, given the stored offset read under the row lock.
 * - `incarnation`: the row records another incarnation than the chunk's, so one of the two is stale: a zombie
 *   fetched the chunk before the topic was recreated, or the row is from before it. Only Kafka can tell: ask it
 *   for the current topic id, and write (confirmed) only if it is the chunk's;
 * - `skip`: everything in it is persisted already (a replay, or another member got there first — a zombie that
 *   held an old batch while others moved on lands here, so it writes nothing and moves no offset back);
 * - `rewind`: the stored offset is behind the chunk's first message and this partition was not verified since
 *   it was assigned, so Kafka's position is ahead of MySQL's (a lost seek, a swapped database, a new
 *   incarnation read from a stale position): seek back;
 * - `write`: persist the messages from `from` on (earlier ones in the chunk were persisted by someone else).
 * An offset of another incarnation counts as nothing persisted of this one. After one rewind a gap is accepted:
 * compaction and retention legitimately leave holes in offsets. Within one incarnation the stored offset only
 * moves forward: a write always ends at `next`, above the stored offset.
 */
export type ChunkVerdict =
  | { kind: 'incarnation'; recorded: string | null }
  | { kind: 'skip'; persistedUpTo: bigint }
  | { kind: 'rewind'; to: bigint }
  | { kind: 'write'; from: bigint };

export function chunkVerdict(stored: StoredOffset | null, chunk: ChunkPosition): ChunkVerdict {
  const same = stored !== null && stored.topicId === chunk.incarnation;
  if (stored !== null && !same && stored.topicId !== null && !chunk.incarnationConfirmed) {
    return { kind: 'incarnation', recorded: stored.topicId };
  }
  const persistedUpTo = same ? stored.next : 0n;
  if (persistedUpTo >= chunk.next) return { kind: 'skip', persistedUpTo };
  if (persistedUpTo > chunk.first) return { kind: 'write', from: persistedUpTo };
  if (persistedUpTo < chunk.first && !chunk.verified) return { kind: 'rewind', to: persistedUpTo };
  return { kind: 'write', from: chunk.first };
}

/**
 * Whether an offset stored before incarnations were recorded belongs to the topic Kafka has now. Nothing
 * persisted is trivially anyone's; an offset past the partition's end cannot be this topic's. Below the end it is
 * this topic's when the group has a commit in Kafka at or below it: Kafka drops a group's commits when the topic
 * is deleted, and the sink commits only what MySQL holds. Without that evidence, a topic whose event ids come
 * from the records (`rereadIsHarmless`) is read again from its beginning (rows already present are ignored);
 * classic lines, whose ids are their offsets, keep the stored offset: reading them again would store them twice.
 */
export function adoptUnrecorded(
  storedNext: bigint,
  highWatermark: bigint,
  committed: bigint | null,
  rereadIsHarmless: boolean,
): boolean {
  if (storedNext === 0n) return true;
  if (storedNext > highWatermark) return false;
  if (committed !== null && committed <= storedNext) return true;
  return !rereadIsHarmless;
}

/** Splits a batch into chunks of at most `max`, each written in its own transaction. */
export function chunked<T>(items: readonly T[], max: number): T[][] {
  const size = Math.max(1, Math.floor(max));
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
