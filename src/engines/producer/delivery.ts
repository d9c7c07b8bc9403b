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
      try {
        await this.link.send(this.batchesOf(chunks));
        this.hooks.onAcked(chunks);
        return [];
      } catch (e) {
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
        await this.link.send(batches);
        return true;
      } catch (e) {
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
