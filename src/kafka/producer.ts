/**
 * Publishing: idempotent, acks=all, compressed batches. One awaited send carries many messages.
 *
 * kafkajs keeps an idempotent producer's sequence numbers right only while one produce request per broker is in
 * flight (it takes a per-broker lock and rolls the sequence back on failure). Callers therefore send serially per
 * publisher and pipeline around it (the producer engine prepares the next batch while one is in flight).
 *
 * Compression is the caller's choice (gzip by default here); the producer engine passes the configured one
 * (`kafka.compression`, none by default: see src/config/config.ts).
 */
import kafkajs from 'kafkajs';
import type { Producer } from 'kafkajs';
import type { Compression } from '../config/config.ts';
import type { Kafka } from './client.ts';
import { KafkaAdapterError } from './client.ts';

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
}

/** What the producer engine needs from a publisher; KafkaPublisher is the real one, tests use fakes. */
export interface Publisher {
  connect(): Promise<void>;
  send(batches: TopicBatch[]): Promise<SentRecord[]>;
  disconnect(): Promise<void>;
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

export class KafkaPublisher implements Publisher {
  private readonly producer: Producer;
  private connected = false;
  private readonly compression: (typeof CompressionTypes)[keyof typeof CompressionTypes];

  constructor(
    kafka: Kafka,
    {
      idempotent = true,
      compression = 'gzip' as Compression,
    }: { idempotent?: boolean; compression?: Compression } = {},
  ) {
    this.producer = kafka.producer({
      idempotent,
      // Idempotence keeps per-partition order only with a single request in flight on kafkajs.
      maxInFlightRequests: idempotent ? 1 : 5,
      allowAutoTopicCreation: false,
      // murmur2 on the key, as the Java client: a plaza lands on the same partition whoever produces it.
      createPartitioner: Partitioners.DefaultPartitioner,
    });
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

  /** Sends all batches with acks=all; resolves once every message is acknowledged. */
  async send(batches: TopicBatch[]): Promise<SentRecord[]> {
    const nonEmpty = batches.filter((b) => b.messages.length > 0);
    if (!nonEmpty.length) return [];
    try {
      const res = await this.producer.sendBatch({
        acks: -1,
        compression: this.compression,
        topicMessages: nonEmpty,
      });
      return res.map((r) => ({
        topic: r.topicName,
        partition: r.partition,
        baseOffset: r.baseOffset ?? '-1',
      }));
    } catch (e) {
      throw new PublishError(`send failed: ${(e as Error).message}`, e);
    }
  }

  async disconnect(): Promise<void> {
    if (!this.connected) return;
    this.connected = false;
    await this.producer.disconnect();
  }
}
