/**
 * The lag monitor's memory: per group and partition a Burrow window of commits and a window of samples, per
 * topic partition the recent high watermarks and the watermark timeline, per group a bounded total-lag history.
 * `ingest` turns one observation of the cluster into the groups the lag pane shows. Deterministic (time comes
 * in with the observation), so it is tested without a broker.
 *
 * What counts as a commit: polling sees committed offsets, not commit requests. A changed offset is a commit we
 * observed. An unchanged offset on a partition owned by a live member of the group also counts, once per poll:
 * the member is alive and standing at that offset, which is what Burrow learns from a consumer that keeps
 * committing the same offset (STALL). An unchanged offset with no live owner adds nothing, so the window ages
 * and Burrow's STOP rule fires.
 */
import { partitionKey } from '../../kafka/partition-key.ts';
import type { GroupLag, LagStatus, PartitionLag } from '../types.ts';
import { Ring } from '../../util/ring.ts';
import { evaluatePartition, holdsMessages } from './burrow.ts';
import type { BurrowStatus, CommitEntry } from './burrow.ts';
import { catchUpEtaMs, lagTrend, windowRates } from './trend.ts';
import type { PartitionSample } from './trend.ts';
import { WatermarkTimeline, timeLag } from './timelag.ts';

/** PartitionLag plus what the lag pane can show beyond the shared contract. */
export interface PartitionLagDetail extends PartitionLag {
  /** The rule that decided the status, in words. */
  reason: string;
  /** True when timeLagMs is a lower bound (the message predates the monitor's first look). */
  timeLagLowerBound: boolean;
  /** Client id of the live member that owns the partition; null when no member owns it. */
  owner: string | null;
}

export interface GroupLagDetail extends GroupLag {
  partitions: PartitionLagDetail[];
}

export interface GroupObservation {
  groupId: string;
  state: string;
  members: number;
  /** partitionKey(topic, partition) -> client id of the member that owns it. */
  owners: ReadonlyMap<string, string>;
  /** Committed offsets on the topics this group reads; null where it never committed. */
  committed: readonly { topic: string; partition: number; offset: string | null }[];
}

/** At `at`, every offset below `high` of the partition had been written (from message timestamps). */
export interface HistoryPoint {
  partition: number;
  at: number;
  high: number;
}

export interface Observation {
  at: number;
  /** Per topic and partition the log end (high) and log start (low; 0 when not given). */
  highWatermarks: ReadonlyMap<string, readonly { partition: number; low?: string; high: string }[]>;
  groups: readonly GroupObservation[];
  /** Per topic, where its partitions stood before the monitor's first look (once per topic). */
  history?: ReadonlyMap<string, readonly HistoryPoint[]>;
}

export interface TrackerOptions {
  ourGroupId: string;
  /** Commits (and samples) per Burrow window. */
  windowSize: number;
  /** Total-lag samples kept per group for the sparkline. */
  historySize?: number;
}

interface PartitionMemory {
  commits: Ring<CommitEntry>;
  samples: Ring<PartitionSample>;
}

interface TopicPartitionMemory {
  timeline: WatermarkTimeline;
  recentHighs: Ring<number>;
}

const SEVERITY: Record<LagStatus, number> = { STOP: 4, STALL: 3, WARN: 2, OK: 1, UNKNOWN: 0 };

export function severity(status: LagStatus): number {
  return SEVERITY[status];
}

export function toLagStatus(status: BurrowStatus): LagStatus {
  switch (status) {
    case 'OK':
    case 'WARN':
    case 'STALL':
    case 'STOP':
      return status;
    case 'REWIND':
      // The contract has no REWIND; a reset group is usually an operator's doing, so it warns (reason says why).
      return 'WARN';
    default: {
      const never: never = status;
      throw new Error(`unknown Burrow status ${String(never)}`);
    }
  }
}

export class LagTracker {
  private readonly partitions = new Map<string, PartitionMemory>();
  private readonly topicPartitions = new Map<string, TopicPartitionMemory>();
  private readonly histories = new Map<string, Ring<number>>();
  private readonly historySize: number;

  constructor(private readonly options: TrackerOptions) {
    if (options.windowSize < 2) throw new RangeError('lag window must hold at least 2 samples');
    this.historySize = options.historySize ?? 120;
  }

  ingest(observation: Observation): GroupLagDetail[] {
    const { at } = observation;
    const seenTopicPartitions = new Set<string>();
    const highs = new Map<string, number>();
    const lows = new Map<string, number>();
    for (const [topic, parts] of observation.highWatermarks) {
      for (const { partition, low, high } of parts) {
        const key = partitionKey(topic, partition);
        const h = Number(high);
        highs.set(key, h);
        lows.set(key, Number(low ?? 0));
        seenTopicPartitions.add(key);
        const memory = this.topicPartition(key);
        memory.timeline.record(at, h);
        memory.recentHighs.push(h);
      }
    }

    for (const [topic, points] of observation.history ?? []) {
      const byPartition = new Map<number, HistoryPoint[]>();
      for (const p of points) {
        const list = byPartition.get(p.partition);
        if (list) list.push(p);
        else byPartition.set(p.partition, [p]);
      }
      for (const [partition, list] of byPartition) {
        const memory = this.topicPartitions.get(partitionKey(topic, partition));
        memory?.timeline.seedHistory(list);
      }
    }

    const seenPartitions = new Set<string>();
    const groups = observation.groups.map((g) => this.group(g, at, highs, lows, seenPartitions));
    evict(this.partitions, seenPartitions);
    evict(this.topicPartitions, seenTopicPartitions);
    evict(this.histories, new Set(observation.groups.map((g) => g.groupId)));
    return sortGroups(groups, this.options.ourGroupId);
  }

  private group(
    g: GroupObservation,
    at: number,
    highs: ReadonlyMap<string, number>,
    lows: ReadonlyMap<string, number>,
    seen: Set<string>,
  ): GroupLagDetail {
    const rows: PartitionLagDetail[] = [];
    for (const c of [...g.committed].sort(byTopicPartition)) {
      const tpKey = partitionKey(c.topic, c.partition);
      const high = highs.get(tpKey);
      if (high === undefined) continue; // topic vanished between the two requests
      const key = `${g.groupId}\u0000${tpKey}`;
      seen.add(key);
      const extent = { low: lows.get(tpKey) ?? 0, high };
      rows.push(this.partition(key, tpKey, c, extent, g.owners.get(tpKey) ?? null, at));
    }
    const known = rows.filter((r) => r.lag !== null);
    const totalLag = known.length ? known.reduce((s, r) => s + r.lag!, 0) : null;
    let history = this.histories.get(g.groupId);
    if (!history) {
      history = new Ring<number>(this.historySize);
      this.histories.set(g.groupId, history);
    }
    if (totalLag !== null) history.push(totalLag);
    const status = known.length
      ? known.reduce<LagStatus>((worst, r) => (severity(r.status) > severity(worst) ? r.status : worst), 'OK')
      : 'UNKNOWN';
    return {
      groupId: g.groupId,
      state: g.state,
      members: g.members,
      ours: g.groupId === this.options.ourGroupId,
      status,
      totalLag,
      partitions: rows,
      history: history.toArray(),
    };
  }

  private partition(
    key: string,
    tpKey: string,
    c: { topic: string; partition: number; offset: string | null },
    { low, high }: { low: number; high: number },
    owner: string | null,
    at: number,
  ): PartitionLagDetail {
    const base = { topic: c.topic, partition: c.partition, highWatermark: String(high), owner };
    if (c.offset === null) {
      return {
        ...base,
        committed: null,
        lag: null,
        timeLagMs: null,
        timeLagLowerBound: false,
        trend: 'flat',
        status: 'UNKNOWN',
        etaMs: null,
        reason: 'the group never committed on this partition',
      };
    }
    const committed = Number(c.offset);
    // Kafka's tool prints high - committed, negative for an offset past the end (a recreated or truncated topic);
    // nothing is waiting there, so the lag is 0 and the reason says what the tool would show.
    const lag = Math.max(0, high - committed);
    let memory = this.partitions.get(key);
    if (!memory) {
      memory = {
        commits: new Ring<CommitEntry>(this.options.windowSize),
        samples: new Ring<PartitionSample>(this.options.windowSize),
      };
      this.partitions.set(key, memory);
    }
    const lastCommit = memory.commits.newest(1)[0];
    if (!lastCommit || lastCommit.offset !== committed || owner !== null) {
      memory.commits.push({ offset: committed, at, lag });
    }
    memory.samples.push({ at, committed, high, lag });
    const samples = memory.samples.toArray();
    const tp = this.topicPartitions.get(tpKey)!;
    const evaluation = evaluatePartition(
      memory.commits.toArray(),
      tp.recentHighs.toArray(),
      lag,
      at,
      holdsMessages(low, high),
    );
    const age = timeLag(tp.timeline, committed, high, at, low);
    return {
      ...base,
      committed: c.offset,
      lag,
      timeLagMs: age.ms,
      timeLagLowerBound: age.lowerBound,
      trend: lagTrend(samples),
      status: toLagStatus(evaluation.status),
      etaMs: catchUpEtaMs(lag, windowRates(samples)),
      reason:
        committed > high
          ? `the committed offset ${committed} is past the end of the partition (${high}): the topic was recreated or truncated; Kafka's tool shows lag ${high - committed}`
          : evaluation.reason,
    };
  }

  private topicPartition(key: string): TopicPartitionMemory {
    let memory = this.topicPartitions.get(key);
    if (!memory) {
      memory = { timeline: new WatermarkTimeline(), recentHighs: new Ring<number>(this.options.windowSize) };
      this.topicPartitions.set(key, memory);
    }
    return memory;
  }
}

function byTopicPartition(
  a: { topic: string; partition: number },
  b: { topic: string; partition: number },
): number {
  return a.topic.localeCompare(b.topic) || a.partition - b.partition;
}

/** Ours first, then the worst status, then the largest lag, then by name. */
export function sortGroups<G extends GroupLag>(groups: G[], ourGroupId: string): G[] {
  return [...groups].sort(
    (a, b) =>
      Number(b.groupId === ourGroupId) - Number(a.groupId === ourGroupId) ||
      severity(b.status) - severity(a.status) ||
      (b.totalLag ?? -1) - (a.totalLag ?? -1) ||
      a.groupId.localeCompare(b.groupId),
  );
}

function evict<V>(map: Map<string, V>, keep: ReadonlySet<string>): void {
  for (const key of map.keys()) if (!keep.has(key)) map.delete(key);
}
