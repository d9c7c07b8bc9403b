import { describe, expect, it } from 'vitest';
import { verdict } from '../../../src/headless/verdict.ts';
import type { VerdictInputs } from '../../../src/headless/verdict.ts';
import type { ProducersSnapshot, ProducerSnapshot } from '../../../src/engines/types.ts';

function producers(over: Partial<ProducerSnapshot> = {}): ProducersSnapshot {
  const p: ProducerSnapshot = {
    id: 'simulator-1',
    name: 'simulator-1',
    spec: 'simulator',
    sourceKind: 'simulator',
    finite: false,
    status: { kind: 'stopped' },
    pace: { kind: 'rate', perSecond: 500 },
    sent: 5000,
    acked: 5000,
    failed: 0,
    payments: 5000,
    ratePerSec: 0,
    progress: { read: 5000, rejected: 0 },
    ...over,
  };
  return { producers: [p], totals: { sent: p.sent, acked: p.acked, failed: p.failed, ratePerSec: 0 } };
}

const ok: VerdictInputs = {
  role: 'all',
  interrupted: false,
  producers: producers(),
  sinkStatus: { kind: 'stopped' },
  drain: { drained: true, lag: 0 },
  reconcile: { checked: 5000, found: 5000, written: 5000, missing: 0, missingSample: [], duplicates: 0 },
};

const refused = {
  kind: 'error',
  message: "MySQL refuses the sink's writes: INSERT command denied",
  willRetry: true,
  retryInMs: 30_000,
  permanent: true,
} as const;

describe('headless verdict', () => {
  it('exits 1 naming the cause when the run ends with MySQL refusing the sink for good', () => {
    expect(
      verdict({
        ...ok,
        sinkStatus: refused,
        drain: { drained: false, lag: 12, reason: 'the sink made no progress for 60 s' },
      }),
    ).toEqual({
      reconciled: false,
      reason:
        "sink error: MySQL refuses the sink's writes: INSERT command denied; not reconciled: the sink made no progress for 60 s",
      exitCode: 1,
    });
    expect(verdict({ ...ok, role: 'consumer', producers: null, sinkStatus: refused })).toEqual({
      reconciled: null,
      reason: "sink error: MySQL refuses the sink's writes: INSERT command denied",
      exitCode: 1,
    });
    // An outage being retried is not the run's verdict: a consumer-only run that ends in one still exits 0.
    const outage = { kind: 'error', message: 'connect ECONNREFUSED', willRetry: true } as const;
    expect(verdict({ ...ok, role: 'consumer', producers: null, sinkStatus: outage }).exitCode).toBe(0);
  });

  it('exits 0 when everything acknowledged is in MySQL exactly once', () => {
    expect(verdict(ok)).toEqual({ reconciled: true, reason: null, exitCode: 0 });
  });

  it('exits 1 naming missing passages', () => {
    const v = verdict({
      ...ok,
      reconcile: {
        checked: 5000,
        found: 4998,
        written: 4998,
        missing: 2,
        missingSample: ['a', 'b'],
        duplicates: 0,
      },
    });
    expect(v.exitCode).toBe(1);
    expect(v.reconciled).toBe(false);
    expect(v.reason).toBe(
      '2 of 5000 passages acknowledged by Kafka are missing from MySQL (e.g. a, b); dead-lettered?',
    );
  });

  it('exits 1 on duplicates, on a sink that never caught up, on an interrupt, on a failed look-up', () => {
    expect(verdict({ ...ok, reconcile: { ...ok.reconcile!, duplicates: 3 } }).reason).toMatch(/3 duplicate/);
    expect(
      verdict({ ...ok, drain: { drained: false, lag: 12, reason: 'the sink made no progress for 60 s' } }),
    ).toEqual({
      reconciled: false,
      reason: 'not reconciled: the sink made no progress for 60 s',
      exitCode: 1,
    });
    expect(verdict({ ...ok, interrupted: true }).reason).toBe('not reconciled: interrupted');
    expect(verdict({ ...ok, reconcile: null, reconcileError: 'MySQL gone' }).reason).toBe(
      'not reconciled: MySQL gone',
    );
  });

  it('exits 1 when passages were left unacknowledged or refused, even if MySQL matches', () => {
    const unacked = verdict({ ...ok, producers: producers({ sent: 5100 }) });
    expect(unacked).toMatchObject({ exitCode: 1, reconciled: true });
    expect(unacked.reason).toMatch(/100 passages read from sources were not acknowledged/);
    expect(verdict({ ...ok, producers: producers({ sent: 5001, failed: 1 }) }).reason).toMatch(
      /1 passages were refused/,
    );
    const broken = verdict({
      ...ok,
      producers: producers({
        status: { kind: 'error', message: 'source failed: no such file', willRetry: false },
      }),
    });
    expect(broken.reason).toBe('producer simulator-1 failed: source failed: no such file');
  });

  it('a producer-only run passes once Kafka acknowledged everything, and says it did not reconcile MySQL', () => {
    const v = verdict({ ...ok, role: 'producer', drain: null, reconcile: null, sinkStatus: null });
    expect(v).toEqual({
      reconciled: null,
      reason: 'not reconciled: no consumer in this process (all 5000 passages acknowledged by Kafka)',
      exitCode: 0,
    });
    expect(verdict({ ...ok, role: 'producer', producers: producers({ sent: 6000 }) }).exitCode).toBe(1);
  });

  it('a producer-only run stands behind its count only when Kafka still holds what it acknowledged', () => {
    const checked = {
      partitionAcks: 60,
      resent: 0,
      overlaps: 0,
      partitionsChecked: 12,
      shortfalls: [],
      error: null,
    };
    const producerOnly = { ...ok, role: 'producer' as const, drain: null, reconcile: null, sinkStatus: null };
    expect(verdict({ ...producerOnly, verified: checked })).toEqual({
      reconciled: null,
      reason:
        "not reconciled: no consumer in this process (all 5000 passages acknowledged by Kafka, each acknowledgement checked per partition, and every partition's log still reaching its highest acknowledged offset at exit)",
      exitCode: 0,
    });
    const truncated = verdict({
      ...producerOnly,
      verified: {
        ...checked,
        shortfalls: ['toll.passages[3] ends at 120 but offsets up to 149 were acknowledged'],
      },
    });
    expect(truncated.exitCode).toBe(1);
    expect(truncated.reason).toBe(
      'Kafka no longer holds passages it acknowledged: toll.passages[3] ends at 120 but offsets up to 149 were acknowledged',
    );
    const unknown = verdict({ ...producerOnly, verified: { ...checked, error: 'There is no leader' } });
    expect(unknown.exitCode).toBe(1);
    expect(unknown.reason).toBe(
      'cannot verify that Kafka still holds what it acknowledged: There is no leader',
    );
    expect(verdict({ ...ok, verified: { ...checked, error: 'There is no leader' } }).exitCode).toBe(1);
  });

  it('a detector-only run passes unless the detector gave up', () => {
    const alone = { ...ok, role: 'anomalies' as const, producers: null, sinkStatus: null };
    expect(verdict(alone)).toEqual({
      reconciled: null,
      reason: 'anomaly detector only: nothing produced in this process to reconcile',
      exitCode: 0,
    });
    const retrying = { kind: 'error' as const, message: 'MySQL: gone', willRetry: true };
    expect(verdict({ ...alone, detectorStatus: retrying }).exitCode).toBe(0);
    expect(
      verdict({ ...alone, detectorStatus: { kind: 'error', message: 'no topic', willRetry: false } }),
    ).toEqual({ reconciled: null, reason: 'anomaly detector failed: no topic', exitCode: 1 });
  });

  it('a consumer-only run passes unless its sink gave up', () => {
    expect(verdict({ ...ok, role: 'consumer', producers: null }).exitCode).toBe(0);
    expect(
      verdict({
        ...ok,
        role: 'consumer',
        producers: null,
        sinkStatus: { kind: 'error', message: 'x', willRetry: false },
      }),
    ).toEqual({ reconciled: null, reason: 'sink failed: x', exitCode: 1 });
  });
});

describe('rejected rows', () => {
  const file = (rejected: number, read = 5000): Partial<ProducerSnapshot> => ({
    spec: 'file:fastag.csv#plaza=TollBoothID',
    sourceKind: 'file',
    finite: true,
    progress: { read, rejected, rejectedByReason: rejected ? { time: rejected - 1, type: 1 } : {} },
  });

  it('fails a file import that rejected any row by default, naming the reasons', () => {
    const v = verdict({ ...ok, producers: producers(file(3)) });
    expect(v.exitCode).toBe(1);
    expect(v.reason).toMatch(
      /^file:fastag\.csv#plaza=TollBoothID: 3 of 5000 rows rejected \(time 2, type 1\)/,
    );
    expect(v.reason).toMatch(/--max-rejects/);
  });

  it('passes a file import with no rejects, and one within --max-rejects', () => {
    expect(verdict({ ...ok, producers: producers(file(0)) }).exitCode).toBe(0);
    expect(verdict({ ...ok, producers: producers(file(3)), maxRejects: { count: 3 } }).exitCode).toBe(0);
    expect(verdict({ ...ok, producers: producers(file(3)), maxRejects: { count: 2 } }).exitCode).toBe(1);
  });

  it('reads a percentage of the rows read', () => {
    expect(verdict({ ...ok, producers: producers(file(50)), maxRejects: { percent: 1 } }).exitCode).toBe(0);
    expect(verdict({ ...ok, producers: producers(file(51)), maxRejects: { percent: 1 } }).exitCode).toBe(1);
  });

  it('fails a run that rejected every row', () => {
    const v = verdict({ ...ok, producers: producers({ ...file(5000), acked: 0, sent: 0, payments: 0 }) });
    expect(v.exitCode).toBe(1);
    expect(v.reason).toMatch(/5000 of 5000 rows rejected/);
  });

  it('lets other finite sources reject rows unless --max-rejects is given; endless sources never fail on rejects', () => {
    const replay = {
      spec: 'tolldata:x',
      sourceKind: 'tolldata',
      finite: true,
      progress: { read: 10, rejected: 2 },
    };
    expect(verdict({ ...ok, producers: producers(replay) }).exitCode).toBe(0);
    expect(verdict({ ...ok, producers: producers(replay), maxRejects: { count: 0 } }).exitCode).toBe(1);
    const endless = { ...replay, spec: 'http://x', sourceKind: 'http', finite: false };
    expect(verdict({ ...ok, producers: producers(endless), maxRejects: { count: 0 } }).exitCode).toBe(0);
  });
});

describe('a source that cannot be read as given', () => {
  it('exits 2 with the source and its message, so the user changes the spec', () => {
    const v = verdict({
      ...ok,
      producers: producers({
        spec: 'file:x.csv#time=At',
        sourceKind: 'file',
        finite: true,
        status: {
          kind: 'error',
          message: 'source failed: bad source "file:x.csv": column At …',
          willRetry: false,
          usage: true,
        },
      }),
    });
    expect(v).toEqual({
      reconciled: null,
      reason: 'file:x.csv#time=At: source failed: bad source "file:x.csv": column At …',
      exitCode: 2,
    });
  });
});
