import { describe, expect, test } from 'vitest';
import { LagPane } from '../../../../components/lag/LagPane.tsx';
import { initialLagState } from '../../../../components/lag/state.ts';
import { emptyLagSnapshot } from '../../../../components/app/empty.ts';
import {
  fakeStore,
  fakeWorld,
  groupLag,
  lag,
  partitionLag,
  press,
  renderApp,
  renderAt,
  tick,
} from '../fakes.ts';

describe('LagPane', () => {
  test('per partition: high watermark, committed ("—" when never committed), lag, time lag, trend, status, ETA', async () => {
    const store = fakeStore(
      lag([
        groupLag({
          totalLag: 1600,
          status: 'STOP',
          partitions: [
            partitionLag({
              partition: 0,
              highWatermark: '5000',
              committed: '4900',
              lag: 100,
              timeLagMs: 1500,
              trend: 'down',
              status: 'OK',
              etaMs: 2000,
            }),
            partitionLag({
              partition: 1,
              highWatermark: '1500',
              committed: null,
              lag: 1500,
              timeLagMs: 65_000,
              trend: 'up',
              status: 'STOP',
              etaMs: null,
            }),
          ],
        }),
        groupLag({
          groupId: 'analytics',
          ours: false,
          members: 2,
          status: 'STALL',
          partitions: [partitionLag({ status: 'STALL', trend: 'flat' })],
        }),
      ]),
    );
    const r = renderAt(
      <LagPane
        snapshot={store.getSnapshot()}
        state={initialLagState}
        focused={false}
        width={100}
        height={10}
      />,
      100,
    );
    await tick();
    const frame = r.lastFrame()!;
    expect(frame).toMatch(/high wm\s+committed\s+lag\s+time lag\s+tr\s+status\s+ETA/);
    expect(frame).toMatch(/toll\.passages\[0\]\s+5000\s+4900\s+100\s+1\.5s\s+↓\s+OK\s+2\.0s/);
    expect(frame).toMatch(/toll\.passages\[1\]\s+1500\s+—\s+1,500\s+1m05s\s+↑\s+STOP\s+—/);
    expect(frame).toMatch(/▸ STOP tollstream-sink \(ours\) · Stable · 1 member · lag 1,600/);
    expect(frame).toMatch(/▸ STALL analytics · Stable · 2 members/);
    // Ours comes first even though the other group is the only one stalled.
    expect(frame.indexOf('tollstream-sink')).toBeLessThan(frame.indexOf('analytics'));
    r.unmount();
  });

  test('a long topic name is cut, never the partition number', async () => {
    const store = fakeStore(
      lag([groupLag({ partitions: [partitionLag({ topic: 'ui.passages_mww8y38k_c6e1f2', partition: 2 })] })]),
    );
    const r = renderAt(
      <LagPane
        snapshot={store.getSnapshot()}
        state={initialLagState}
        focused={false}
        width={70}
        height={6}
      />,
      100,
    );
    await tick();
    expect(r.lastFrame()).toMatch(/ {2}ui\.passages_\w+…\[2\]\s+1200/);
    r.unmount();
  });

  test('a commit past the end of a recreated topic keeps its offset, lag 0, and says "past end"', async () => {
    const store = fakeStore(
      lag([
        groupLag({
          partitions: [
            partitionLag({
              partition: 0,
              highWatermark: '5',
              committed: '30',
              lag: 0,
              timeLagMs: null,
              etaMs: 0,
            }),
            partitionLag({
              partition: 1,
              highWatermark: '5',
              committed: '5',
              lag: 0,
              timeLagMs: null,
              etaMs: 0,
            }),
          ],
        }),
      ]),
    );
    const r = renderAt(
      <LagPane
        snapshot={store.getSnapshot()}
        state={initialLagState}
        focused={false}
        width={100}
        height={8}
      />,
      100,
    );
    await tick();
    expect(r.lastFrame()).toMatch(/toll\.passages\[0\]\s+5\s+30\s+0\s+past end\s+→\s+OK/);
    expect(r.lastFrame()).toMatch(/toll\.passages\[1\]\s+5\s+5\s+0\s+—\s+→\s+OK/);
    r.unmount();
  });

  test('a per-group sparkline of the lag history', async () => {
    const store = fakeStore(lag([groupLag({ history: [0, 0, 10, 100, 50] })]));
    const r = renderAt(
      <LagPane
        snapshot={store.getSnapshot()}
        state={initialLagState}
        focused={false}
        width={100}
        height={6}
      />,
      100,
    );
    await tick();
    expect(r.lastFrame()).toContain('▁▁▂█▅');
    r.unmount();
  });

  test('says it is waiting before the first sample', async () => {
    const r = renderAt(
      <LagPane snapshot={emptyLagSnapshot()} state={initialLagState} focused={false} width={80} height={6} />,
      100,
    );
    await tick();
    expect(r.lastFrame()).toContain('waiting for the first lag sample');
    r.unmount();
  });

  test('o sorts by lag; the sort is shown in the title', async () => {
    const w = fakeWorld();
    w.lag.set(
      lag([
        groupLag({
          partitions: [partitionLag({ partition: 0, lag: 1 }), partitionLag({ partition: 1, lag: 999 })],
        }),
      ]),
    );
    const r = renderApp(w.services);
    await tick();
    await press(r, '2');
    // Problems first by default; equal status, the bigger lag first.
    let frame = r.lastFrame()!;
    expect(frame).toContain('by status');
    expect(frame.indexOf('toll.passages[1]')).toBeLessThan(frame.indexOf('toll.passages[0]'));
    await press(r, 'o', 'o', 'o');
    frame = r.lastFrame()!;
    expect(frame).toContain('by partition');
    expect(frame.indexOf('toll.passages[0]')).toBeLessThan(frame.indexOf('toll.passages[1]'));
    r.unmount();
  });

  test('long lists are windowed and scroll', async () => {
    const partitions = Array.from({ length: 30 }, (_, i) => partitionLag({ partition: i }));
    const store = fakeStore(lag([groupLag({ partitions })]));
    const r = renderAt(
      <LagPane
        snapshot={store.getSnapshot()}
        state={{ sort: 'partition', scroll: 20 }}
        focused
        width={100}
        height={8}
      />,
      100,
    );
    await tick();
    const frame = r.lastFrame()!;
    expect(frame).not.toContain('toll.passages[0]');
    expect(frame).toContain('toll.passages[19]');
    expect(frame).toContain('25/31');
    r.unmount();
  });
});
