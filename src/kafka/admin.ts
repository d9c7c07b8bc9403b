/** Cluster administration and offset look-ups: what the stack launcher, lag monitor and tests need. */
import type { Admin, ITopicConfig } from 'kafkajs';
import type { Kafka } from './client.ts';
import { isRetriable, KafkaAdapterError } from './client.ts';
import { sleep } from '../util/backoff.ts';

export interface TopicSpec {
  topic: string;
  partitions: number;
  replicationFactor: number;
  config?: Record<string, string>;
}

export interface TopicDescription {
  topic: string;
  partitions: { partition: number; leader: number; replicas: number[]; isr: number[] }[];
}

export interface PartitionOffsets {
  partition: number;
  low: string;
  high: string;
}

export interface GroupOffsets {
  topic: string;
  partitions: { partition: number; offset: string | null }[];
}

export interface GroupSummary {
  groupId: string;
  state: string;
  protocolType: string;
  members: { memberId: string; clientId: string; host: string; assignment: Record<string, number[]> }[];
}

export interface ClusterInfo {
  clusterId: string;
  controller: number | null;
  brokers: { nodeId: number; host: string; port: number }[];
}

export class KafkaAdmin {
  private readonly admin: Admin;
  private connected = false;

  constructor(kafka: Kafka) {
    this.admin = kafka.admin();
  }

  async connect(): Promise<this> {
    if (!this.connected) {
      try {
        await this.admin.connect();
      } catch (e) {
        throw new KafkaAdapterError(`cannot connect to Kafka: ${(e as Error).message}`, { cause: e });
      }
      this.connected = true;
    }
    return this;
  }

  /** Always closes the client: a connect that failed half-way can still hold sockets open. */
  async disconnect(): Promise<void> {
    this.connected = false;
    await this.admin.disconnect().catch(() => {});
  }

  /** Creates the topics that do not exist yet; returns the names it created. */
  async ensureTopics(specs: TopicSpec[]): Promise<string[]> {
    const existing = new Set(await this.admin.listTopics());
    const missing = specs.filter((s) => !existing.has(s.topic));
    if (missing.length === 0) return [];
    const topics: ITopicConfig[] = missing.map((s) => ({
      topic: s.topic,
      numPartitions: s.partitions,
      replicationFactor: s.replicationFactor,
      configEntries: Object.entries(s.config ?? {}).map(([name, value]) => ({ name, value })),
    }));
    try {
      await this.admin.createTopics({ topics, waitForLeaders: true, timeout: 30_000 });
    } catch (e) {
      // Another process may have created it meanwhile; anything still missing is a real failure.
      const now = new Set(await this.admin.listTopics());
      const still = missing.filter((s) => !now.has(s.topic)).map((s) => s.topic);
      if (still.length) {
        throw new KafkaAdapterError(`cannot create topics ${still.join(', ')}: ${(e as Error).message}`, {
          cause: e,
        });
      }
    }
    return missing.map((s) => s.topic);
  }

  async deleteTopics(topics: string[]): Promise<void> {
    const existing = new Set(await this.admin.listTopics());
    const present = topics.filter((t) => existing.has(t));
    if (present.length) await this.admin.deleteTopics({ topics: present, timeout: 30_000 });
  }

  listTopics(): Promise<string[]> {
    return this.admin.listTopics();
  }

  async describeTopics(topics?: string[]): Promise<TopicDescription[]> {
    const meta = await retryBriefly(() => this.admin.fetchTopicMetadata(topics ? { topics } : undefined));
    return meta.topics
      .map((t) => ({
        topic: t.name,
        partitions: t.partitions
          .map((p) => ({ partition: p.partitionId, leader: p.leader, replicas: p.replicas, isr: p.isr }))
          .sort((a, b) => a.partition - b.partition),
      }))
      .sort((a, b) => a.topic.localeCompare(b.topic));
  }

  /** Topic-level config values (e.g. cleanup.policy, min.insync.replicas). */
  async topicConfig(topic: string, names: string[]): Promise<Record<string, string>> {
    const res = await this.admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: 2 /* TOPIC */, name: topic, configNames: names }],
    });
    const out: Record<string, string> = {};
    for (const r of res.resources) for (const c of r.configEntries) out[c.configName] = c.configValue;
    return out;
  }

  async topicOffsets(topic: string): Promise<PartitionOffsets[]> {
    const offsets = await this.admin.fetchTopicOffsets(topic);
    return offsets
      .map((o) => ({ partition: o.partition, low: o.low, high: o.high }))
      .sort((a, b) => a.partition - b.partition);
  }

  /**
   * Per partition, the first offset whose message timestamp is at or after `timestampMs`, or the high watermark
   * when no message is that recent (Kafka's ListOffsets by timestamp).
   */
  async offsetsAtTime(topic: string, timestampMs: number): Promise<{ partition: number; offset: string }[]> {
    const offsets = await this.admin.fetchTopicOffsetsByTimestamp(topic, timestampMs);
    return offsets
      .map((o) => ({ partition: o.partition, offset: o.offset }))
      .sort((a, b) => a.partition - b.partition);
  }

  /** Committed offsets of a group; `offset` is null where the group never committed. */
  async groupOffsets(groupId: string, topics: string[]): Promise<GroupOffsets[]> {
    const res = await this.admin.fetchOffsets({ groupId, topics });
    return res.map((t) => ({
      topic: t.topic,
      partitions: t.partitions
        .map((p) => ({ partition: p.partition, offset: p.offset === '-1' ? null : p.offset }))
        .sort((a, b) => a.partition - b.partition),
    }));
  }

  async listGroups(): Promise<string[]> {
    const { groups } = await this.admin.listGroups();
    return groups.map((g) => g.groupId).sort();
  }

  async describeGroups(groupIds: string[]): Promise<GroupSummary[]> {
    if (!groupIds.length) return [];
    const { groups } = await this.admin.describeGroups(groupIds);
    return groups.map((g) => ({
      groupId: g.groupId,
      state: g.state,
      protocolType: g.protocolType,
      members: g.members.map((m) => ({
        memberId: m.memberId,
        clientId: m.clientId,
        host: m.clientHost,
        assignment: decodeAssignment(m.memberAssignment),
      })),
    }));
  }

  async cluster(): Promise<ClusterInfo> {
    const c = await this.admin.describeCluster();
    return {
      clusterId: c.clusterId,
      controller: c.controller,
      brokers: c.brokers
        .map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port }))
        .sort((a, b) => a.nodeId - b.nodeId),
    };
  }
}

/**
 * A broker that has just started (or just joined) can answer metadata before it has learnt every topic
 * ("This server does not host this topic-partition"); such errors are retriable and pass within a second.
 */
async function retryBriefly<T>(work: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (e) {
      if (attempt >= attempts || !isRetriable(e)) throw e;
      await sleep(200 * attempt);
    }
  }
}

/** Decodes a consumer-protocol member assignment (version, [topic, [partition]], userData). */
export function decodeAssignment(buf: Buffer): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  if (!buf || buf.length < 6) return out;
  let pos = 2; // version
  const topics = buf.readInt32BE(pos);
  pos += 4;
  for (let i = 0; i < topics && pos < buf.length; i++) {
    const len = buf.readInt16BE(pos);
    pos += 2;
    const topic = buf.toString('utf8', pos, pos + len);
    pos += len;
    const n = buf.readInt32BE(pos);
    pos += 4;
    const parts: number[] = [];
    for (let j = 0; j < n; j++) {
      parts.push(buf.readInt32BE(pos));
      pos += 4;
    }
    out[topic] = parts;
  }
  return out;
}
