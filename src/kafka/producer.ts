/**
 * Publishing: idempotent, acks=all, compressed batches. One awaited send carries many messages, and a send
 * resolves only once Kafka has acknowledged every partition its messages went to (see verifyAcks).
 *
 * kafkajs keeps an idempotent producer's sequence numbers right only while one produce request per broker is in
 * flight (it takes a per-broker lock and rolls the sequence back on failure). Callers therefore send serially per
 * publisher and pipeline around it (the producer engine prepares the next batch while one is in flight).
 *
 * Compression is the caller's choice (gzip by default here); the producer engine passes the configured one
 * (`kafka.compression`, none by default: see src/config/config.ts).
 */
import { createRequire } from 'node:module';
import kafkajs from 'kafkajs';
import type { Producer, RecordMetadata } from 'kafkajs';
import type { Compression } from '../config/config.ts';
import type { Logger } from '../util/log.ts';
import { createLogger } from '../util/log.ts';
import type { Kafka } from './client.ts';
import { KafkaAdapterError } from './client.ts';
import type { AckCounters, PartitionAssignments } from './ack-check.ts';
import { AckLedger, AckTally, verifyAcks } from './ack-check.ts';

const { CompressionTypes, Partitioners } = kafkajs;

export interface OutgoingMessage {
  key: string | Buffer | null;
  value: string | Buffer | null;
  headers?: Record<string, string | Buffer>;
  /** Epoch ms as a string; the broker's timestamp when omitted. */
  timestamp?: string;
  partition?: number;
}

export interface TopicBatch {
  topic: string;
  messages: OutgoingMessage[];
}

export interface SentRecord {
  topic: string;
  partition: number;
  baseOffset: string;
  /** Messages of this send acknowledged in the partition from baseOffset on. */
  count: number;
}

/** What the producer engine needs from a publisher; KafkaPublisher is the real one, tests use fakes. */
export interface Publisher {
  connect(): Promise<void>;
  send(batches: TopicBatch[]): Promise<SentRecord[]>;
  disconnect(): Promise<void>;
  /** What the acknowledgement checks found so far (absent on fakes). */
  readonly ackCounters?: AckCounters;
}

/**
 * kafkajs 2.2.4 as published loses acknowledged messages on a leader failover (a retry skips brokers that
 * answered the first attempt, although the dead leader's partitions moved to them). `npm ci` applies
 * patches/kafkajs+2.2.4.patch; producing without it would silently break the exactly-once promise.
 */
export function assertKafkajsPatched(): void {
  const require = createRequire(import.meta.url);
  const sendMessages = require('kafkajs/src/producer/sendMessages.js') as { TOLLSTREAM_PATCH?: string };
  if (!sendMessages.TOLLSTREAM_PATCH)
    throw new KafkaAdapterError(
      'kafkajs is installed without its failover patch (patches/kafkajs+2.2.4.patch): run `npm ci` (or `npx patch-package`) in the tollstream folder',
      { retriable: false },
    );
}

/** The broker refuses these records for good (too large, invalid); retrying the same bytes cannot help. */
const RECORD_REJECTIONS = new Set([
  'MESSAGE_TOO_LARGE',
  'RECORD_LIST_TOO_LARGE',
  'INVALID_RECORD',
  'INVALID_TIMESTAMP',
]);

/**
 * A failed send. `rejected`: the records themselves were refused (split the batch to find the bad one).
 * `staleProducer`: the idempotent producer's state no longer matches the broker's (sequence or epoch errors);
 * reconnecting gets a new producer id before retrying.
 */
export class PublishError extends KafkaAdapterError {
  readonly rejected: boolean;
  readonly staleProducer: boolean;
  constructor(message: string, cause: unknown) {
    super(message, { cause });
    this.name = 'PublishError';
    const type = errorType(cause);
    this.rejected = type !== undefined && RECORD_REJECTIONS.has(type);
    this.staleProducer =
      type !== undefined &&
      /OUT_OF_ORDER_SEQUENCE_NUMBER|DUPLICATE_SEQUENCE_NUMBER|INVALID_PRODUCER_EPOCH|UNKNOWN_PRODUCER_ID|PRODUCER_FENCED/.test(
        type,
      );
  }
}

function errorType(e: unknown): string | undefined {
  for (let cur = e, depth = 0; cur && typeof cur === 'object' && depth < 4; depth++) {
    const { type, originalError, cause } = cur as {
      type?: unknown;
      originalError?: unknown;
      cause?: unknown;
    };
    if (typeof type === 'string') return type;
    cur = originalError ?? cause;
  }
  return undefined;
}

/** Keys whose partition is remembered (plaza ids: a network has hundreds to thousands). */
const KEY_CACHE_LIMIT = 100_000;

// A send whose acknowledgement still misses partitions after this many resends fails (and is retried whole).
const VERIFY_ROUNDS = 5;

export class KafkaPublisher implements Publisher {
  private producer: Producer;
  private readonly newProducer: () => Producer;
  /** A send failed: whether Kafka wrote it is unknown, so the next send needs a new producer id (see send). */
  private renew = false;
  private connected = false;
  private readonly compression: (typeof CompressionTypes)[keyof typeof CompressionTypes];
  /** The partition kafkajs' partitioner chose for each message object of the sends in flight. */
  private readonly assigned: PartitionAssignments = new WeakMap();
  private readonly ledger: AckLedger;
  private readonly log: Logger;

  constructor(
    kafka: Kafka,
    {
      idempotent = true,
      compression = 'gzip' as Compression,
      logger = createLogger('kafka:producer'),
      tally = new AckTally(),
    }: { idempotent?: boolean; compression?: Compression; logger?: Logger; tally?: AckTally } = {},
  ) {
    assertKafkajsPatched();
    this.log = logger;
    this.ledger = new AckLedger(tally);
    const assigned = this.assigned;
    this.newProducer = () =>
      kafka.producer({
        idempotent,
        // Idempotence keeps per-partition order only with a single request in flight on kafkajs.
        maxInFlightRequests: idempotent ? 1 : 5,
        allowAutoTopicCreation: false,
        // murmur2 on the key, as the Java client: a plaza lands on the same partition whoever produces it. The
        // choice is recorded so the acknowledgement can be checked partition by partition.
        // A keyed message's partition depends only on its key and the partition count, so it is computed once per
        // plaza (kafkajs filters the partition list for every message otherwise).
        createPartitioner: () => {
          const partition = Partitioners.DefaultPartitioner();
          const byKey = new Map<string, number>();
          return (args) => {
            const { message, partitionMetadata } = args;
            let chosen: number;
            if (message.partition == null && typeof message.key === 'string') {
              const k = `${partitionMetadata.length}:${message.key}`;
              const known = byKey.get(k);
              if (known === undefined) {
                chosen = partition(args);
                if (byKey.size >= KEY_CACHE_LIMIT) byKey.clear();
                byKey.set(k, chosen);
              } else chosen = known;
            } else chosen = partition(args);
            assigned.set(message, chosen);
            return chosen;
          };
        },
      });
    this.producer = this.newProducer();
    this.compression = compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None;
  }

  async connect(): Promise<void> {
    if (this.connected) return;
    try {
      await this.producer.connect();
    } catch (e) {
      throw new KafkaAdapterError(`producer cannot connect: ${(e as Error).message}`, { cause: e });
    }
    this.connected = true;
  }

  get ackCounters(): AckCounters {
    return this.ledger.counters;
  }

  /**
   * Sends all batches with acks=all; resolves once every message is acknowledged. kafkajs' answer is not taken
   * on trust: every partition the messages went to must be acknowledged with an offset range that no other
   * acknowledgement of this publisher claims. Messages of a partition that fails the check are sent again to
   * the same partition; a duplicate that causes in Kafka is absorbed by the sink's event ids.
   */
  async send(batches: TopicBatch[]): Promise<SentRecord[]> {
    let pending = batches.filter((b) => b.messages.length > 0);
    const sent: SentRecord[] = [];
    if (this.renew) await this.renewProducer();
    for (let round = 0; pending.length; round++) {
      let acks: RecordMetadata[];
      try {
        acks = await this.producer.sendBatch({
          acks: -1,
          compression: this.compression,
          topicMessages: pending,
        });
      } catch (e) {
        this.renew = true;
        throw new PublishError(`send failed: ${(e as Error).message}`, e);
      }
      const check = verifyAcks(pending, acks, this.assigned, this.ledger);
      sent.push(...check.confirmed);
      if (!check.resend.length) break;
      this.log.warn('Kafka acknowledged a send incompletely; resending the unconfirmed partitions', {
        problems: check.problems.slice(0, 5),
        messages: check.resend.reduce((n, b) => n + b.messages.length, 0),
        round: round + 1,
      });
      if (round + 1 >= VERIFY_ROUNDS)
        throw new PublishError(
          `Kafka did not acknowledge ${check.problems.join('; ')} after ${VERIFY_ROUNDS} sends`,
          Object.assign(new Error('incomplete acknowledgement'), { retriable: true }),
        );
      pending = check.resend;
    }
    return sent;
  }

  /**
   * A failed send may have been written all the same (a leader that appended and died before answering, a
   * request that timed out in a broker's socket). kafkajs rolls its sequence numbers back on failure, so the
   * next send's batches would carry the written batch's sequence numbers: the broker takes them for its retry,
   * answers with the written batch's offsets and drops them, an acknowledged loss. A new idempotent producer
   * (a new producer id, sequences from 0) cannot collide; a resend of the same messages may then be written
   * twice, which the sink's event ids absorb.
   */
  private async renewProducer(): Promise<void> {
    const old = this.producer;
    this.producer = this.newProducer();
    this.log.debug('new idempotent producer id after a failed send');
    if (this.connected) await old.disconnect().catch(() => {});
    this.connected = false;
    try {
      await this.producer.connect();
    } catch (e) {
      throw new PublishError(`producer cannot reconnect: ${(e as Error).message}`, e);
    }
    this.connected = true;
    this.renew = false;
  }

  async disconnect(): Promise<void> {
    if (!this.connected) return;
    this.connected = false;
    await this.producer.disconnect();
  }
}
