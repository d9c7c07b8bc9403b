import { describe, expect, it } from 'vitest';
import { LagTracker, sortGroups } from '../../../src/engines/lag/tracker.ts';
import type { GroupObservation, Observation, PartitionLagDetail } from '../../../src/engines/lag/tracker.ts';
import type { GroupLag } from '../../../src/engines/types.ts';
import { partitionKey } from '../../../src/kafka/partition-key.ts';

const T = 'toll.passages';

function observe(
  at: number,
  highs: number[],
  groups: { id: string; committed: (number | null)[]; owned?: boolean; state?: string }[],
): Observation {
  return {
    at,
    highWatermarks: new Map([[T, highs.map((h, partition) => ({ partition, high: String(h) }))]]),
    groups: groups.map((g): GroupObservation => ({
      groupId: g.id,
      state: g.state ?? (g.owned ? 'Stable' : 'Empty'),
      members: g.owned ? 1 : 0,
      owners: new Map(g.owned ? g.committed.map((_, p) => [partitionKey(T, p), 'client-1'] as const) : []),
      committed: g.committed.map((c, partition) => ({
        topic: T,
        partition,
        offset: c === null ? null : String(c),
      })),
    })),
  };
}

describe('lag tracker', () => {
  it('lag per partition, "—" (null) where the group never committed, total over known partitions', () => {
    const tracker = new LagTracker({ ourGroupId: 'ours', windowSize: 5 });
    const [g] = tracker.ingest(observe(0, [100, 50], [{ id: 'ours', committed: [40, null], owned: true }]));
    expect(g!.partitions.map((p) => [p.highWatermark, p.committed, p.lag, p.status])).toEqual([
      ['100', '40', 60, 'OK'],
      ['50', null, null, 'UNKNOWN'],
    ]);
    expect(g!.totalLag).toBe(60);
    expect(g!.ours).toBe(true);
    expect(g!.partitions[0]!.owner).toBe('client-1');
  });

  it('a live member standing still with lag is STALL; a group without members is STOP', () => {
    const tracker = new LagTracker({ ourGroupId: 'ours', windowSize: 5 });
    const groups = (at: number, high: number) =>
      tracker.ingest(
        observe(
          at,
          [high],
          [
            { id: 'stuck', committed: [10], owned: true },
            { id: 'gone', committed: [10] },
          ],
        ),
      );
    groups(0, 100);
    const later = groups(2000, 120);
    const byId = Object.fromEntries(later.map((g) => [g.groupId, g]));
    expect(byId.stuck!.status).toBe('STALL');
    expect(byId.stuck!.partitions[0]!.reason).toMatch(/alive but its offset stays at 10/);
    expect(byId.gone!.status).toBe('STOP');
    // Worst first after ours: STOP before STALL.
    expect(later.map((g) => g.groupId)).toEqual(['gone', 'stuck']);
  });

  it('a consumer gaining on producers is OK with a downward trend and an ETA', () => {
    const tracker = new LagTracker({ ourGroupId: 'ours', windowSize: 5 });
    let g;
    for (let i = 0; i <= 4; i++) {
      // Producing 100/s, consuming 300/s.
      [g] = tracker.ingest(
        observe(i * 1000, [1000 + 100 * i], [{ id: 'ours', committed: [300 * i], owned: true }]),
      );
    }
    const p = g!.partitions[0]!;
    expect(p.lag).toBe(1400 - 1200);
    expect(p.status).toBe('OK');
    expect(p.trend).toBe('down');
    expect(p.etaMs).toBe(1000); // 200 left at a net 200/s
    expect(p.timeLagMs).not.toBeNull();
    expect(g!.history).toEqual([1000, 800, 600, 400, 200]);
  });

  it('a consumer falling behind is WARN with an upward trend and no ETA', () => {
    const tracker = new LagTracker({ ourGroupId: 'ours', windowSize: 5 });
    let g;
    for (let i = 0; i <= 3; i++) {
      [g] = tracker.ingest(
        observe(i * 1000, [1000 + 500 * i], [{ id: 'ours', committed: [100 * i], owned: true }]),
      );
    }
    expect(g!.partitions[0]!.status).toBe('WARN');
    expect(g!.partitions[0]!.trend).toBe('up');
    expect(g!.partitions[0]!.etaMs).toBeNull();
  });

  it('time lag of a backlog seen since the first look is a lower bound', () => {
    const tracker = new LagTracker({ ourGroupId: 'ours', windowSize: 5 });
    tracker.ingest(observe(1000, [100], [{ id: 'ours', committed: [0], owned: true }]));
    const [g] = tracker.ingest(observe(6000, [100], [{ id: 'ours', committed: [0], owned: true }]));
    expect(g!.partitions[0]!.timeLagMs).toBe(5000);
    expect(g!.partitions[0]!.timeLagLowerBound).toBe(true);
  });

  it('keeps a bounded history and forgets groups that disappear', () => {
    const tracker = new LagTracker({ ourGroupId: 'ours', windowSize: 3, historySize: 4 });
    let groups: GroupLag[] = [];
    for (let i = 0; i < 10; i++)
      groups = tracker.ingest(observe(i * 1000, [100 + i], [{ id: 'a', committed: [100] }]));
    expect(groups[0]!.history).toEqual([6, 7, 8, 9]);
    expect(tracker.ingest(observe(20_000, [200], []))).toEqual([]);
    const [again] = tracker.ingest(observe(21_000, [200], [{ id: 'a', committed: [190] }]));
    expect(again!.history).toEqual([10]);
  });

  it('a live member on a partition that holds no messages is OK, without time lag, however long it stands', () => {
    const tracker = new LagTracker({ ourGroupId: 'ours', windowSize: 3 });
    // Partition 0: never written. Partition 1: retention emptied it (log 50..50), the member stands at 40.
    const look = (at: number): GroupLag[] =>
      tracker.ingest({
        at,
        highWatermarks: new Map([
          [
            T,
            [
              { partition: 0, low: '0', high: '0' },
              { partition: 1, low: '50', high: '50' },
            ],
          ],
        ]),
        groups: [
          {
            groupId: 'ours',
            state: 'Stable',
            members: 1,
            owners: new Map([
              [partitionKey(T, 0), 'client-1'],
              [partitionKey(T, 1), 'client-1'],
            ]),
            committed: [
              { topic: T, partition: 0, offset: '0' },
              { topic: T, partition: 1, offset: '40' },
            ],
          },
        ],
        history: new Map([[T, [{ partition: 1, at: at - 2_592_000_000, high: 0 }]]]),
      });
    let g: GroupLag | undefined;
    for (let i = 0; i < 6; i++) [g] = look(i * 2000);
    expect(g!.partitions.map((p) => [p.committed, p.lag, p.status, p.timeLagMs])).toEqual([
      ['0', 0, 'OK', null],
      // Kafka's tool also says 50 - 40 = 10 here.
      ['40', 10, 'OK', null],
    ]);
    expect(g!.status).toBe('OK');
  });

  it('a commit past the end of a recreated topic has lag 0 and says what Kafka shows', () => {
    const tracker = new LagTracker({ ourGroupId: 'ours', windowSize: 3 });
    let g: GroupLag | undefined;
    for (let i = 0; i < 4; i++)
      [g] = tracker.ingest(observe(i * 2000, [5], [{ id: 'gone', committed: [30] }]));
    const p = g!.partitions[0]! as PartitionLagDetail;
    expect([p.committed, p.highWatermark, p.lag, p.status, p.timeLagMs]).toEqual(['30', '5', 0, 'OK', null]);
    expect(p.reason).toBe(
      "the committed offset 30 is past the end of the partition (5): the topic was recreated or truncated; Kafka's tool shows lag -25",
    );
  });

  it('sorts ours first, then by severity, then by lag, then by name', () => {
    const g = (groupId: string, status: GroupLag['status'], totalLag: number | null): GroupLag => ({
      groupId,
      status,
      totalLag,
      state: 'Stable',
      members: 1,
      ours: false,
      partitions: [],
      history: [],
    });
    const sorted = sortGroups(
      [
        g('b', 'OK', 5),
        g('a', 'OK', 5),
        g('c', 'WARN', 1),
        g('ours', 'OK', 0),
        g('d', 'UNKNOWN', null),
        g('e', 'STOP', 1),
        g('f', 'OK', 50),
      ],
      'ours',
    );
    expect(sorted.map((x) => x.groupId)).toEqual(['ours', 'e', 'c', 'f', 'a', 'b', 'd']);
  });
});
