/**
 * The bounded queue between a producer's source reader and its sender. The reader waits while the outbox holds
 * `capacity` passages or more, which is the backpressure on the source iterator: a source never runs further
 * ahead of Kafka than one outbox. The sender takes up to a batch at a time, splitting a large source chunk so no
 * produce request grows past the batch size. Chunks a stopped sender could not deliver go back to the front and
 * are sent first on the next start, so stop/start neither loses nor reorders passages.
 */
import type { EventChunk } from './messages.ts';

export class Outbox {
  private chunks: EventChunk[] = [];
  private held = 0;
  private closed = false;
  private waiters: (() => void)[] = [];

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('outbox capacity must be >= 1');
  }

  /** Passages waiting to be sent. */
  get size(): number {
    return this.held;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Appends a chunk once there is room (one chunk may overshoot the capacity, so any chunk size fits). Once
   * `signal` aborts (the producer is stopping) it appends at once: the chunk was already taken from the source
   * and must not be dropped, and the sender may have stopped taking.
   */
  async push(chunk: EventChunk, signal?: AbortSignal): Promise<void> {
    if (this.closed) throw new Error('outbox is closed');
    while (this.held >= this.capacity && !signal?.aborted) await this.changed(signal);
    this.chunks.push(chunk);
    this.held += chunk.events.length;
    this.notify();
  }

  /**
   * Takes up to `max` passages, oldest first. Waits while empty; returns null once closed and empty, or when
   * `signal` aborts while waiting.
   */
  async take(max: number, signal?: AbortSignal): Promise<EventChunk[] | null> {
    while (this.held === 0) {
      if (this.closed || signal?.aborted) return null;
      await this.changed(signal);
    }
    const out: EventChunk[] = [];
    let room = max;
    while (room > 0 && this.chunks.length) {
      const head = this.chunks[0]!;
      if (head.events.length <= room) {
        out.push(head);
        this.chunks.shift();
        room -= head.events.length;
      } else {
        out.push({ events: head.events.slice(0, room), receivedAt: head.receivedAt });
        this.chunks[0] = { events: head.events.slice(room), receivedAt: head.receivedAt };
        room = 0;
      }
    }
    this.held -= max - room;
    this.notify();
    return out;
  }

  /** Returns undelivered chunks to the front, ahead of anything newer. */
  unshift(chunks: readonly EventChunk[]): void {
    if (!chunks.length) return;
    this.chunks.unshift(...chunks);
    this.held += chunks.reduce((n, c) => n + c.events.length, 0);
    this.notify();
  }

  /** No more chunks will be pushed for now: the sender drains what is left and then stops. */
  close(): void {
    this.closed = true;
    this.notify();
  }

  reopen(): void {
    this.closed = false;
  }

  private changed(signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const done = (): void => {
        signal?.removeEventListener('abort', done);
        resolve();
      };
      this.waiters.push(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  private notify(): void {
    const waiting = this.waiters;
    this.waiters = [];
    for (const w of waiting) w();
  }
}

/** Splits chunks into two halves by passage count (to isolate a record the broker refuses). */
export function splitChunks(chunks: readonly EventChunk[]): [EventChunk[], EventChunk[]] {
  const total = chunks.reduce((n, c) => n + c.events.length, 0);
  let leftRoom = Math.ceil(total / 2);
  const left: EventChunk[] = [];
  const right: EventChunk[] = [];
  for (const c of chunks) {
    if (leftRoom >= c.events.length) {
      left.push(c);
      leftRoom -= c.events.length;
    } else if (leftRoom > 0) {
      left.push({ events: c.events.slice(0, leftRoom), receivedAt: c.receivedAt });
      right.push({ events: c.events.slice(leftRoom), receivedAt: c.receivedAt });
      leftRoom = 0;
    } else {
      right.push(c);
    }
  }
  return [left, right];
}
