import { describe, expect, it } from 'vitest';
import { describeStatus, ourLag, statusLine } from '../../../src/headless/status.ts';
import type { LagSnapshot, ProducersSnapshot, SinkSnapshot } from '../../../src/engines/types.ts';

const producers: ProducersSnapshot = {
  producers: [
    {
      id: 'tolldata-1',
      name: 'tolldata-1',
      spec: 'tolldata:data',
      sourceKind: 'tolldata',
      finite: true,
      status: { kind: 'running' },
      pace: { kind: 'speed', factor: 'max' },
      sent: 1200,
      acked: 1000,
      failed: 0,
      payments: 990,
      ratePerSec: 812.4,
      progress: { read: 1200, total: 10_000, rejected: 2 },
      etaMs: 10_840,
    },
  ],
  totals: { sent: 1200, acked: 1000, failed: 0, ratePerSec: 812.4 },
};

const sink = {
  status: { kind: 'error', message: 'MySQL unavailable', willRetry: true, retryInMs: 2400 },
  groupId: 'g',
  assignment: {},
  consumed: 990,
  persisted: 950,
  payments: 900,
  plazas: 11,
  deadLettered: 3,
  deadLetterReasons: {},
  alreadyPresent: 5,
  ratePerSec: 700.6,
  latency: { p50Ms: 40, p99Ms: 180, maxMs: 300, count: 950 },
  recentLatency: { p50Ms: 35, p99Ms: 90, maxMs: 120, count: 300 },
  recent: [],
  bucketMs: 5000,
  throughput: [],
} satisfies SinkSnapshot & { recentLatency: unknown };

const lag: LagSnapshot = {
  status: { kind: 'running' },
  sampledAt: 1,
  groups: [
    {
      groupId: 'other',
      state: 'Stable',
      members: 1,
      ours: false,
      status: 'OK',
      totalLag: 7,
      partitions: [],
      history: [],
    },
    {
      groupId: 'g',
      state: 'Stable',
      members: 1,
      ours: true,
      status: 'OK',
      totalLag: 42,
      partitions: [],
      history: [],
    },
  ],
};

describe('headless status line', () => {
  it('carries counts, rates, lag, recent latency and per-source progress with ETA', () => {
    const line = statusLine({
      now: 11_500,
      startedAt: 1_000,
      role: 'all',
      phase: 'running',
      groupId: 'g',
      producers,
      sink,
      lag,
    });
    expect(line).toEqual({
      type: 'status',
      at: new Date(11_500).toISOString(),
      elapsedS: 10.5,
      role: 'all',
      phase: 'running',
      produced: 1000,
      unacked: 200,
      failed: 0,
      producedPerSec: 812,
      persisted: 950,
      alreadyPresent: 5,
      deadLettered: 3,
      persistedPerSec: 701,
      latencyP50Ms: 35,
      latencyP99Ms: 90,
      sink: 'error: MySQL unavailable (retrying in 2 s)',
      lag: 42,
      producers: [
        {
          name: 'tolldata-1',
          source: 'tolldata:data',
          status: 'running',
          produced: 1000,
          producedPerSec: 812,
          progress: { read: 1200, total: 10_000, rejected: 2, etaS: 10.8 },
        },
      ],
    });
    // One line of JSON: no newlines inside.
    expect(JSON.stringify(line)).not.toContain('\n');
  });

  it('leaves out what a role does not run', () => {
    const consumer = statusLine({
      now: 2000,
      startedAt: 1000,
      role: 'consumer',
      phase: 'running',
      groupId: 'x',
      producers: null,
      sink,
      lag: null,
    });
    expect(consumer).not.toHaveProperty('produced');
    expect(consumer).not.toHaveProperty('producers');
    expect(consumer.lag).toBeNull();
    const producer = statusLine({
      now: 2000,
      startedAt: 1000,
      role: 'producer',
      phase: 'flushing',
      groupId: 'x',
      producers,
      sink: null,
      lag: null,
    });
    expect(producer).not.toHaveProperty('persisted');
    expect(producer).not.toHaveProperty('anomalies');
    expect(producer.phase).toBe('flushing');
  });

  it("shows the detector of a --role anomalies run, with its own group's lag", () => {
    const line = statusLine({
      now: 2000,
      startedAt: 1000,
      role: 'anomalies',
      phase: 'running',
      groupId: 'tollstream-sink',
      producers: null,
      sink: null,
      lag: {
        status: { kind: 'running' },
        sampledAt: 1500,
        groups: [
          { groupId: 'tollstream-sink', ours: true, totalLag: 5 },
          { groupId: 'tollstream-anomalies', ours: false, totalLag: 42 },
        ],
      } as never,
      anomalies: {
        status: { kind: 'running' },
        groupId: 'tollstream-anomalies',
        watermark: '2026-12-02T08:00:00.000Z',
        inputs: 1000,
        late: 3,
        findings: 7,
        perRule: {} as never,
        published: 7,
        recent: [],
      },
    });
    expect(line.anomalies).toEqual({
      status: 'running',
      findings: 7,
      published: 7,
      watermark: '2026-12-02T08:00:00.000Z',
      inputs: 1000,
      late: 3,
      lag: 42,
    });
  });

  it('describes every status kind', () => {
    expect(describeStatus({ kind: 'idle' })).toBe('idle');
    expect(describeStatus({ kind: 'finished' })).toBe('finished');
    expect(describeStatus({ kind: 'stopped', reason: '3 passages kept' })).toBe('stopped: 3 passages kept');
    expect(describeStatus({ kind: 'error', message: 'x', willRetry: false })).toBe('error: x');
    expect(describeStatus({ kind: 'error', message: 'x', willRetry: true })).toBe('error: x (retrying)');
    expect(
      describeStatus({
        kind: 'error',
        message: 'INSERT denied',
        willRetry: true,
        retryInMs: 30_000,
        permanent: true,
      }),
    ).toBe('error: INSERT denied (needs a fix, checking again in 30 s)');
  });

  it('finds our group lag by id, then by the ours flag', () => {
    expect(ourLag(lag, 'g')).toBe(42);
    expect(ourLag(lag, 'unknown')).toBe(42);
    expect(ourLag(null, 'g')).toBeNull();
  });
});
