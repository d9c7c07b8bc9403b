/**
 * One named producer: a source, an outbox and a sender. The reader pulls batches from the source into the
 * outbox (waiting while it is full); the sender takes up to a batch at a time and gets it acknowledged. Both run
 * at once, so the next batch is read, paced and queued while the previous one is in flight. Stop aborts the
 * reader, lets the sender flush the outbox, and keeps anything it could not deliver (Kafka down) for the next
 * start; the source object is kept too, so a restart resumes where it stopped.
 */
import type { TollEvent } from '../../domain/types.ts';
import type { TollSource } from '../../sources/source.ts';
import type { Logger } from '../../util/log.ts';
import type { EngineStatus, ProducerSnapshot } from '../types.ts';
import type { Budget } from './budget.ts';
import { Delivery, PublisherLink } from './delivery.ts';
import type { EventChunk, Topics } from './messages.ts';
import { countPassages, countPayments, eventBatches, plazaBatch } from './messages.ts';
import { Outbox } from './outbox.ts';
import type { Publisher } from '../../kafka/producer.ts';
import type { BackoffOptions } from '../../util/backoff.ts';
import { RateMeter } from './rate.ts';

export interface ProducerTuning {
  /** Passages per produce request (each with its payment). */
  maxBatchPassages: number;
  /** Passages a producer holds between its source and Kafka before the source is made to wait. */
  outboxCapacity: number;
  /** How long stop() keeps trying to flush before it keeps the rest for the next start. */
  flushTimeoutMs: number;
  /** A send unacknowledged this long shows as an error (waiting for Kafka) before kafkajs gives up. */
  slowAckMs: number;
  backoff: BackoffOptions;
}

/**
 * Batch size measured end to end (simulator -> Kafka -> sink -> MySQL in one process, 100,000 passages, 2-core
 * box): 500, 1,000, 2,000 and 4,000 passages per request publish within noise of each other (10-14k/s), while
 * larger batches raise peak RSS (~250 MB at 1,000, ~320 MB at 4,000) and queueing latency. kafkajs also groups a
 * request's messages per partition in quadratic time, which penalises big requests.
 */
export const DEFAULT_TUNING: ProducerTuning = {
  maxBatchPassages: 1000,
  outboxCapacity: 4000,
  flushTimeoutMs: 30_000,
  slowAckMs: 5000,
  backoff: { initialMs: 300, maxMs: 10_000 },
};

export interface ProducerDeps {
  topics: Topics;
  logger: Logger;
  budget: Budget;
  tuning: ProducerTuning;
  createPublisher: () => Publisher;
  /** Something changed that the snapshot shows. */
  onChange: () => void;
  onAcked?: (producerId: string, events: readonly TollEvent[]) => void;
}

export class NamedProducer {
  status: EngineStatus = { kind: 'idle' };
  sent = 0;
  acked = 0;
  failed = 0;
  payments = 0;
  /** Publish attempts that failed and were tried again. */
  retries = 0;
  startedAt: number | undefined;
  lastError: string | undefined;

  private readonly ackRate = new RateMeter();
  private readonly readRate = new RateMeter(10_000);
  private lastRead = 0;
  private readonly outbox: Outbox;
  private readonly link: PublisherLink;
  private readonly delivery: Delivery;
  private readonly log: Logger;
  private plazasPublished = false;
  /** The source ended by itself or the run's passage budget is spent: nothing more will be read. */
  private exhausted = false;
  private sourceFailure: Error | undefined;
  private running: Promise<void> | undefined;
  private readerAbort = new AbortController();
  private senderAbort = new AbortController();
  private inFlightSince: number | null = null;

  constructor(
    readonly id: string,
    readonly source: TollSource,
    private readonly deps: ProducerDeps,
  ) {
    this.log = deps.logger.child(id);
    this.outbox = new Outbox(deps.tuning.outboxCapacity);
    this.link = new PublisherLink(deps.createPublisher);
    this.delivery = new Delivery(
      this.link,
      (chunks) => eventBatches(chunks, deps.topics),
      {
        onAcked: (chunks) => this.acknowledged(chunks),
        onRejected: (chunks, error) => {
          const ids = chunks.flatMap((c) => c.events.map((e) => e.passage.eventId));
          this.failed += ids.length;
          this.lastError = `Kafka refused passage ${ids.join(', ')}: ${error.message}`;
          this.log.error(this.lastError);
          deps.onChange();
        },
        onRetry: (error, attempt, delayMs) => {
          this.retries++;
          this.lastError = error.message;
          this.status = { kind: 'error', message: error.message, willRetry: true, retryInMs: delayMs };
          if (attempt === 1 || attempt % 10 === 0) {
            this.log.warn(`cannot publish (attempt ${attempt}), retrying in ${delayMs} ms: ${error.message}`);
          }
          deps.onChange();
        },
      },
      deps.tuning.backoff,
    );
  }

  get isRunning(): boolean {
    return this.running !== undefined;
  }

  /** Passages read from the source but not yet acknowledged (in the outbox or in flight). */
  get pending(): number {
    return this.sent - this.acked - this.failed;
  }

  start(): void {
    if (this.running) return;
    if (this.exhausted && this.outbox.size === 0 && !this.sourceFailure) {
      this.status = { kind: 'finished' };
      this.deps.onChange();
      return;
    }
    this.sourceFailure = undefined;
    this.readerAbort = new AbortController();
    this.senderAbort = new AbortController();
    this.startedAt ??= Date.now();
    this.running = this.run().finally(() => {
      this.running = undefined;
      this.deps.onChange();
    });
  }

  /** Idempotent; resolves once the outbox is flushed (or the flush timed out and the rest is kept). */
  async stop(): Promise<void> {
    const running = this.running;
    if (!running) return;
    this.readerAbort.abort();
    const timer = setTimeout(() => this.senderAbort.abort(), this.deps.tuning.flushTimeoutMs);
    try {
      await running;
    } finally {
      clearTimeout(timer);
    }
  }

  setPace(pace: Parameters<TollSource['setPace']>[0]): void {
    this.source.setPace(pace);
    this.deps.onChange();
  }

  snapshot(now: number): ProducerSnapshot {
    const progress = this.source.progress();
    if (progress.read !== this.lastRead) {
      this.readRate.add(progress.read - this.lastRead, now);
      this.lastRead = progress.read;
    }
    const readPerSec = this.readRate.perSecond(now);
    const left = progress.total !== undefined ? Math.max(0, progress.total - progress.read) : undefined;
    const etaMs =
      left === undefined
        ? undefined
        : left === 0
          ? 0
          : readPerSec > 0
            ? Math.round((left / readPerSec) * 1000)
            : null;
    return {
      id: this.id,
      name: this.id,
      spec: this.source.spec,
      sourceKind: this.source.kind,
      finite: this.source.finite,
      status: this.displayStatus(now),
      pace: this.source.getPace(),
      sent: this.sent,
      acked: this.acked,
      failed: this.failed,
      payments: this.payments,
      retries: this.retries,
      ratePerSec: this.running ? this.ackRate.perSecond(now) : 0,
      progress,
      ...(etaMs !== undefined ? { etaMs } : {}),
      ...(this.startedAt !== undefined ? { startedAt: this.startedAt } : {}),
      ...(this.lastError !== undefined ? { lastError: this.lastError } : {}),
    };
  }

  /** A request kafkajs is still retrying internally shows as waiting, not as running. */
  private displayStatus(now: number): EngineStatus {
    const since = this.inFlightSince;
    if (this.status.kind === 'running' && since !== null && now - since > this.deps.tuning.slowAckMs) {
      const s = Math.round((now - since) / 1000);
      return { kind: 'error', message: `waiting ${s} s for Kafka to acknowledge`, willRetry: true };
    }
    return this.status;
  }

  private async run(): Promise<void> {
    this.status = { kind: 'connecting' };
    this.deps.onChange();
    try {
      // Nothing is read before the plazas are out, so a stop meanwhile has nothing to flush: the reader's signal.
      if (!(await this.publishPlazas(this.readerAbort.signal))) return;
      this.status = { kind: 'running' };
      this.deps.onChange();
      this.outbox.reopen();
      if (this.exhausted) this.outbox.close();
      await Promise.all([
        this.exhausted ? undefined : this.read(this.readerAbort.signal),
        this.send(this.senderAbort.signal),
      ]);
    } catch (e) {
      this.sourceFailed(e);
    } finally {
      this.status = this.finalStatus();
      await this.link.close();
      this.deps.onChange();
    }
  }

  private finalStatus(): EngineStatus {
    if (this.sourceFailure) {
      return {
        kind: 'error',
        message: `source failed: ${this.sourceFailure.message}`,
        willRetry: false,
        ...(this.sourceFailure.name === 'SourceSpecError' ? { usage: true } : {}),
      };
    }
    if (this.exhausted && this.outbox.size === 0) return { kind: 'finished' };
    if (this.outbox.size > 0) {
      return {
        kind: 'stopped',
        reason: `${this.outbox.size} passages not acknowledged yet; they are sent first on the next start`,
      };
    }
    return { kind: 'stopped' };
  }

  private async publishPlazas(signal: AbortSignal): Promise<boolean> {
    if (this.plazasPublished) return true;
    const plazas = await this.source.plazas();
    if (plazas.length) {
      const ok = await this.delivery.deliverBatches([plazaBatch(plazas, this.deps.topics.plazas)], signal);
      if (!ok) return false;
      this.log.info(`published ${plazas.length} plazas to ${this.deps.topics.plazas}`);
    }
    this.plazasPublished = true;
    return true;
  }

  private async read(signal: AbortSignal): Promise<void> {
    try {
      for await (const events of this.source.events(signal)) {
        const granted = this.deps.budget.take(events.length);
        if (granted > 0) {
          const chunk = granted < events.length ? events.slice(0, granted) : events;
          this.sent += chunk.length;
          this.deps.onChange();
          await this.outbox.push({ events: chunk, receivedAt: Date.now() }, signal);
        }
        if (this.deps.budget.exhausted) {
          this.exhausted = true;
          break;
        }
        if (signal.aborted) break;
      }
      if (!signal.aborted) this.exhausted = true;
    } catch (e) {
      if (!signal.aborted) this.sourceFailed(e);
    } finally {
      this.outbox.close();
    }
  }

  private async send(signal: AbortSignal): Promise<void> {
    for (;;) {
      const chunks = await this.outbox.take(this.deps.tuning.maxBatchPassages, signal);
      if (!chunks) return;
      this.inFlightSince = Date.now();
      const undelivered = await this.delivery.deliver(chunks, signal);
      this.inFlightSince = null;
      if (undelivered.length) {
        this.outbox.unshift(undelivered);
        return;
      }
    }
  }

  private sourceFailed(e: unknown): void {
    this.sourceFailure = e instanceof Error ? e : new Error(String(e));
    this.lastError = this.sourceFailure.message;
    this.log.error(`source ${this.source.spec} failed: ${this.sourceFailure.message}`);
  }

  private acknowledged(chunks: EventChunk[]): void {
    const n = countPassages(chunks);
    this.acked += n;
    this.payments += countPayments(chunks);
    this.ackRate.add(n);
    if (this.status.kind === 'error') this.status = { kind: 'running' };
    if (this.deps.onAcked) for (const c of chunks) this.deps.onAcked(this.id, c.events);
    this.deps.onChange();
  }
}
