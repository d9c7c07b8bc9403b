/**
 * Group consumption in batches. Our own types cross this boundary, not kafkajs's, so the sink and the lag
 * monitor stay independent of the client library.
 */
import type { Consumer, EachBatchPayload } from 'kafkajs';
import type { Kafka } from './client.ts';
import { KafkaAdapterError } from './client.ts';

export interface ConsumedMessage {
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  /** Epoch ms as a string (producer or broker time). */
  timestamp: string;
  headers: Record<string, Buffer | string | undefined>;
}

export interface ConsumedBatch {
  topic: string;
  partition: number;
  highWatermark: string;
  messages: ConsumedMessage[];
}

export interface BatchControl {
  /** Marks an offset as processed so Kafka's committed offset follows the sink's. */
  resolveOffset(offset: string): void;
  heartbeat(): Promise<void>;
  /** False once the consumer is stopping or rebalancing; stop work on the batch then. */
  isRunning(): boolean;
  isStale(): boolean;
  commitOffsetsIfNecessary(): Promise<void>;
}

export interface Assignment {
  [topic: string]: number[];
}

export interface GroupConsumerOptions {
  groupId: string;
  topics: string[];
  fromBeginning?: boolean;
  /** Called on every join with this member's partitions (before batches of the new generation are handled). */
  onAssigned?: (assignment: Assignment) => void | Promise<void>;
  onCrash?: (error: Error, willRestart: boolean) => void;
  eachBatch: (batch: ConsumedBatch, control: BatchControl) => Promise<void>;
  sessionTimeoutMs?: number;
  maxBytesPerPartition?: number;
}

export class GroupConsumer {
  private readonly consumer: Consumer;

  constructor(
    kafka: Kafka,
    private readonly options: GroupConsumerOptions,
  ) {
    this.consumer = kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: options.sessionTimeoutMs ?? 10_000,
      heartbeatInterval: 1000,
      rebalanceTimeout: 20_000,
      maxBytesPerPartition: options.maxBytesPerPartition ?? 2 * 1024 * 1024,
      maxWaitTimeInMs: 100,
      allowAutoTopicCreation: false,
    });
    const { GROUP_JOIN, CRASH } = this.consumer.events;
    this.consumer.on(GROUP_JOIN, (e) => {
      void options.onAssigned?.(e.payload.memberAssignment as Assignment);
    });
    this.consumer.on(CRASH, (e) => {
      options.onCrash?.(e.payload.error, e.payload.restart);
    });
  }

  async start(): Promise<void> {
    try {
      await this.consumer.connect();
      await this.consumer.subscribe({
        topics: this.options.topics,
        fromBeginning: this.options.fromBeginning ?? true,
      });
    } catch (e) {
      throw new KafkaAdapterError(`consumer cannot start: ${(e as Error).message}`, { cause: e });
    }
    await this.consumer.run({
      autoCommit: true,
      autoCommitInterval: 1000,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: async (payload: EachBatchPayload) => {
        const { batch } = payload;
        await this.options.eachBatch(
          {
            topic: batch.topic,
            partition: batch.partition,
            highWatermark: batch.highWatermark,
            messages: batch.messages.map((m) => ({
              offset: m.offset,
              key: m.key,
              value: m.value,
              timestamp: m.timestamp,
              headers: (m.headers ?? {}) as Record<string, Buffer | string | undefined>,
            })),
          },
          {
            resolveOffset: payload.resolveOffset,
            heartbeat: payload.heartbeat,
            isRunning: payload.isRunning,
            isStale: payload.isStale,
            commitOffsetsIfNecessary: () => payload.commitOffsetsIfNecessary(),
          },
        );
      },
    });
  }

  /** Moves the next fetch of a partition to `offset` (used to resume from the sink's own offsets). */
  seek(topic: string, partition: number, offset: string): void {
    this.consumer.seek({ topic, partition, offset });
  }

  pause(topic: string, partitions?: number[]): void {
    this.consumer.pause([partitions ? { topic, partitions } : { topic }]);
  }

  resume(topic: string, partitions?: number[]): void {
    this.consumer.resume([partitions ? { topic, partitions } : { topic }]);
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }
}
