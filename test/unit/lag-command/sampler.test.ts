/**
 * The look series of a one-shot `tollstream lag` on a fake admin client (only the calls the lag engine makes), with
 * a fake clock: status needs more than one look, and the series waits a little for Kafka's time-lag history.
 */
import { describe, expect, it } from 'vitest';
import type { GroupOffsets, GroupSummary, KafkaAdmin } from '../../../src/kafka/admin.ts';
import { LagSampler, series } from '../../../src/lag-command/sampler.ts';
import { buildReport, exitCodeFor } from '../../../src/lag-command/report.ts';

interface FakeCluster {
  high: number[];
  groups: Record<string, { members: boolean; committed: (number | null)[] }>;
  /** Resolves the topic's history when called; pending until then. */
  history?: Promise<void>;
}

function fakeAdmin(cluster: FakeCluster): KafkaAdmin {
  const summary = (groupId: string): GroupSummary => ({
    groupId,
    state: cluster.groups[groupId]!.members ? 'Stable' : 'Empty',
    protocolType: 'consumer',
    members: cluster.groups[groupId]!.members
      ? [{ memberId: 'm1', clientId: 'reader-1', host: '/127.0.0.1', assignment: { toll: [0, 1] } }]
      : [],
  });
  const offsets = (groupId: string): GroupOffsets[] => [
    {
      topic: 'toll',
      partitions: cluster.groups[groupId]!.committed.map((o, partition) => ({
        partition,
        offset: o === null ? null : String(o),
      })),
    },
  ];
  return {
    listTopics: async () => ['toll'],
    topicOffsets: async () => cluster.high.map((h, partition) => ({ partition, low: '0', high: String(h) })),
    offsetsAtTime: async () => {
      await cluster.history;
      return [];
    },
    listGroups: async () => Object.keys(cluster.groups),
    describeGroups: async (ids: string[]) => ids.map(summary),
    groupOffsets: async (groupId: string) => offsets(groupId),
  } as Partial<KafkaAdmin> as KafkaAdmin;
}

function clock(): { now: () => number; sleep: (ms: number) => Promise<void>; slept: number[] } {
  let t = 1_000_000;
  const slept: number[] = [];
  return {
    now: () => t,
    sleep: async (ms) => {
      slept.push(ms);
      t += ms;
      // Lets the collector's background history requests settle, as real time would.
      await new Promise((r) => setImmediate(r));
    },
    slept,
  };
}

describe('tollstream lag series', () => {
  const cluster = (): FakeCluster => ({
    high: [50, 20],
    groups: {
      sink: { members: false, committed: [50, 20] },
      departed: { members: false, committed: [30, 20] },
      stuck: { members: true, committed: [10, 20] },
    },
  });

  it('takes the planned looks, then a group that left with lag is STOP and a live one standing still STALL', async () => {
    const c = clock();
    const sampler = new LagSampler(fakeAdmin(cluster()), {
      topics: ['toll'],
      ourGroupId: 'sink',
      windowSize: 4,
    });
    const look = await series(sampler, { samples: 4, gapMs: 2000, historyWaitMs: 6000, ...c });
    expect(c.slept).toEqual([2000, 2000, 2000]);
    expect(look).toMatchObject({ samples: 4, spanMs: 6000, topics: ['toll'], historyPending: false });
    const report = buildReport(look, 'sink');
    expect(report.groups.map((g) => [g.groupId, g.ours, g.status, g.totalLag])).toEqual([
      ['sink', true, 'OK', 0],
      ['departed', false, 'STOP', 20],
      ['stuck', false, 'STALL', 40],
    ]);
    const stuck = report.groups[2]!.partitions[0]!;
    expect(stuck).toMatchObject({ currentOffset: '10', logEndOffset: '50', lag: 40, clientId: 'reader-1' });
    expect(report.status).toBe('STOP');
    expect(exitCodeFor(report)).toBe(1);
    // The groups asked for decide the exit code.
    expect(exitCodeFor(buildReport(look, 'sink', ['sink']))).toBe(0);
    expect(buildReport(look, 'sink', ['stuck']).status).toBe('STALL');
  });

  it('one look is not enough to call anything but OK: why a one-shot run takes several', async () => {
    const c = clock();
    const sampler = new LagSampler(fakeAdmin(cluster()), {
      topics: ['toll'],
      ourGroupId: 'sink',
      windowSize: 4,
    });
    const look = await sampler.look(c.now);
    expect(buildReport(look, 'sink').groups.map((g) => g.status)).toEqual(['OK', 'OK', 'OK']);
  });

  it('keeps looking while the time-lag history is pending, up to the wait', async () => {
    const c = clock();
    let release: () => void = () => {};
    const pending: FakeCluster = { ...cluster(), history: new Promise<void>((r) => (release = r)) };
    const sampler = new LagSampler(fakeAdmin(pending), {
      topics: ['toll'],
      ourGroupId: 'sink',
      windowSize: 2,
    });
    const looks: boolean[] = [];
    const counting = {
      look: async (now?: () => number) => {
        const l = await sampler.look(now);
        looks.push(l.historyPending);
        if (looks.length === 3) release();
        return l;
      },
    };
    const last = await series(counting, { samples: 2, gapMs: 1000, historyWaitMs: 5000, ...c });
    // Planned 2, the history came in answer to the third look, and the fourth handed it over.
    expect(looks).toEqual([true, true, true, false]);
    expect(last.historyPending).toBe(false);

    const never: FakeCluster = { ...cluster(), history: new Promise<void>(() => {}) };
    const c2 = clock();
    const stuck = new LagSampler(fakeAdmin(never), { topics: ['toll'], ourGroupId: 'sink', windowSize: 2 });
    const end = await series(stuck, { samples: 2, gapMs: 1000, historyWaitMs: 3000, ...c2 });
    expect(end.historyPending).toBe(true);
    expect(c2.slept).toEqual([1000, 1000, 1000, 1000]);
  });
});
