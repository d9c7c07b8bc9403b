/**
 * The failover defect of kafkajs 2.2.4, replayed against its real send path (sendMessages and its retrier) with a
 * scripted cluster: broker 2 dies mid-send and its partitions move to brokers 0 and 1, which had already
 * answered. Unpatched, the retry sent nothing for the moved partitions and the send resolved anyway.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { assertKafkajsPatched } from '../../../src/kafka/producer.ts';

const require = createRequire(import.meta.url);
type Message = { key: string; value: string };
type PartitionData = { partition: number; messages: Message[] };
type Produce = { topicData: { topic: string; partitions: PartitionData[] }[] };

const createSendMessages = require('kafkajs/src/producer/sendMessages.js') as (
  deps: unknown,
) => (req: {
  acks: number;
  topicMessages: { topic: string; messages: Message[] }[];
}) => Promise<{ topicName: string; partition: number; baseOffset: string }[]>;
const createRetry = require('kafkajs/src/retry') as (o: object) => unknown;
const { KafkaJSConnectionError } = require('kafkajs/src/errors.js') as {
  KafkaJSConnectionError: new (m: string) => Error;
};

const PARTITIONS = 6;

function scriptedCluster() {
  // Partition p is led by broker p % 3 until broker 2 dies; then 2 → 0 and 5 → 1.
  const leaders = new Map<number, number>(Array.from({ length: PARTITIONS }, (_, p) => [p, p % 3]));
  const written = new Map<number, string[]>();
  let broker2Alive = true;
  let failed = false;
  const brokers = [0, 1, 2].map((nodeId) => ({
    nodeId,
    async produce({ topicData }: Produce) {
      if (nodeId === 2 && !broker2Alive) throw new KafkaJSConnectionError('Connection error: ECONNREFUSED');
      // Brokers 0 and 1 answer first; broker 2 dies while they do.
      if (nodeId === 2 && !failed) {
        failed = true;
        broker2Alive = false;
        await new Promise((r) => setTimeout(r, 5));
        throw new KafkaJSConnectionError('Connection closed');
      }
      const partitions = topicData[0]!.partitions.map(({ partition, messages }) => {
        expect(leaders.get(partition)).toBe(nodeId);
        const log = written.get(partition) ?? [];
        written.set(partition, log);
        const baseOffset = String(log.length);
        log.push(...messages.map((m) => m.value));
        return { partition, errorCode: 0, baseOffset, logAppendTime: '-1', logStartOffset: '0' };
      });
      return { topics: [{ topicName: topicData[0]!.topic, partitions }] };
    },
  }));
  const metadata = () =>
    Array.from(leaders, ([partitionId, leader]) => ({ partitionId, leader, replicas: [0, 1, 2], isr: [] }));
  const cluster = {
    targetTopics: new Set<string>(),
    refreshMetadataIfNecessary: async () => {},
    refreshMetadata: async () => {
      if (!broker2Alive) {
        leaders.set(2, 0);
        leaders.set(5, 1);
      }
    },
    addMultipleTargetTopics: async () => {},
    isConnected: () => true,
    removeBroker: () => {},
    findTopicPartitionMetadata: () => metadata(),
    findLeaderForPartitions: (_t: string, partitions: (string | number)[]) => {
      const out: Record<number, number[]> = {};
      for (const p of partitions.map(Number)) (out[leaders.get(p)!] ??= []).push(p);
      return out;
    },
    findBroker: async ({ nodeId }: { nodeId: string | number }) => brokers[Number(nodeId)]!,
  };
  return { cluster, written };
}

function send(cluster: unknown) {
  const quiet = { debug() {}, info() {}, warn() {}, error() {} };
  return createSendMessages({
    logger: quiet,
    cluster,
    partitioner: ({ message }: { message: Message }) => Number(message.key) % PARTITIONS,
    eosManager: {
      isTransactional: () => false,
      acquireBrokerLock: async () => {},
      releaseBrokerLock: async () => {},
      getSequence: () => 0,
      updateSequence: () => {},
      getProducerId: () => -1,
      getProducerEpoch: () => 0,
    },
    retrier: createRetry({ retries: 5, initialRetryTime: 1, maxRetryTime: 5 }),
  });
}

describe('kafkajs 2.2.4 with the failover patch', () => {
  it('is the patched build that npm ci installs', () => {
    expect(() => assertKafkajsPatched()).not.toThrow();
  });

  it('resends the partitions of a dead leader to their new leaders, although those answered before', async () => {
    const { cluster, written } = scriptedCluster();
    const messages = Array.from({ length: 60 }, (_, i) => ({ key: String(i), value: `m-${i}` }));
    const acks = await send(cluster)({ acks: -1, topicMessages: [{ topic: 't', messages }] });

    const everything = [...written.values()].flat().sort();
    expect(everything).toEqual(messages.map((m) => m.value).sort());
    expect(acks.map((a) => a.partition).sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(written.get(2)).toHaveLength(10);
    expect(written.get(5)).toHaveLength(10);
  });
});
