/** Publishing: idempotent, acks=all, compressed batches. One awaited send carries many messages. */
import kafkajs from 'kafkajs';
import type { Producer } from 'kafkajs';
import type { Kafka } from './client.ts';
import { KafkaAdapterError } from './client.ts';

const { CompressionTypes } = kafkajs;

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

export type Compression = 'none' | 'gzip';

export class KafkaPublisher {
  private readonly producer: Producer;
  private connected = false;

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
    });
    this.compression = compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None;
  }

  private readonly compression: (typeof CompressionTypes)[keyof typeof CompressionTypes];

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
      throw new KafkaAdapterError(`send failed: ${(e as Error).message}`, { cause: e });
    }
  }

  async disconnect(): Promise<void> {
    if (!this.connected) return;
    this.connected = false;
    await this.producer.disconnect();
  }
}
