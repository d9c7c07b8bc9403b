/**
 * The sink's lifecycle: connect to MySQL and Kafka (retrying with backoff until both answer), join the group,
 * resume every assigned partition from sink_offsets, and shut down cleanly. Batches are handled by BatchHandler.
 */
import type { Config } from '../../config/config.ts';
import type { TopicRole } from '../../domain/types.ts';
import { createKafka } from '../../kafka/client.ts';
import type { Kafka } from '../../kafka/client.ts';
import type { Assignment } from '../../kafka/consumer.ts';
import { GroupConsumer } from '../../kafka/consumer.ts';
import { KafkaPublisher } from '../../kafka/producer.ts';
import { isPermanentStorageError, Storage } from '../../storage/db.ts';
import { applySchema, databaseSchemaVersion, schemaFileVersion } from '../../storage/schema.ts';
import { backoffDelay, sleep } from '../../util/backoff.ts';
import { settleWithin } from '../../util/timeout.ts';
import type { Logger } from '../../util/log.ts';
import { createLogger } from '../../util/log.ts';
import { ThrottledStore } from '../../util/store.ts';
import type { Engine } from '../types.ts';
import { BatchHandler } from './batch-handler.ts';
import type { SinkTopicRole } from './classify.ts';
import type { SinkEngineSnapshot } from './metrics.ts';
import { SinkMetrics } from './metrics.ts';
import { kafkaTopicFacts } from './incarnation.ts';
import type { StoredOffset } from './offset-guard.ts';
import { loadOffsets } from './offsets.ts';
import type { PersistedCount, PersistedQuery } from './reconcile.ts';
import { countPersisted } from './reconcile.ts';

export interface SinkOptions {
  /** Defaults to config.groupId (`tollstream-sink`). */
  groupId?: string;
  /** Topic names by role over the configured ones; tests pass fresh ones. */
  topics?: Partial<Record<TopicRole, string>>;
  logger?: Logger;
  /** Largest chunk written in one transaction (a Kafka batch is split into chunks). */
  batchMaxRows?: number;
  /** Passages kept for the live-vehicles pane. */
  recentCapacity?: number;
  bucketMs?: number;
  buckets?: number;
  /** Partitions handled at the same time, each with its own MySQL connection. */
  concurrency?: number;
  /** Group session timeout; a crashed member's partitions move after this long. */
  sessionTimeoutMs?: number;
}

export interface SinkEngine extends Engine<SinkEngineSnapshot> {
  /**
   * Reconciliation: how many of the given passages MySQL holds (see reconcile.ts). Uses the sink's pool while it
   * runs, a short-lived one otherwise.
   */
  countPersisted(query: PersistedQuery): Promise<PersistedCount>;
}

const STOP_TIMEOUT_MS = 20_000;
// One transaction per partition batch at a time: with six in flight a fetch's small batches commit together
// (MySQL group commit) instead of queueing, which keeps latency low at modest rates.
const DEFAULT_CONCURRENCY = 6;
// kafkajs heartbeats every second while a member is healthy, busy or idle.
const KAFKA_SILENCE_MS = 5000;
// Bytes per fetch as stored (the producers' compression: none by default). Measured draining a backlog of 300,000
// uncompressed passages alone: 256 KiB per partition / 2 MiB per fetch 30-33k passages/s, 512 KiB / 4 MiB 30-34k,
// 1 MiB / 8 MiB 33-41k but ~50 MB more peak RSS at full speed (269 against 220 MB): the middle keeps the memory
// target. A gzip-compressed topic decodes to several times these bytes.
const FETCH_BYTES_PER_PARTITION = 512 * 1024;
const FETCH_BYTES = 4 * 1024 * 1024;

export class Sink implements SinkEngine {
  readonly store: ThrottledStore<SinkEngineSnapshot>;
  private readonly metrics: SinkMetrics;
  private readonly log: Logger;
  private readonly groupId: string;
  private readonly topics: Record<TopicRole, string>;
  private readonly roles: Map<string, SinkTopicRole>;
  private readonly abort = new AbortController();
  private readonly concurrency: number;
  private kafka: Kafka | undefined;
  private storage: Storage | undefined;
  private publisher: KafkaPublisher | undefined;
  private facts: ReturnType<typeof kafkaTopicFacts> | undefined;
  private consumer: GroupConsumer | undefined;
  private handler: BatchHandler | undefined;
  private ticker: NodeJS.Timeout | undefined;
  private generation = 0;
  private starting: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  private restarting = false;
  private lastHeartbeatAt = 0;
  /** Set while the status shows that the group coordinator has not been heard from. */
  private kafkaSilent = false;

  constructor(
    private readonly config: Config,
    private readonly options: SinkOptions = {},
  ) {
    this.log = options.logger ?? createLogger('sink');
    this.groupId = options.groupId ?? config.groupId;
    this.topics = { ...config.topics, ...options.topics };
    this.roles = new Map<string, SinkTopicRole>([
      [this.topics.passages, 'passages'],
      [this.topics.payments, 'payments'],
      [this.topics.plazas, 'plazas'],
      [this.topics.legacy, 'legacy'],
    ]);
    this.concurrency = Math.max(1, options.concurrency ?? DEFAULT_CONCURRENCY);
    this.metrics = new SinkMetrics(this.groupId, {
      recentCapacity: options.recentCapacity ?? 200,
      bucketMs: options.bucketMs ?? 5000,
      buckets: options.buckets ?? 60,
    });
    this.store = new ThrottledStore(() => this.metrics.snapshot(), 150);
  }

  /**
   * Resolves once the sink has joined its group. While MySQL or Kafka is unreachable it keeps retrying (status
   * `error`, willRetry) and resolves when they answer, or when stop() is called.
   */
  start(): Promise<void> {
    this.starting ??= this.run();
    return this.starting;
  }

  private async run(): Promise<void> {
    if (this.abort.signal.aborted) return;
    this.setStatus({ kind: 'connecting' });
    this.ticker = setInterval(() => {
      this.metrics.sample(Date.now());
      this.watchKafka(Date.now());
      this.store.touch();
    }, 1000);
    this.ticker.unref();
    this.metrics.sample(Date.now());
    await this.untilDone('MySQL', () => this.openStorage());
    if (this.abort.signal.aborted) return;
    this.kafka = createKafka(this.config.kafka, { logger: this.log.child('kafka'), clientIdSuffix: '-sink' });
    const publisher = new KafkaPublisher(this.kafka);
    this.publisher = publisher;
    this.facts = kafkaTopicFacts(this.kafka);
    await this.untilDone('Kafka', () => publisher.connect());
    if (this.abort.signal.aborted || !this.storage) return;
    this.handler = new BatchHandler({
      groupId: this.groupId,
      roles: this.roles,
      dlqTopic: this.topics.dlq,
      tz: this.config.tz,
      batchMaxRows: Math.max(1, this.options.batchMaxRows ?? 5000),
      storage: this.storage,
      publisher,
      facts: this.facts,
      metrics: this.metrics,
      touch: () => this.store.touch(),
      seek: (topic, partition, offset) => this.consumer?.seek(topic, partition, offset),
      log: this.log,
      signal: this.abort.signal,
    });
    await this.startConsumer();
  }

  /** Retries `step` with backoff until it succeeds or the sink stops; the status shows why it waits. */
  private async untilDone(what: string, step: () => Promise<void>): Promise<void> {
    for (let attempt = 0; !this.abort.signal.aborted; attempt++) {
      try {
        await step();
        return;
      } catch (e) {
        const retryInMs = backoffDelay(attempt, { initialMs: 500, maxMs: 10_000 });
        // A refusal (privileges, a missing table) will not pass by waiting: shown as an error to fix, still retried.
        const permanent = isPermanentStorageError(e);
        const message = `${what} ${permanent ? 'refuses the sink' : 'unavailable'}: ${(e as Error).message}`;
        this.log.warn(`${message}; retrying in ${retryInMs} ms`);
        this.setStatus({
          kind: 'error',
          message,
          willRetry: true,
          retryInMs,
          ...(permanent ? { permanent } : {}),
        });
        await sleep(retryInMs, this.abort.signal);
      }
    }
  }

  private async openStorage(): Promise<void> {
    const mysql = this.config.mysql;
    const storage =
      this.storage ??
      (await Storage.open({
        url: mysql.url,
        ssl: mysql.ssl,
        ...(mysql.sslCaFile ? { sslCaFile: mysql.sslCaFile } : {}),
        connectionLimit: this.concurrency + 2,
        createDatabase: true,
        onLoadDataRefused: (message) =>
          this.log.warn(
            `MySQL refuses LOAD DATA LOCAL INFILE (${message}); the sink writes with multi-row INSERTs, which cost MySQL ~30 % more CPU per row (enable local_infile on the server to load faster)`,
          ),
      }));
    this.storage = storage;
    // A brand-new database gets the schema, so `tollstream` works before `stack up` ever ran against it; an older
    // one is upgraded (the sink needs sink_offsets.topic_id).
    const version = await databaseSchemaVersion(storage);
    if ((version === null || version < schemaFileVersion()) && storage.database) {
      await applySchema(storage, storage.database);
    }
    await storage.query('SELECT 1 FROM sink_offsets LIMIT 1');
  }

  private async startConsumer(): Promise<void> {
    const kafka = this.kafka;
    const handler = this.handler;
    if (!kafka || !handler) return;
    await this.untilDone('Kafka', async () => {
      const consumer: GroupConsumer = new GroupConsumer(kafka, {
        groupId: this.groupId,
        topics: [...this.roles.keys()],
        fromBeginning: true,
        partitionsConsumedConcurrently: this.concurrency,
        maxBytesPerPartition: FETCH_BYTES_PER_PARTITION,
        maxBytes: FETCH_BYTES,
        sessionTimeoutMs: this.options.sessionTimeoutMs ?? 10_000,
        onAssigned: (a): Promise<void> => this.assigned(consumer, a),
        onCrash: (e, willRestart) => this.crashed(consumer, e, willRestart),
        onHeartbeat: () => this.heartbeat(),
        eachBatch: handler.handle,
      });
      this.consumer = consumer;
      try {
        await consumer.start();
      } catch (e) {
        await consumer.stop().catch(() => {});
        throw e;
      }
    });
  }

  private async assigned(consumer: GroupConsumer, assignment: Assignment): Promise<void> {
    if (consumer !== this.consumer || this.abort.signal.aborted) return;
    const generation = ++this.generation;
    const ours: Record<string, number[]> = {};
    for (const [topic, partitions] of Object.entries(assignment)) {
      if (this.roles.has(topic)) ours[topic] = [...partitions].sort((a, b) => a - b);
    }
    this.metrics.assignment = ours;
    this.lastHeartbeatAt = Date.now();
    this.kafkaSilent = false;
    this.setStatus({ kind: 'running' });
    this.log.info('partitions assigned', { assignment: ours });
    let stored: Map<string, StoredOffset> | undefined;
    try {
      if (this.storage) stored = await loadOffsets(this.storage, this.groupId, Object.keys(ours));
    } catch (e) {
      // Not fatal: every batch checks its position against sink_offsets under a row lock anyway.
      this.log.warn('cannot read sink offsets on assignment; batches will verify', {
        error: (e as Error).message,
      });
    }
    if (generation !== this.generation || consumer !== this.consumer) return;
    const resumes = (await this.handler?.assigned(ours, stored)) ?? [];
    if (generation !== this.generation || consumer !== this.consumer) return;
    for (const resume of resumes) {
      consumer.seek(resume.topic, resume.partition, resume.offset.toString());
    }
  }

  private crashed(consumer: GroupConsumer, error: Error, willRestart: boolean): void {
    if (consumer !== this.consumer || this.abort.signal.aborted) return;
    this.metrics.assignment = {};
    this.setStatus({ kind: 'error', message: `Kafka consumer crashed: ${error.message}`, willRetry: true });
    this.log.warn('Kafka consumer crashed', { error: error.message, willRestart });
    if (willRestart || this.restarting) return;
    // kafkajs gives up on errors it deems permanent; a sink must not, so it starts a fresh consumer.
    this.restarting = true;
    void (async () => {
      await consumer.stop().catch(() => {});
      await sleep(backoffDelay(0, { initialMs: 1000 }), this.abort.signal);
      if (!this.abort.signal.aborted) await this.startConsumer();
    })().finally(() => {
      this.restarting = false;
    });
  }

  private heartbeat(): void {
    this.lastHeartbeatAt = Date.now();
    if (!this.kafkaSilent) return;
    this.kafkaSilent = false;
    if (this.metrics.status.kind === 'error') this.setStatus({ kind: 'running' });
    this.log.info('Kafka group coordinator reachable again');
  }

  /**
   * kafkajs retries a lost broker on its own for a while before it reports a crash; meanwhile the only sign is
   * silence. A member that has not heartbeated for a few seconds shows that, instead of claiming to run.
   */
  private watchKafka(now: number): void {
    const silentMs = now - this.lastHeartbeatAt;
    if (this.kafkaSilent || this.metrics.status.kind !== 'running' || this.lastHeartbeatAt === 0) return;
    if (silentMs < KAFKA_SILENCE_MS) return;
    this.kafkaSilent = true;
    const message = `no answer from the Kafka group coordinator for ${Math.round(silentMs / 1000)} s`;
    this.log.warn(message);
    this.setStatus({ kind: 'error', message, willRetry: true });
  }

  private setStatus(status: SinkEngineSnapshot['status']): void {
    this.metrics.status = status;
    this.store.touch();
  }

  /** Idempotent: ends retries, finishes the chunk in hand (committing it), leaves the group, closes the pool. */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    this.abort.abort();
    if (this.ticker) clearInterval(this.ticker);
    // A start still connecting (a broker that does not answer) gives up at the next retry; do not wait forever.
    await settleWithin(this.starting, STOP_TIMEOUT_MS, 'the sink start');
    await settleWithin(this.consumer?.stop(), STOP_TIMEOUT_MS, 'leaving the group', () =>
      this.log.warn('leaving the group timed out; the group coordinator will expire this member'),
    );
    await settleWithin(this.publisher?.disconnect(), STOP_TIMEOUT_MS, 'the dead-letter producer');
    await settleWithin(this.facts?.close(), STOP_TIMEOUT_MS, 'the topic-id reader');
    await this.storage?.close();
    this.metrics.assignment = {};
    this.setStatus({ kind: 'stopped' });
    this.store.dispose();
  }

  async countPersisted(query: PersistedQuery): Promise<PersistedCount> {
    if (this.storage && !this.stopping) return countPersisted(this.storage, query);
    const { url, ssl, sslCaFile } = this.config.mysql;
    const storage = await Storage.open({ url, ssl, ...(sslCaFile ? { sslCaFile } : {}), connectionLimit: 1 });
    try {
      return await countPersisted(storage, query);
    } finally {
      await storage.close();
    }
  }
}
