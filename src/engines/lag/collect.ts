/**
 * One look at the cluster for the lag monitor, through the Kafka adapter: high watermarks of the toll topics, and
 * for every consumer group that reads them its committed offsets and which live member owns which partition.
 *
 * A group "reads toll topics" when a member is assigned one or when it has a commit on one. Finding the second
 * kind costs one OffsetFetch per group, so groups found to read none are not asked again for `recheckMs`
 * (a shared broker can hold hundreds of unrelated groups).
 *
 * Once per topic, in the background, it also asks Kafka where each partition stood at a grid of past times
 * (ListOffsets by message timestamp) and hands that history over with the next observation (see timelag.ts).
 */
import type { KafkaAdmin, GroupSummary } from '../../kafka/admin.ts';
import { partitionKey } from '../../kafka/partition-key.ts';
import type { GroupObservation, HistoryPoint, Observation } from './tracker.ts';

/** Ages at which a topic's history is taken: dense near now, coarse far back, 30 days at most. */
export const HISTORY_AGES_MS: readonly number[] = [
  5, 10, 20, 30, 45, 60, 90, 120, 180, 300, 450, 600, 900, 1200, 1800, 2700, 3600, 5400, 7200, 10_800, 14_400,
  21_600, 32_400, 43_200, 64_800, 86_400, 129_600, 172_800, 259_200, 432_000, 604_800, 864_000, 1_209_600,
  1_814_400, 2_592_000,
].map((s) => s * 1000);

export interface CollectorOptions {
  topics: readonly string[];
  recheckMs?: number;
  /** OffsetFetch requests in flight at once. */
  concurrency?: number;
}

export class LagCollector {
  /** Group id -> when it was last found to read no toll topic. Bounded by the groups the cluster lists. */
  private readonly readsNothing = new Map<string, number>();
  /** Topics whose history was asked for (kept: once per topic), and the answers not yet handed over. */
  private readonly historyAsked = new Set<string>();
  private readonly historyReady = new Map<string, HistoryPoint[]>();
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
    const highWatermarks = new Map<string, { partition: number; low: string; high: string }[]>();
    // Read after the groups' commits, as Kafka's consumer-groups tool does: a live group's commit can then never
    // be newer than the end it is compared with (which showed as a spurious "past end").
    const readHighWatermarks = (): Promise<unknown> =>
      Promise.all(
        topics.map(async (topic) => {
          const offsets = await this.admin.topicOffsets(topic);
          highWatermarks.set(
            topic,
            offsets.map((o) => ({ partition: o.partition, low: o.low, high: o.high })),
          );
        }),
      );
    for (const topic of topics) {
      if (this.historyAsked.has(topic)) continue;
      this.historyAsked.add(topic);
      this.history(topic, now()).then(
        (points) => this.historyReady.set(topic, points),
        // Asked again on the next look; meanwhile older backlogs show a lower bound.
        () => this.historyAsked.delete(topic),
      );
    }
    const history = new Map(this.historyReady);
    this.historyReady.clear();
    if (topics.length === 0) return { at: now(), highWatermarks, groups: [], history };

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
    await readHighWatermarks();
    // Dated after every request: whatever the answers say had happened by then.
    return { at: now(), highWatermarks, groups, history };
  }

  private async history(topic: string, from: number): Promise<HistoryPoint[]> {
    const points: HistoryPoint[] = [];
    for (const age of HISTORY_AGES_MS) {
      for (const { partition, offset } of await this.admin.offsetsAtTime(topic, from - age)) {
        points.push({ partition, at: from - age, high: Number(offset) });
      }
    }
    return points;
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
    // Any offset Kafka keeps for the group counts, a sentinel too: Kafka's tool lists such a group (with "-").
    for (const t of offsets) if (t.partitions.some((p) => p.offset !== null)) reads.add(t.topic);
    if (reads.size === 0) return null;
    const owners = new Map<string, string>();
    for (const m of g.members) {
      for (const [topic, partitions] of Object.entries(m.assignment)) {
        for (const p of partitions) owners.set(partitionKey(topic, p), m.clientId);
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
          t.partitions.map((p) => ({
            topic: t.topic,
            partition: p.partition,
            offset: committedOffset(p.offset),
          })),
        ),
    };
  }
}

/**
 * A committed offset as Kafka's own tools read it: a negative one is no commit. kafkajs commits its "earliest"
 * sentinel -2 when a fetch is out of range (a member resumed past the end of a recreated or empty partition), and
 * Kafka keeps it; ConsumerGroupCommand shows "-" for it, so the pane shows "—" instead of -2 and a lag of 2.
 */
export function committedOffset(offset: string | null): string | null {
  return offset === null || offset.startsWith('-') ? null : offset;
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
