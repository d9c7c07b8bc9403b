/**
 * The Prometheus metrics of a running pipeline, read from the engines' snapshots when Prometheus scrapes (a
 * collect-on-scrape registry: nothing runs between scrapes). Counters advance by the increase of the engines'
 * totals since the previous scrape (totals.ts), so they only go up; gauges are rebuilt from the latest snapshot;
 * histograms are the sink's own cumulative buckets.
 *
 * Names follow Prometheus conventions (`_total` counters, seconds, no unbounded labels). The lag metrics keep the
 * names and labels kafka-lag-exporter users chart (`kafka_consumergroup_group_lag{group,topic,partition}`, ...)
 * under the `tollstream_` prefix, so they never collide with an exporter watching the same cluster.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Topics } from '../config/config.ts';
import type { LagSnapshot, LagStatus, ProducersSnapshot, SinkSnapshot } from '../engines/types.ts';
import type { SinkSnapshotExtras } from '../engines/sink/metrics.ts';
import type { HistogramSnapshot } from '../engines/sink/histograms.ts';
import {
  BATCH_MESSAGES_BOUNDS,
  BATCH_SECONDS_BOUNDS,
  LATENCY_SECONDS_BOUNDS,
} from '../engines/sink/histograms.ts';
import { Totals } from './totals.ts';

/** Where the metrics come from; an engine a process does not run (the sink of a producer-only run) is absent. */
export interface MetricsSources {
  topics: Topics;
  producers?: () => ProducersSnapshot | null;
  sink?: () => (SinkSnapshot & SinkSnapshotExtras) | null;
  lag?: () => LagSnapshot | null;
}

export interface RegistryOptions {
  /** Node's process metrics (CPU, memory, event loop, GC, handles); on by default. */
  processMetrics?: boolean;
}

export const LAG_STATUSES: readonly LagStatus[] = ['OK', 'WARN', 'STALL', 'STOP', 'UNKNOWN'];

/** Dead letters the broker refused are counted under this prefix in the sink's reasons. */
const REFUSED = 'refused:';

type Read<T> = (() => T | null) | undefined;
const read = <T>(source: Read<T>): T | null => source?.() ?? null;

/** A counter that advances by the increase of totals read at scrape time. */
function totalsCounter<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly L[],
  each: (add: (key: string, labels: Record<L, string>, total: number) => void) => void,
): Counter<L> {
  const totals = new Totals();
  return new Counter<L>({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      each((key, labels, total) => this.inc(labels, totals.increase(key, total)));
    },
  });
}

/** A gauge rebuilt from the latest snapshot at each scrape: series of partitions or groups gone disappear. */
function snapshotGauge<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly L[],
  each: (set: (labels: Record<L, string>, value: number) => void) => void,
): Gauge<L> {
  return new Gauge<L>({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      each((labels, value) => this.set(labels, value));
    },
  });
}

type HistogramValues = Awaited<ReturnType<Histogram['get']>>;

/**
 * A histogram whose buckets are counted elsewhere (the sink counts every passage and chunk as it commits them):
 * exposed as they are, through prom-client's own formatting (Registry reads `getForPromString`).
 */
class CumulativeHistogram extends Histogram {
  constructor(
    registry: Registry,
    private readonly metricName: string,
    private readonly metricHelp: string,
    bounds: readonly number[],
    private readonly snapshot: () => HistogramSnapshot | null,
  ) {
    super({ name: metricName, help: metricHelp, buckets: [...bounds], registers: [registry] });
  }

  private values(): HistogramValues {
    const h = this.snapshot();
    const name = this.metricName;
    const values: HistogramValues['values'] = [];
    if (h) {
      h.bounds.forEach((le, i) =>
        values.push({ metricName: `${name}_bucket`, labels: { le }, value: h.cumulative[i] ?? 0 }),
      );
      values.push(
        { metricName: `${name}_bucket`, labels: { le: '+Inf' }, value: h.count },
        { metricName: `${name}_sum`, labels: {}, value: h.sum },
        { metricName: `${name}_count`, labels: {}, value: h.count },
      );
    }
    // The shape prom-client's Histogram returns; its typings declare `type` as an enum that is a string at run time.
    const metric = { name, help: this.metricHelp, type: 'histogram', aggregator: 'sum', values };
    return metric as unknown as HistogramValues;
  }

  override get(): Promise<HistogramValues> {
    return Promise.resolve(this.values());
  }

  getForPromString(): Promise<HistogramValues> {
    return Promise.resolve(this.values());
  }
}

export function createMetricsRegistry(sources: MetricsSources, options: RegistryOptions = {}): Registry {
  const registry = new Registry();
  if (options.processMetrics !== false) collectDefaultMetrics({ register: registry });
  const { topics } = sources;
  const producers = (): ProducersSnapshot['producers'] => read(sources.producers)?.producers ?? [];
  const sink = (): (SinkSnapshot & SinkSnapshotExtras) | null => read(sources.sink);
  const lagGroups = (): LagSnapshot['groups'] => read(sources.lag)?.groups ?? [];

  // ---- producers: per producer, labelled by its source kind (simulator, tolldata, hourly, http, file) ----
  if (sources.producers) {
    totalsCounter(
      registry,
      'tollstream_passages_produced_total',
      'Passages Kafka acknowledged (held by all in-sync replicas), by topic and source kind.',
      ['topic', 'source'],
      (add) => {
        for (const p of producers()) add(p.id, { topic: topics.passages, source: p.sourceKind }, p.acked);
      },
    );
    totalsCounter(
      registry,
      'tollstream_passages_produce_failed_total',
      'Passages Kafka refused for good (they are not in the topic), by topic and source kind.',
      ['topic', 'source'],
      (add) => {
        for (const p of producers()) add(p.id, { topic: topics.passages, source: p.sourceKind }, p.failed);
      },
    );
    totalsCounter(
      registry,
      'tollstream_payments_produced_total',
      'Payments Kafka acknowledged, by topic and source kind.',
      ['topic', 'source'],
      (add) => {
        for (const p of producers()) add(p.id, { topic: topics.payments, source: p.sourceKind }, p.payments);
      },
    );
    totalsCounter(
      registry,
      'tollstream_producer_retries_total',
      'Publish attempts that failed and were tried again (Kafka unreachable, a leader moving), by source kind.',
      ['source'],
      (add) => {
        for (const p of producers()) add(p.id, { source: p.sourceKind }, p.retries ?? 0);
      },
    );
  }

  // ---- sink ----
  if (sources.sink) {
    totalsCounter(
      registry,
      'tollstream_passages_persisted_total',
      'Passages written to MySQL (new rows), by the topic they were read from and the source named in the passage.',
      ['topic', 'source'],
      (add) => {
        for (const r of sink()?.persistedBySource ?? [])
          add(`${r.topic}\u0000${r.source}`, { topic: r.topic, source: r.source }, r.count);
      },
    );
    totalsCounter(
      registry,
      'tollstream_payments_persisted_total',
      'Payments written to MySQL (new rows).',
      ['topic'],
      (add) => {
        const s = sink();
        if (s) add('payments', { topic: topics.payments }, s.payments);
      },
    );
    totalsCounter(
      registry,
      'tollstream_plaza_passages_persisted_total',
      'Passages written to MySQL per toll plaza (plaza="0": plazas beyond the first 1024 seen).',
      ['plaza'],
      (add) => {
        for (const t of sink()?.throughput ?? [])
          add(String(t.plazaId), { plaza: String(t.plazaId) }, t.total);
      },
    );
    totalsCounter(
      registry,
      'tollstream_dead_letters_total',
      'Messages sent to the dead-letter topic, by the topic they came from and reason code.',
      ['topic', 'reason'],
      (add) => {
        for (const r of sink()?.deadLettersByTopic ?? [])
          add(`${r.topic}\u0000${r.reason}`, { topic: r.topic, reason: r.reason }, r.count);
      },
    );
    totalsCounter(
      registry,
      'tollstream_dead_letters_refused_total',
      'Dead letters the broker refused for good (the message stays in its own topic), by reason code.',
      ['reason'],
      (add) => {
        for (const [reason, n] of Object.entries(sink()?.deadLetterReasons ?? {}))
          if (reason.startsWith(REFUSED)) add(reason, { reason: reason.slice(REFUSED.length) }, n);
      },
    );
    totalsCounter(
      registry,
      'tollstream_sink_messages_consumed_total',
      'Kafka messages the sink committed (rows, dead letters and replays alike).',
      [],
      (add) => {
        const s = sink();
        if (s) add('consumed', {}, s.consumed);
      },
    );
    totalsCounter(
      registry,
      'tollstream_sink_rows_already_present_total',
      'Passages and payments MySQL already held when they arrived (replays): skipped, not duplicated.',
      [],
      (add) => {
        const s = sink();
        if (s) add('present', {}, s.alreadyPresent);
      },
    );
    totalsCounter(
      registry,
      'tollstream_sink_retries_total',
      'Chunk writes that failed and were tried again (MySQL or Kafka unavailable, another member fenced it).',
      [],
      (add) => {
        const s = sink();
        if (s) add('retries', {}, s.retries ?? 0);
      },
    );
    const histogram =
      (name: keyof NonNullable<SinkSnapshotExtras['histograms']>) => (): HistogramSnapshot | null =>
        sink()?.histograms?.[name] ?? null;
    new CumulativeHistogram(
      registry,
      'tollstream_end_to_end_latency_seconds',
      'Time from Kafka receiving a passage (its message timestamp) to its MySQL commit.',
      LATENCY_SECONDS_BOUNDS,
      histogram('latencySeconds'),
    );
    new CumulativeHistogram(
      registry,
      'tollstream_sink_batch_messages',
      'Kafka messages per committed chunk (one partition, one MySQL transaction).',
      BATCH_MESSAGES_BOUNDS,
      histogram('batchMessages'),
    );
    new CumulativeHistogram(
      registry,
      'tollstream_sink_batch_duration_seconds',
      'Time from taking a chunk to its MySQL commit, retries included.',
      BATCH_SECONDS_BOUNDS,
      histogram('batchSeconds'),
    );
  }

  // ---- consumer groups reading toll topics (the lag monitor's view) ----
  if (sources.lag) {
    const partitions = function* (): Generator<{
      group: string;
      topic: string;
      partition: string;
      p: LagSnapshot['groups'][number]['partitions'][number];
    }> {
      for (const g of lagGroups())
        for (const p of g.partitions)
          yield { group: g.groupId, topic: p.topic, partition: String(p.partition), p };
    };
    snapshotGauge(
      registry,
      'tollstream_consumergroup_group_lag',
      'Messages a group has yet to consume: log end offset minus committed offset (absent when it never committed).',
      ['group', 'topic', 'partition'],
      (set) => {
        for (const { p, ...labels } of partitions()) if (p.lag !== null) set(labels, p.lag);
      },
    );
    snapshotGauge(
      registry,
      'tollstream_consumergroup_group_lag_seconds',
      'Age of the oldest message a group has yet to consume (0 when caught up, absent when unknown).',
      ['group', 'topic', 'partition'],
      (set) => {
        for (const { p, ...labels } of partitions()) {
          if (p.lag === 0) set(labels, 0);
          else if (p.timeLagMs !== null) set(labels, p.timeLagMs / 1000);
        }
      },
    );
    snapshotGauge(
      registry,
      'tollstream_consumergroup_group_offset',
      'Offset a group last committed (absent when it never committed).',
      ['group', 'topic', 'partition'],
      (set) => {
        for (const { p, ...labels } of partitions())
          if (p.committed !== null) set(labels, Number(p.committed));
      },
    );
    snapshotGauge(
      registry,
      'tollstream_partition_latest_offset',
      'Log end offset (high watermark) of a partition of a toll topic.',
      ['topic', 'partition'],
      (set) => {
        const seen = new Set<string>();
        for (const { topic, partition, p } of partitions()) {
          if (seen.has(`${topic}:${partition}`)) continue;
          seen.add(`${topic}:${partition}`);
          set({ topic, partition }, Number(p.highWatermark));
        }
      },
    );
    snapshotGauge(
      registry,
      'tollstream_consumergroup_group_sum_lag',
      'Total lag of a group over the partitions it committed on.',
      ['group'],
      (set) => {
        for (const g of lagGroups()) if (g.totalLag !== null) set({ group: g.groupId }, g.totalLag);
      },
    );
    snapshotGauge(
      registry,
      'tollstream_consumergroup_group_max_lag_seconds',
      'Largest time lag of a group over its partitions.',
      ['group'],
      (set) => {
        for (const g of lagGroups()) {
          const known = g.partitions.flatMap((p) =>
            p.lag === 0 ? [0] : p.timeLagMs !== null ? [p.timeLagMs / 1000] : [],
          );
          if (known.length) set({ group: g.groupId }, Math.max(...known));
        }
      },
    );
    snapshotGauge(
      registry,
      'tollstream_consumergroup_status',
      "A group's lag status by Burrow's rules: 1 for the status it is in, 0 for the others (OK, WARN, STALL, STOP, UNKNOWN).",
      ['group', 'status'],
      (set) => {
        for (const g of lagGroups())
          for (const status of LAG_STATUSES) set({ group: g.groupId, status }, g.status === status ? 1 : 0);
      },
    );
    snapshotGauge(
      registry,
      'tollstream_consumergroup_members',
      'Live members of a consumer group.',
      ['group'],
      (set) => {
        for (const g of lagGroups()) set({ group: g.groupId }, g.members);
      },
    );
    snapshotGauge(
      registry,
      'tollstream_lag_sampled_timestamp_seconds',
      'When the lag figures above were sampled (Unix time); it stops moving while Kafka does not answer.',
      [],
      (set) => {
        const at = read(sources.lag)?.sampledAt;
        if (at) set({}, at / 1000);
      },
    );
  }
  return registry;
}
