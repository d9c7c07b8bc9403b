/**
 * Publishing on a worker thread. kafkajs' record encoding (record objects, varints, CRC, buffer copies) is most of
 * what a producer costs, and on the main thread it competes with the sink and the monitor. A PublisherThread runs
 * the real KafkaPublishers (producer.ts) on one worker thread (publisher-worker.ts); the producers of the main
 * thread get ThreadPublishers, which hand each batch over and resolve with the worker's answer.
 *
 * Nothing of the publishing contract changes: one send in flight per publisher, each publisher its own idempotent
 * producer id, acknowledgements checked per partition in the worker and recorded in the engine's AckTally here,
 * failed sends rejected with the same `rejected` / `staleProducer` flags. Should the worker die, the sends in
 * flight fail as retriable and the next send starts a new worker (new producer ids, as after a reconnect).
 */
import { Worker } from 'node:worker_threads';
import type { AckCounters, AckTally } from './ack-check.ts';
import type { KafkaSettings } from './client.ts';
import { KafkaAdapterError } from './client.ts';
import type { Publisher, SentRecord, TopicBatch } from './producer.ts';
import { emitLogEntry, logLevel } from '../util/log.ts';
import type { LogEntry, LogLevel } from '../util/log.ts';

export interface ThreadSettings {
  kafka: KafkaSettings;
  logLevel: LogLevel;
  /** Log namespace of the worker's publishers. */
  namespace: string;
}

export type ThreadRequest =
  | { op: 'connect'; id: number; pub: number }
  | { op: 'send'; id: number; pub: number; batches: TopicBatch[] }
  | { op: 'disconnect'; id: number; pub: number };

export interface WireError {
  name: string;
  message: string;
  rejected: boolean;
  staleProducer: boolean;
  retriable: boolean;
}

/** A reply's `counters` are what the worker's checks counted since its previous reply. */
export type ThreadReply =
  | { op: 'reply'; id: number; ok: true; sent: SentRecord[]; counters: AckCounters }
  | { op: 'reply'; id: number; ok: false; error: WireError; counters: AckCounters }
  | { op: 'log'; entry: LogEntry };

/** A failed send as the worker reported it, with the flags Delivery reads. */
class ThreadPublishError extends KafkaAdapterError {
  readonly rejected: boolean;
  readonly staleProducer: boolean;
  constructor(e: WireError) {
    super(e.message, { retriable: e.retriable });
    this.name = e.name;
    this.rejected = e.rejected;
    this.staleProducer = e.staleProducer;
  }
}

/**
 * The worker's young generation (V8's default lets it grow to 48 MB, which the producer's short-lived batches fill
 * before each scavenge): 12 MB measured the same throughput with ~45 MB less peak RSS.
 */
const YOUNG_GENERATION_MB = 12;

/**
 * The worker module next to this one: JavaScript from dist/; from the sources, a bootstrap that registers the
 * loaders the sources run under (bin/register.js: tsx) in the worker before importing the TypeScript module.
 */
function createWorker(workerData: ThreadSettings): Worker {
  const options = { workerData, resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } };
  if (!import.meta.url.endsWith('.ts'))
    return new Worker(new URL('./publisher-worker.js', import.meta.url), options);
  const register = new URL('../../bin/register.js', import.meta.url).href;
  const entry = new URL('./publisher-worker.ts', import.meta.url).href;
  const bootstrap = `import(${JSON.stringify(register)}).then(() => import(${JSON.stringify(entry)}))`;
  return new Worker(bootstrap, { ...options, eval: true });
}

export const COUNTER_KEYS = [
  'sends',
  'partitionAcks',
  'resent',
  'overlaps',
] as const satisfies readonly (keyof AckCounters)[];

interface Pending {
  resolve(sent: SentRecord[]): void;
  reject(e: Error): void;
}

export class PublisherThread {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private nextPub = 1;

  constructor(
    private readonly settings: Omit<ThreadSettings, 'logLevel'>,
    private readonly tally: AckTally,
  ) {}

  /** A publisher of its own (its own idempotent producer id in the worker). */
  publisher(): Publisher {
    const pub = this.nextPub++;
    const counters = this.tally.counters;
    return {
      connect: async () => {
        await this.request({ op: 'connect', id: 0, pub });
      },
      send: (batches) => this.request({ op: 'send', id: 0, pub, batches }),
      disconnect: async () => {
        if (!this.worker) return;
        await this.request({ op: 'disconnect', id: 0, pub }).catch(() => []);
      },
      ackCounters: counters,
    };
  }

  /** Stops the worker; sends still in flight fail. */
  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    if (w) await w.terminate();
    this.failAll('the producer thread was stopped');
  }

  private request(req: ThreadRequest): Promise<SentRecord[]> {
    const worker = this.start();
    const id = this.nextId++;
    return new Promise<SentRecord[]>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // A request in flight keeps the process alive, as a socket of the main thread would.
      if (this.pending.size === 1) worker.ref();
      worker.postMessage({ ...req, id });
    });
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = createWorker({ ...this.settings, logLevel: logLevel() });
    worker.unref();
    worker.on('message', (msg: ThreadReply) => this.onMessage(worker, msg));
    worker.on('error', (e) => this.onExit(worker, `the producer thread failed: ${e.message}`));
    worker.on('exit', (code) => this.onExit(worker, `the producer thread exited (code ${code})`));
    this.worker = worker;
    return worker;
  }

  private onMessage(worker: Worker, msg: ThreadReply): void {
    if (msg.op === 'log') return emitLogEntry(msg.entry);
    // Added up, so the totals go on across workers (a new one counts from zero).
    for (const k of COUNTER_KEYS) this.tally.counters[k] += msg.counters[k];
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    if (this.pending.size === 0) worker.unref();
    if (!msg.ok) return p.reject(new ThreadPublishError(msg.error));
    for (const s of msg.sent) this.tally.record(s.topic, s.partition, BigInt(s.baseOffset) + BigInt(s.count));
    p.resolve(msg.sent);
  }

  private onExit(worker: Worker, reason: string): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    this.failAll(reason);
  }

  private failAll(reason: string): void {
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) p.reject(new KafkaAdapterError(reason, { retriable: true }));
  }
}
