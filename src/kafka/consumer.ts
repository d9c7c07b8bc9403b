/**
 * Group consumption in batches. Our own types cross this boundary, not kafkajs's, so the sink and the lag
 * monitor stay independent of the client library.
 */
import type { Consumer, EachBatchPayload, KafkaMessage } from 'kafkajs';
import type { Kafka } from './client.ts';
import { KafkaAdapterError } from './client.ts';

/** A header value as decoded; a header name repeated in one record arrives as an array. */
export type HeaderValue = Buffer | string | (Buffer | string)[] | undefined;

export interface ConsumedMessage {
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  /** Epoch ms as a string (producer or broker time). */
  timestamp: string;
  headers: Record<string, HeaderValue>;
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
  /** Throws when the group is rebalancing or the coordinator is gone: stop work on the batch then. */
  heartbeat(): Promise<void>;
  /** False once the consumer is stopping or rebalancing; stop work on the batch then. */
  isRunning(): boolean;
  /** True when a seek for this partition is pending: the batch in hand is from before it. */
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
  /** kafkajs restarts by itself when `willRestart`; otherwise the owner must create a new consumer. */
  onCrash?: (error: Error, willRestart: boolean) => void;
  /** Every heartbeat the group coordinator accepted: proof that the member is alive in its group. */
  onHeartbeat?: () => void;
  eachBatch: (batch: ConsumedBatch, control: BatchControl) => Promise<void>;
  sessionTimeoutMs?: number;
  maxBytesPerPartition?: number;
  /** Upper bound of one fetch response over all partitions. */
  maxBytes?: number;
  maxWaitTimeInMs?: number;
  /** Batches of different partitions handled at the same time (each partition stays in order). */
  partitionsConsumedConcurrently?: number;
  /** Kafka commit cadence of resolved offsets (advisory for a sink that keeps its own offsets). */
  autoCommitIntervalMs?: number;
}

/**
 * kafkajs's messages already have our shape (plus a few fields); handing them over as they are saves a copy of
 * every message of a large batch. Only record formats without headers (before Kafka 0.11) lack `headers`.
 */
function asConsumed(messages: KafkaMessage[]): ConsumedMessage[] {
  for (const m of messages) m.headers ??= {};
  return messages as ConsumedMessage[];
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
      ...(options.maxBytes ? { maxBytes: options.maxBytes } : {}),
      maxWaitTimeInMs: options.maxWaitTimeInMs ?? 100,
      allowAutoTopicCreation: false,
    });
    const { GROUP_JOIN, CRASH, HEARTBEAT } = this.consumer.events;
    if (options.onHeartbeat) this.consumer.on(HEARTBEAT, () => options.onHeartbeat?.());
    this.consumer.on(GROUP_JOIN, (e) => {
      // A listener failure must not become an unhandled rejection inside kafkajs's emitter.
      Promise.resolve()
        .then(() => options.onAssigned?.(e.payload.memberAssignment as Assignment))
        .catch(() => {});
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
      autoCommitInterval: this.options.autoCommitIntervalMs ?? 1000,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 1,
      eachBatch: async (payload: EachBatchPayload) => {
        const { batch } = payload;
        await this.options.eachBatch(
          {
            topic: batch.topic,
            partition: batch.partition,
            highWatermark: batch.highWatermark,
            messages: asConsumed(batch.messages),
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

  /** Waits for the batch in hand, commits resolved offsets and leaves the group. */
  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }
}
