/**
 * Turns an ordered stream of items into paced batches. The stream's position lives in a Backlog owned by the
 * source, not in the generator, so stopping a producer mid-stream and starting it again resumes with the very
 * next item: nothing already yielded is repeated and nothing read ahead is lost.
 */
import type { Pacer } from './pacer.ts';

export class Backlog<T> {
  private chunk: readonly T[] = [];
  private index = 0;
  private iterator: AsyncIterator<readonly T[]> | undefined;
  private done = false;

  /** `open` is called once, on the first peek: nothing is read before a producer starts. */
  constructor(private readonly open: () => AsyncIterator<readonly T[]>) {}

  get exhausted(): boolean {
    return this.done && this.index >= this.chunk.length;
  }

  /** Items left in the chunk already loaded (they can be taken without waiting). */
  get loaded(): number {
    return this.chunk.length - this.index;
  }

  /**
   * The next item, loading chunks as needed. Undefined when the stream is exhausted, or when `signal` aborted
   * while waiting (a stream may hand back an empty chunk when aborted, and keeps its place for the next run).
   */
  async peek(signal: AbortSignal): Promise<T | undefined> {
    while (this.index >= this.chunk.length) {
      if (this.done || signal.aborted) return undefined;
      this.iterator ??= this.open();
      const r = await this.iterator.next();
      this.chunk = r.done ? [] : r.value;
      this.index = 0;
      if (r.done) this.done = true;
    }
    return this.chunk[this.index];
  }

  /** The next item if it is already loaded. */
  peekLoaded(): T | undefined {
    return this.chunk[this.index];
  }

  shift(): void {
    this.index++;
  }
}

/**
 * Yields batches of at most the pacer's batch limit. Rate pacing decides how many go now; speed pacing waits
 * for the first item and adds the items due within the batch window. Batches never wait for a chunk to load,
 * so a stream that pauses (an HTTP poll interval) hands over what it has at once.
 */
export async function* pacedBatches<T>(
  backlog: Backlog<T>,
  pacer: Pacer,
  signal: AbortSignal,
  timeOf: (item: T) => number,
): AsyncGenerator<T[]> {
  for (;;) {
    const first = await backlog.peek(signal);
    if (first === undefined || signal.aborted) return;
    const pace = pacer.getPace();
    let limit = Math.min(pacer.batchLimit, backlog.loaded);
    let dueBy = Infinity;
    if (pace.kind === 'rate' && pace.perSecond > 0) {
      limit = await pacer.acquire(limit, signal);
      if (limit === 0) continue;
    } else if (pace.kind === 'speed' && pace.factor !== 'max') {
      if ((await pacer.waitUntilDue(timeOf(first), signal)) !== 'ready') continue;
      dueBy = pacer.now() + pacer.batchWindowMs;
    }
    const batch: T[] = [];
    for (let item = backlog.peekLoaded(); item !== undefined; item = backlog.peekLoaded()) {
      if (batch.length > 0 && dueBy !== Infinity && pacer.dueAt(timeOf(item)) > dueBy) break;
      batch.push(item);
      backlog.shift();
      if (batch.length >= limit) break;
    }
    yield batch;
  }
}
