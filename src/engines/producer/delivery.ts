/**
 * Getting a batch acknowledged: one produce request at a time per producer (see src/kafka/producer.ts), retried
 * with backoff for as long as the producer runs. The idempotent producer makes a retry of a request the broker
 * did write harmless (it drops the duplicate); a reconnect after a sequence/epoch error gets a new producer id,
 * after which a retried batch may land twice in Kafka, which the sink's primary key absorbs. A batch the broker
 * refuses for good is split in halves until the refused passage is alone; only that one is counted as failed.
 */
import type { Publisher, SentRecord, TopicBatch } from '../../kafka/producer.ts';
import { backoffDelay, sleep } from '../../util/backoff.ts';
import type { BackoffOptions } from '../../util/backoff.ts';
import type { EventChunk } from './messages.ts';
import { countPassages } from './messages.ts';
import { splitChunks } from './outbox.ts';

/** A publisher that connects lazily and can be thrown away and recreated after a broken producer state. */
export class PublisherLink {
  private publisher: Publisher | undefined;
  private connected = false;

  constructor(private readonly create: () => Publisher) {}

  async connect(): Promise<void> {
    this.publisher ??= this.create();
    if (!this.connected) {
      await this.publisher.connect();
      this.connected = true;
    }
  }

  async send(batches: TopicBatch[]): Promise<SentRecord[]> {
    await this.connect();
    return this.publisher!.send(batches);
  }

  async close(): Promise<void> {
    const p = this.publisher;
    this.publisher = undefined;
    this.connected = false;
    await p?.disconnect().catch(() => {});
  }
}

export interface DeliveryHooks {
  onAcked(chunks: EventChunk[]): void;
  onRejected(chunks: EventChunk[], error: Error): void;
  onRetry(error: Error, attempt: number, delayMs: number): void;
}

/** Thrown when the caller gave up waiting for a send (stop timed out); the send itself may still complete. */
class Abandoned extends Error {}

/**
 * Waits for `work` unless `signal` aborts first. kafkajs cannot cancel a request it is retrying, so a stop that
 * times out stops waiting instead; the producer then closes the connection, which ends the request. Should the
 * broker have written it anyway, the resend on the next start is a duplicate in Kafka that the sink's primary
 * key absorbs.
 */
function unlessAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    work.catch(() => {});
    return Promise.reject(new Abandoned('stopped waiting'));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      work.catch(() => {});
      reject(new Abandoned('stopped waiting'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

const flag = (e: unknown, name: 'rejected' | 'staleProducer'): boolean =>
  typeof e === 'object' && e !== null && (e as Record<string, unknown>)[name] === true;

export class Delivery {
  constructor(
    private readonly link: PublisherLink,
    private readonly batchesOf: (chunks: readonly EventChunk[]) => TopicBatch[],
    private readonly hooks: DeliveryHooks,
    private readonly backoff: BackoffOptions = {},
  ) {}

  /**
   * Sends until acknowledged. Returns the chunks still undelivered when `signal` aborted first (the caller keeps
   * them for the next start), an empty array otherwise.
   */
  async deliver(chunks: EventChunk[], signal: AbortSignal): Promise<EventChunk[]> {
    for (let attempt = 0; ; attempt++) {
      if (signal.aborted) return chunks;
      try {
        await unlessAborted(this.link.send(this.batchesOf(chunks)), signal);
        this.hooks.onAcked(chunks);
        return [];
      } catch (e) {
        if (e instanceof Abandoned) return chunks;
        const error = e instanceof Error ? e : new Error(String(e));
        if (flag(e, 'rejected')) return this.isolate(chunks, error, signal);
        if (signal.aborted) return chunks;
        if (flag(e, 'staleProducer')) await this.link.close();
        const delay = backoffDelay(attempt, this.backoff);
        this.hooks.onRetry(error, attempt + 1, delay);
        await sleep(delay, signal);
        if (signal.aborted) return chunks;
      }
    }
  }

  /** Sends raw batches (plaza reference data) until acknowledged; false when aborted first. */
  async deliverBatches(batches: TopicBatch[], signal: AbortSignal): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      if (signal.aborted) return false;
      try {
        await unlessAborted(this.link.send(batches), signal);
        return true;
      } catch (e) {
        if (e instanceof Abandoned) return false;
        const error = e instanceof Error ? e : new Error(String(e));
        if (flag(e, 'staleProducer')) await this.link.close();
        const delay = backoffDelay(attempt, this.backoff);
        this.hooks.onRetry(error, attempt + 1, delay);
        await sleep(delay, signal);
      }
    }
  }

  private async isolate(chunks: EventChunk[], error: Error, signal: AbortSignal): Promise<EventChunk[]> {
    if (countPassages(chunks) <= 1) {
      this.hooks.onRejected(chunks, error);
      return [];
    }
    const [left, right] = splitChunks(chunks);
    const undeliveredLeft = await this.deliver(left, signal);
    if (undeliveredLeft.length) return [...undeliveredLeft, ...right];
    return this.deliver(right, signal);
  }
}
