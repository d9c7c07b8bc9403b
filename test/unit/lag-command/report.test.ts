import { describe, expect, it } from 'vitest';
import type { GroupLagDetail, PartitionLagDetail } from '../../../src/engines/lag/tracker.ts';
import {
  buildReport,
  exitCodeFor,
  renderCsv,
  renderReport,
  renderTable,
} from '../../../src/lag-command/report.ts';
import type { LagLook } from '../../../src/lag-command/sampler.ts';

const partition = (over: Partial<PartitionLagDetail>): PartitionLagDetail => ({
  topic: 'toll.passages',
  partition: 0,
  highWatermark: '50',
  committed: '50',
  lag: 0,
  timeLagMs: null,
  timeLagLowerBound: false,
  trend: 'flat',
  status: 'OK',
  etaMs: 0,
  reason: 'caught up',
  owner: null,
  ...over,
});

const group = (over: Partial<GroupLagDetail>): GroupLagDetail => ({
  groupId: 'tollstream-sink',
  state: 'Stable',
  members: 1,
  ours: true,
  status: 'OK',
  totalLag: 0,
  history: [0, 0],
  partitions: [partition({ owner: 'tollstream-sink-1' })],
  ...over,
});

const reader = group({
  groupId: 'billing-reader',
  ours: false,
  state: 'Empty',
  members: 0,
  status: 'STOP',
  totalLag: 20,
  partitions: [
    partition({
      committed: '30',
      lag: 20,
      timeLagMs: 3_723_000,
      timeLagLowerBound: true,
      status: 'STOP',
      etaMs: null,
      reason: 'no commit seen for 6 s with 20 messages behind',
    }),
    partition({
      partition: 1,
      highWatermark: '0',
      committed: null,
      lag: null,
      status: 'UNKNOWN',
      etaMs: null,
    }),
  ],
});

const look = (groups: GroupLagDetail[]): LagLook => ({
  at: Date.UTC(2026, 11, 2, 12, 0, 6),
  groups,
  topics: ['toll.passages', 'toll.payments'],
  samples: 4,
  spanMs: 6000,
  historyPending: false,
});

describe('tollstream lag report', () => {
  it('has the documented JSON shape, field by field (version 1)', () => {
    const report = buildReport(look([group({}), reader]), 'tollstream-sink');
    const json = JSON.parse(renderReport('json', report)) as Record<string, unknown>;
    expect(Object.keys(json)).toEqual([
      'version',
      'sampledAt',
      'samples',
      'sampleSpanMs',
      'ourGroupId',
      'topics',
      'status',
      'groups',
    ]);
    expect(json).toMatchObject({
      version: 1,
      sampledAt: '2026-12-02T12:00:06.000Z',
      samples: 4,
      sampleSpanMs: 6000,
      ourGroupId: 'tollstream-sink',
      status: 'STOP',
    });
    const groups = json.groups as Record<string, unknown>[];
    expect(Object.keys(groups[1]!)).toEqual([
      'groupId',
      'ours',
      'state',
      'members',
      'status',
      'totalLag',
      'maxTimeLagMs',
      'partitions',
    ]);
    expect(groups[1]).toMatchObject({ groupId: 'billing-reader', ours: false, maxTimeLagMs: 3_723_000 });
    expect((groups[1]!.partitions as unknown[])[0]).toEqual({
      topic: 'toll.passages',
      partition: 0,
      currentOffset: '30',
      logEndOffset: '50',
      lag: 20,
      timeLagMs: 3_723_000,
      timeLagLowerBound: true,
      trend: 'flat',
      status: 'STOP',
      reason: 'no commit seen for 6 s with 20 messages behind',
      etaMs: null,
      clientId: null,
    });
    // Under --watch, one document per line.
    expect(renderReport('json', report, { watch: true }).split('\n')).toHaveLength(2);
  });

  it('exit 0 when every partition with a commit is OK; a partition never committed on does not count', () => {
    expect(exitCodeFor(buildReport(look([group({})]), 'tollstream-sink'))).toBe(0);
    const unknownOnly = group({
      status: 'UNKNOWN',
      totalLag: null,
      partitions: [partition({ committed: null, lag: null, status: 'UNKNOWN' })],
    });
    expect(buildReport(look([unknownOnly]), 'tollstream-sink').status).toBe('OK');
    for (const status of ['WARN', 'STALL', 'STOP'] as const) {
      const report = buildReport(
        look([group({}), group({ groupId: 'x', ours: false, status })]),
        'tollstream-sink',
      );
      expect([report.status, exitCodeFor(report)]).toEqual([status, 1]);
    }
    expect(exitCodeFor(buildReport(look([]), 'tollstream-sink'))).toBe(0);
  });

  it('the table: Kafka tool columns plus time lag, trend, status, ETA; groups; why a partition is not OK', () => {
    const text = renderTable(buildReport(look([group({}), reader]), 'tollstream-sink'));
    const lines = text.split('\n');
    expect(lines[0]!.split('|').map((s) => s.trim())).toEqual([
      'GROUP',
      'TOPIC',
      'PARTITION',
      'CURRENT-OFFSET',
      'LOG-END-OFFSET',
      'LAG',
      'TIME-LAG',
      'TREND',
      'STATUS',
      'ETA',
      'CLIENT-ID',
    ]);
    expect(lines[2]!.split('|').map((s) => s.trim())).toEqual([
      'tollstream-sink',
      'toll.passages',
      '0',
      '50',
      '50',
      '0',
      '—',
      'flat',
      'OK',
      '0s',
      'tollstream-sink-1',
    ]);
    expect(lines[3]!.split('|').map((s) => s.trim())).toEqual([
      'billing-reader',
      'toll.passages',
      '0',
      '30',
      '50',
      '20',
      '≥1h02m',
      'flat',
      'STOP',
      '—',
      '—',
    ]);
    expect(
      lines[4]!
        .split('|')
        .map((s) => s.trim())
        .slice(3, 6),
    ).toEqual(['—', '0', '—']);
    expect(text).toMatch(/^tollstream-sink \(ours\) \| Stable \|\s+1 \| OK\s+\|\s+0 \|/m);
    expect(text).toContain(
      '  billing-reader toll.passages[0] STOP: no commit seen for 6 s with 20 messages behind\n',
    );
    expect(text.trimEnd().split('\n').at(-1)).toBe(
      'STOP · 4 looks over 6.0s, the last at 2026-12-02T12:00:06.000Z',
    );
  });

  it('says when nothing reads the toll topics and when our group is not among the readers', () => {
    expect(renderTable(buildReport(look([]), 'tollstream-sink'))).toContain(
      'no consumer group reads the toll topics (toll.passages, toll.payments)',
    );
    expect(renderTable(buildReport(look([reader]), 'tollstream-sink'))).toContain(
      'our group tollstream-sink has no offsets on the toll topics',
    );
  });

  it('CSV: a record per partition, empty fields for null, header once under --watch', () => {
    const report = buildReport(look([reader]), 'tollstream-sink');
    const records = renderCsv(report).split('\r\n');
    expect(records[0]).toBe(
      'sampled_at,group,ours,group_state,members,topic,partition,current_offset,log_end_offset,lag,time_lag_ms,time_lag_lower_bound,trend,status,eta_ms,client_id,reason',
    );
    expect(records[1]).toBe(
      '2026-12-02T12:00:06.000Z,billing-reader,false,Empty,0,toll.passages,0,30,50,20,3723000,true,flat,STOP,,,no commit seen for 6 s with 20 messages behind',
    );
    expect(records[2]).toMatch(
      /^2026-12-02T12:00:06.000Z,billing-reader,false,Empty,0,toll.passages,1,,0,,,false,flat,UNKNOWN,,,/,
    );
    expect(renderReport('csv', report, { watch: true, first: false }).startsWith('2026-12-02')).toBe(true);
  });
});
