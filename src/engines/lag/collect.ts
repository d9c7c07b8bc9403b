/**
 * One look at the cluster for the lag monitor, through the Kafka adapter: high watermarks of the toll topics, and
 * for every consumer group that reads them its committed offsets and which live member owns which partition.
 *
 * A group "reads toll topics" when a member is assigned one or when it has a commit on one. Finding the second
 * kind costs one OffsetFetch per group, so groups found to read none are not asked again for `recheckMs`
 * (a shared broker can hold hundreds of unrelated groups).
 */
import type { KafkaAdmin, GroupSummary } from '../../kafka/admin.ts';
import type { GroupObservation, Observation } from './tracker.ts';

export interface CollectorOptions {
  topics: readonly string[];
  recheckMs?: number;
  /** OffsetFetch requests in flight at once. */
  concurrency?: number;
}

export class LagCollector {
  /** Group id -> when it was last found to read no toll topic. Bounded by the groups the cluster lists. */
  private readonly readsNothing = new Map<string, number>();
  private readonly recheckMs: number;
  private readonly concurrency: number;

  constructor(
    private readonly admin: KafkaAdmin,
    private readonly options: CollectorOptions,
  ) {
    this.recheckMs = options.recheckMs ?? 30_000;
    this.concurrency = options.concurrency ?? 8;
  }

  async observe(now: () => number = Date.now): Promise<Observation> {
    const existing = new Set(await this.admin.listTopics());
    const topics = this.options.topics.filter((t) => existing.has(t));
    const highWatermarks = new Map<string, { partition: number; high: string }[]>();
    await Promise.all(
      topics.map(async (topic) => {
        const offsets = await this.admin.topicOffsets(topic);
        highWatermarks.set(
          topic,
          offsets.map((o) => ({ partition: o.partition, high: o.high })),
        );
      }),
    );
    if (topics.length === 0) return { at: now(), highWatermarks, groups: [] };

    const groupIds = await this.admin.listGroups();
    for (const id of this.readsNothing.keys()) if (!groupIds.includes(id)) this.readsNothing.delete(id);
    const summaries = await this.describe(groupIds);
    const started = now();
    const candidates = summaries.filter((g) => {
      if (assignedTopics(g, topics).size > 0) return true;
      const checked = this.readsNothing.get(g.groupId);
      return checked === undefined || started - checked >= this.recheckMs;
    });
    const groups: GroupObservation[] = [];
    await forEachLimited(candidates, this.concurrency, async (g) => {
      const observed = await this.group(g, topics);
      if (observed) {
        this.readsNothing.delete(g.groupId);
        groups.push(observed);
      } else {
        this.readsNothing.set(g.groupId, started);
      }
    });
    // Dated after every request: whatever the answers say had happened by then.
    return { at: now(), highWatermarks, groups };
  }

  private async describe(groupIds: string[]): Promise<GroupSummary[]> {
    const out: GroupSummary[] = [];
    for (let i = 0; i < groupIds.length; i += 100) {
      const described = await this.admin.describeGroups(groupIds.slice(i, i + 100));
      // Connect and other non-consumer protocols have no offsets for us; "" is a group with commits but no members.
      out.push(...described.filter((g) => g.protocolType === 'consumer' || g.protocolType === ''));
    }
    return out;
  }

  private async group(g: GroupSummary, topics: string[]): Promise<GroupObservation | null> {
    const assigned = assignedTopics(g, topics);
    const offsets = await this.admin.groupOffsets(g.groupId, topics);
    const reads = new Set(assigned);
    for (const t of offsets) if (t.partitions.some((p) => p.offset !== null)) reads.add(t.topic);
    if (reads.size === 0) return null;
    const owners = new Map<string, string>();
    for (const m of g.members) {
      for (const [topic, partitions] of Object.entries(m.assignment)) {
        for (const p of partitions) owners.set(`${topic}:${p}`, m.clientId);
      }
    }
    return {
      groupId: g.groupId,
      state: g.state,
      members: g.members.length,
      owners,
      committed: offsets
        .filter((t) => reads.has(t.topic))
        .flatMap((t) =>
          t.partitions.map((p) => ({ topic: t.topic, partition: p.partition, offset: p.offset })),
        ),
    };
  }
}

function assignedTopics(g: GroupSummary, topics: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const m of g.members) for (const t of Object.keys(m.assignment)) if (topics.includes(t)) out.add(t);
  return out;
}

async function forEachLimited<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++]!);
  });
  await Promise.all(workers);
}
