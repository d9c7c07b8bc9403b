import { describe, expect, test } from 'vitest';
import { decodeInput } from '../../../../components/keys/decode.ts';
import { lagKeys } from '../../../../components/lag/keys.ts';
import { lagLines } from '../../../../components/lag/lines.ts';
import { initialLagState, lagReducer } from '../../../../components/lag/state.ts';
import { groupLag, lag, partitionLag } from '../fakes.ts';

const snapshot = lag([
  groupLag({ groupId: 'other-b', ours: false, status: 'OK', partitions: [partitionLag()] }),
  groupLag({
    groupId: 'other-a',
    ours: false,
    status: 'STALL',
    partitions: [partitionLag({ status: 'STALL' })],
  }),
  groupLag({
    groupId: 'tollstream-sink',
    ours: true,
    partitions: [
      partitionLag({ partition: 0, lag: 5, timeLagMs: 900, status: 'OK' }),
      partitionLag({ partition: 1, lag: 500, timeLagMs: 100, status: 'WARN' }),
      partitionLag({ partition: 2, lag: null, committed: null, timeLagMs: null, status: 'STOP' }),
    ],
  }),
]);

const order = (sort: Parameters<typeof lagLines>[1]) =>
  lagLines(snapshot, sort)
    .filter((l) => l.kind === 'partition' && l.group.ours)
    .map((l) => (l.kind === 'partition' ? l.partition.partition : -1));

describe('lag lines', () => {
  test('our group first, then the most troubled, then by name', () => {
    const groups = lagLines(snapshot, 'partition')
      .filter((l) => l.kind === 'group')
      .map((l) => l.group.groupId);
    expect(groups).toEqual(['tollstream-sink', 'other-a', 'other-b']);
  });

  test('partitions sort by position, lag, time lag or status', () => {
    expect(order('partition')).toEqual([0, 1, 2]);
    expect(order('lag')).toEqual([1, 0, 2]);
    expect(order('timeLag')).toEqual([0, 1, 2]);
    expect(order('status')).toEqual([2, 1, 0]);
  });
});

describe('lag reducer and keys', () => {
  test('o cycles the sort and returns to the top', () => {
    let s = { ...initialLagState, scroll: 4 };
    const r = lagKeys(decodeInput('o')[0]!, 10, 5)!;
    s = lagReducer(s, r.actions[0]!);
    expect(s).toEqual({ sort: 'lag', scroll: 0 });
    s = lagReducer(lagReducer(lagReducer(s, { type: 'cycleSort' }), { type: 'cycleSort' }), {
      type: 'cycleSort',
    });
    expect(s.sort).toBe('status');
  });

  test('by status: problems first, then the bigger lag; a partition never written to goes last', () => {
    const lines = lagLines(
      lag([
        groupLag({
          partitions: [
            partitionLag({
              topic: 'toll',
              partition: 0,
              highWatermark: '0',
              committed: null,
              lag: null,
              status: 'UNKNOWN',
            }),
            partitionLag({ partition: 0, lag: 3, status: 'OK' }),
            partitionLag({ partition: 1, lag: 40, status: 'OK' }),
            partitionLag({ partition: 2, lag: 9, status: 'STALL' }),
            partitionLag({
              topic: 'toll.payments',
              partition: 0,
              highWatermark: '12',
              committed: null,
              lag: null,
              status: 'UNKNOWN',
            }),
          ],
        }),
      ]),
      initialLagState.sort,
    ).flatMap((l) => (l.kind === 'partition' ? [`${l.partition.topic}[${l.partition.partition}]`] : []));
    expect(lines).toEqual([
      'toll.passages[2]',
      'toll.payments[0]',
      'toll.passages[1]',
      'toll.passages[0]',
      'toll[0]',
    ]);
  });

  test('scrolling stays within the list', () => {
    let s = initialLagState;
    s = lagReducer(s, lagKeys(decodeInput('\x1b[6~')[0]!, 10, 4)!.actions[0]!);
    expect(s.scroll).toBe(3);
    s = lagReducer(s, lagKeys(decodeInput('\x1b[6~')[0]!, 10, 4)!.actions[0]!);
    expect(s.scroll).toBe(6);
    s = lagReducer(s, lagKeys(decodeInput('\x1b[B')[0]!, 10, 4)!.actions[0]!);
    expect(s.scroll).toBe(6);
    s = lagReducer(s, lagKeys(decodeInput('\x1b[H')[0]!, 10, 4)!.actions[0]!);
    expect(s.scroll).toBe(0);
  });
});
