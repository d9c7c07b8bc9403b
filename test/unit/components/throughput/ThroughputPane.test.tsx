import { describe, expect, test } from 'vitest';
import { initialThroughputState } from '../../../../components/throughput/state.ts';
import { ThroughputPane } from '../../../../components/throughput/ThroughputPane.tsx';
import { fakeStore, fakeWorld, press, renderApp, renderAt, sink, tick } from '../fakes.ts';

const plazas = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    plazaId: 4000 + i,
    // Plaza 4000+i carries (i+1) passages per bucket, so the busiest is the last one.
    buckets: Array.from({ length: 30 }, () => i + 1),
    total: 1000 * (i + 1),
  }));

describe('ThroughputPane', () => {
  test('busiest plaza first, with its rate, total and a chart with scale labels', async () => {
    const store = fakeStore(sink({ bucketMs: 1000, throughput: plazas(3) }));
    const r = renderAt(
      <ThroughputPane
        sink={store.getSnapshot()}
        state={initialThroughputState}
        focused={false}
        width={60}
        height={14}
      />,
      100,
    );
    await tick();
    const frame = r.lastFrame()!;
    expect(frame.indexOf('plaza 4002')).toBeLessThan(frame.indexOf('plaza 4001'));
    expect(frame.indexOf('plaza 4001')).toBeLessThan(frame.indexOf('plaza 4000'));
    // 3 passages a second: 180 a minute, the pane's unit.
    expect(frame).toMatch(/180\/min/);
    expect(frame).toMatch(/Σ 3\.00k/);
    expect(frame).toMatch(/\s180┼─+/);
    expect(frame).toMatch(/\s0┤/);
    expect(frame).toContain('page 1/1');
    r.unmount();
  });

  test('pages through plazas with ] and [ when more exist than fit', async () => {
    const w = fakeWorld();
    w.sink.set(sink({ throughput: plazas(11) }));
    const r = renderApp(w.services);
    await press(r, '4');
    let frame = r.lastFrame()!;
    expect(frame).toMatch(/page 1\/3 \[ \]/);
    expect(frame).toContain('plaza 4010');
    expect(frame).not.toContain('plaza 4000 ');
    await press(r, ']', ']', ']');
    frame = r.lastFrame()!;
    expect(frame).toContain('page 3/3');
    expect(frame).toContain('plaza 4000');
    await press(r, '[');
    expect(r.lastFrame()).toContain('page 2/3');
    r.unmount();
  });

  test('says so before any plaza has traffic', async () => {
    const r = renderAt(
      <ThroughputPane sink={sink()} state={initialThroughputState} focused={false} width={60} height={8} />,
      100,
    );
    await tick();
    expect(r.lastFrame()).toContain('no plaza has persisted passages yet');
    r.unmount();
  });
});
