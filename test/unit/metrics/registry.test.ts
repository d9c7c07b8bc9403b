/**
 * The metrics registry over hand-made engine snapshots: names, types, labels and values as Prometheus reads them
 * (prom-client's own text format), counters that only go up, gauges that follow the latest snapshot.
 */
import { describe, expect, it } from 'vitest';
import type { Topics } from '../../../src/config/config.ts';
import { SinkMetrics } from '../../../src/engines/sink/metrics.ts';
import type { SinkEngineSnapshot } from '../../../src/engines/sink/metrics.ts';
import type {
  GroupLag,
  LagSnapshot,
  PartitionLag,
  ProducerSnapshot,
  ProducersSnapshot,
} from '../../../src/engines/types.ts';
import type { ValidPassage } from '../../../src/domain/validate.ts';
import { createMetricsRegistry } from '../../../src/metrics/registry.ts';
import { Totals } from '../../../src/metrics/totals.ts';

const TOPICS: Topics = {
  passages: 'toll.passages',
  payments: 'toll.payments',
  plazas: 'toll.plazas',
  dlq: 'toll.dlq',
  legacy: 'toll',
  anomalies: 'toll.anomalies',
};

function producer(
  id: string,
  sourceKind: string,
  acked: number,
  extra: Partial<ProducerSnapshot> = {},
): ProducerSnapshot {
  return {
    id,
    name: id,
    spec: sourceKind,
    sourceKind,
    finite: false,
    status: { kind: 'running' },
    pace: { kind: 'rate', perSecond: 100 },
    sent: acked,
    acked,
    failed: 0,
    payments: Math.floor(acked / 2),
    ratePerSec: 0,
    progress: { read: acked, rejected: 0 } as ProducerSnapshot['progress'],
    ...extra,
  };
}

function producers(...list: ProducerSnapshot[]): ProducersSnapshot {
  return { producers: list, totals: { sent: 0, acked: 0, failed: 0, ratePerSec: 0 } };
}

function partition(p: number, lag: number | null, extra: Partial<PartitionLag> = {}): PartitionLag {
  return {
    topic: TOPICS.passages,
    partition: p,
    highWatermark: '100',
    committed: lag === null ? null : String(100 - lag),
    lag,
    timeLagMs: null,
    trend: 'flat',
    status: 'OK',
    etaMs: null,
    ...extra,
  };
}

function group(groupId: string, partitions: PartitionLag[], extra: Partial<GroupLag> = {}): GroupLag {
  return {
    groupId,
    state: 'Stable',
    members: 1,
    ours: groupId === 'tollstream-sink',
    status: 'OK',
    totalLag: partitions.reduce((n, p) => n + (p.lag ?? 0), 0),
    partitions,
    history: [],
    ...extra,
  };
}

const lagOf = (...groups: GroupLag[]): LagSnapshot => ({
  status: { kind: 'running' },
  sampledAt: 1_700_000_000_000,
  groups,
});

/** `name{labels} value` lines of one metric family, without HELP/TYPE. */
function series(text: string, name: string): string[] {
  return text.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
}

const passage = (source?: string): ValidPassage =>
  ({
    eventId: 'e',
    plazaId: 4007,
    vehicleId: 'v',
    vehicleType: 'car',
    passedAtMs: 0,
    ...(source ? { source } : {}),
  }) as ValidPassage;

describe('metrics registry', () => {
  it('counts produced passages per topic and source kind, monotonic when a producer goes away and comes back', async () => {
    let snapshot = producers(
      producer('simulator-1', 'simulator', 10),
      producer('file-1', 'file', 5, { retries: 2 }),
    );
    const registry = createMetricsRegistry(
      { topics: TOPICS, producers: () => snapshot },
      { processMetrics: false },
    );
    let text = await registry.metrics();
    expect(text).toContain('# TYPE tollstream_passages_produced_total counter');
    expect(series(text, 'tollstream_passages_produced_total')).toEqual([
      'tollstream_passages_produced_total{topic="toll.passages",source="simulator"} 10',
      'tollstream_passages_produced_total{topic="toll.passages",source="file"} 5',
    ]);
    expect(series(text, 'tollstream_producer_retries_total')).toContain(
      'tollstream_producer_retries_total{source="file"} 2',
    );
    expect(series(text, 'tollstream_payments_produced_total')).toContain(
      'tollstream_payments_produced_total{topic="toll.payments",source="simulator"} 5',
    );

    // Two simulators: one series, the sum. Then simulator-1 is removed and added again from zero.
    snapshot = producers(producer('simulator-1', 'simulator', 30), producer('simulator-2', 'simulator', 4));
    text = await registry.metrics();
    expect(series(text, 'tollstream_passages_produced_total')[0]).toBe(
      'tollstream_passages_produced_total{topic="toll.passages",source="simulator"} 34',
    );
    snapshot = producers(producer('simulator-1', 'simulator', 3), producer('simulator-2', 'simulator', 4));
    text = await registry.metrics();
    expect(series(text, 'tollstream_passages_produced_total')[0]).toBe(
      'tollstream_passages_produced_total{topic="toll.passages",source="simulator"} 37',
    );
    // The file producer is gone: its series keeps its last value (a counter never goes down).
    expect(series(text, 'tollstream_passages_produced_total')[1]).toBe(
      'tollstream_passages_produced_total{topic="toll.passages",source="file"} 5',
    );
  });

  it('exposes the sink: persisted by topic and source, per plaza, dead letters by topic and reason, histograms', async () => {
    const m = new SinkMetrics('g');
    m.passagesPersisted(TOPICS.passages, [passage('simulator'), passage('simulator'), passage()], 3);
    m.passagesPersisted(TOPICS.legacy, [passage('legacy'), passage('legacy')], 1);
    m.throughput.record(4007, 3, 1000);
    m.throughput.record(4008, 1, 1000);
    m.deadLetter({ topic: TOPICS.passages, partition: 0, offset: '1', code: 'not-json', reason: 'x', at: 1 });
    m.deadLetter({ topic: TOPICS.legacy, partition: 0, offset: '2', code: 'not-json', reason: 'y', at: 2 });
    m.deadLetterRefused('too-large');
    m.passageLatency(30, 1000);
    m.passageLatency(2000, 1000);
    m.batchCommitted(4, 12, 1000);
    m.consumed = 6;
    let snapshot: SinkEngineSnapshot = m.snapshot(1000);
    const registry = createMetricsRegistry(
      { topics: TOPICS, sink: () => snapshot },
      { processMetrics: false },
    );
    const text = await registry.metrics();
    expect(series(text, 'tollstream_passages_persisted_total')).toEqual([
      'tollstream_passages_persisted_total{topic="toll.passages",source="simulator"} 2',
      'tollstream_passages_persisted_total{topic="toll.passages",source="none"} 1',
      'tollstream_passages_persisted_total{topic="toll",source="legacy"} 1',
    ]);
    expect(series(text, 'tollstream_plaza_passages_persisted_total')).toEqual([
      'tollstream_plaza_passages_persisted_total{plaza="4007"} 3',
      'tollstream_plaza_passages_persisted_total{plaza="4008"} 1',
    ]);
    expect(series(text, 'tollstream_dead_letters_total')).toEqual([
      'tollstream_dead_letters_total{topic="toll.passages",reason="not-json"} 1',
      'tollstream_dead_letters_total{topic="toll",reason="not-json"} 1',
    ]);
    expect(series(text, 'tollstream_dead_letters_refused_total')).toEqual([
      'tollstream_dead_letters_refused_total{reason="too-large"} 1',
    ]);
    expect(text).toContain('# TYPE tollstream_end_to_end_latency_seconds histogram');
    const latency = series(text, 'tollstream_end_to_end_latency_seconds_bucket');
    expect(latency).toContain('tollstream_end_to_end_latency_seconds_bucket{le="0.025"} 0');
    expect(latency).toContain('tollstream_end_to_end_latency_seconds_bucket{le="0.05"} 1');
    expect(latency).toContain('tollstream_end_to_end_latency_seconds_bucket{le="2.5"} 2');
    expect(latency.at(-1)).toBe('tollstream_end_to_end_latency_seconds_bucket{le="+Inf"} 2');
    expect(series(text, 'tollstream_end_to_end_latency_seconds_sum')).toEqual([
      'tollstream_end_to_end_latency_seconds_sum 2.03',
    ]);
    expect(series(text, 'tollstream_sink_batch_messages_count')).toEqual([
      'tollstream_sink_batch_messages_count 1',
    ]);
    expect(series(text, 'tollstream_sink_batch_duration_seconds_bucket')).toContain(
      'tollstream_sink_batch_duration_seconds_bucket{le="0.025"} 1',
    );
    expect(series(text, 'tollstream_sink_messages_consumed_total')).toEqual([
      'tollstream_sink_messages_consumed_total 6',
    ]);
    // No producers and no lag monitor in this process: none of their families.
    expect(text).not.toContain('tollstream_passages_produced_total');
    expect(text).not.toContain('tollstream_consumergroup_group_lag');

    m.passagesPersisted(TOPICS.passages, [passage('simulator')], 1);
    snapshot = m.snapshot(2000);
    expect(series(await registry.metrics(), 'tollstream_passages_persisted_total')[0]).toBe(
      'tollstream_passages_persisted_total{topic="toll.passages",source="simulator"} 3',
    );
  });

  it('follows the lag snapshot: partitions and groups that are gone disappear, status is one-hot', async () => {
    let lag = lagOf(
      group('tollstream-sink', [partition(0, 5, { timeLagMs: 2500 }), partition(1, 0), partition(2, null)]),
      group('reporting', [partition(0, 40, { timeLagMs: 60_000 })], { status: 'STALL', members: 0 }),
    );
    const registry = createMetricsRegistry({ topics: TOPICS, lag: () => lag }, { processMetrics: false });
    let text = await registry.metrics();
    expect(series(text, 'tollstream_consumergroup_group_lag')).toEqual([
      'tollstream_consumergroup_group_lag{group="tollstream-sink",topic="toll.passages",partition="0"} 5',
      'tollstream_consumergroup_group_lag{group="tollstream-sink",topic="toll.passages",partition="1"} 0',
      'tollstream_consumergroup_group_lag{group="reporting",topic="toll.passages",partition="0"} 40',
    ]);
    expect(series(text, 'tollstream_consumergroup_group_lag_seconds')).toEqual([
      'tollstream_consumergroup_group_lag_seconds{group="tollstream-sink",topic="toll.passages",partition="0"} 2.5',
      'tollstream_consumergroup_group_lag_seconds{group="tollstream-sink",topic="toll.passages",partition="1"} 0',
      'tollstream_consumergroup_group_lag_seconds{group="reporting",topic="toll.passages",partition="0"} 60',
    ]);
    expect(series(text, 'tollstream_partition_latest_offset')).toEqual([
      'tollstream_partition_latest_offset{topic="toll.passages",partition="0"} 100',
      'tollstream_partition_latest_offset{topic="toll.passages",partition="1"} 100',
      'tollstream_partition_latest_offset{topic="toll.passages",partition="2"} 100',
    ]);
    expect(series(text, 'tollstream_consumergroup_group_offset')).toHaveLength(3);
    expect(series(text, 'tollstream_consumergroup_group_max_lag_seconds')).toEqual([
      'tollstream_consumergroup_group_max_lag_seconds{group="tollstream-sink"} 2.5',
      'tollstream_consumergroup_group_max_lag_seconds{group="reporting"} 60',
    ]);
    const status = series(text, 'tollstream_consumergroup_status');
    expect(status).toHaveLength(10);
    expect(status.filter((l) => l.endsWith(' 1'))).toEqual([
      'tollstream_consumergroup_status{group="tollstream-sink",status="OK"} 1',
      'tollstream_consumergroup_status{group="reporting",status="STALL"} 1',
    ]);
    expect(series(text, 'tollstream_lag_sampled_timestamp_seconds')).toEqual([
      'tollstream_lag_sampled_timestamp_seconds 1700000000',
    ]);

    lag = lagOf(group('tollstream-sink', [partition(0, 1)]));
    text = await registry.metrics();
    expect(series(text, 'tollstream_consumergroup_group_lag')).toEqual([
      'tollstream_consumergroup_group_lag{group="tollstream-sink",topic="toll.passages",partition="0"} 1',
    ]);
    expect(text).not.toContain('group="reporting"');
  });

  it('adds Node process metrics unless told not to', async () => {
    const registry = createMetricsRegistry({ topics: TOPICS });
    const text = await registry.metrics();
    expect(text).toContain('# TYPE process_cpu_user_seconds_total counter');
    expect(text).toContain('# TYPE nodejs_eventloop_lag_seconds gauge');
  });
});

describe('Totals', () => {
  it('gives the increase since the last read and restarts from zero when a total goes down', () => {
    const t = new Totals();
    expect(t.increase('a', 5)).toBe(5);
    expect(t.increase('a', 7)).toBe(2);
    expect(t.increase('b', 1)).toBe(1);
    expect(t.increase('a', 3)).toBe(3);
    expect(t.increase('a', 3)).toBe(0);
  });
});

describe('sink measurements for the metrics endpoint', () => {
  it('bounds the sources of persisted passages per topic and keeps the total exact', () => {
    const m = new SinkMetrics('g');
    const many = Array.from({ length: 40 }, (_, i) => passage(`gateway-${i}`));
    m.passagesPersisted(TOPICS.passages, many, many.length);
    const rows = m.snapshot(0).persistedBySource!;
    expect(rows).toHaveLength(33);
    expect(rows.find((r) => r.source === 'other')?.count).toBe(8);
    expect(rows.reduce((n, r) => n + r.count, 0)).toBe(40);
    expect(m.persisted).toBe(40);
  });

  it('counts only the inserted passages of a partly replayed chunk', () => {
    const m = new SinkMetrics('g');
    m.passagesPersisted(TOPICS.passages, [passage('file'), passage('file'), passage('file')], 2);
    expect(m.persisted).toBe(2);
    expect(m.snapshot(0).persistedBySource).toEqual([{ topic: TOPICS.passages, source: 'file', count: 2 }]);
  });
});
