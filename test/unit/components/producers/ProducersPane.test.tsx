import { describe, expect, test } from 'vitest';
import { MonitorApp } from '../../../../components/app/App.tsx';
import { ProducersPane } from '../../../../components/producers/ProducersPane.tsx';
import { initialProducersState } from '../../../../components/producers/state.ts';
import { fakeStore, fakeWorld, press, producer, producers, renderAt, tick } from '../fakes.ts';

const size = { columns: 120, rows: 40 };

describe('ProducersPane', () => {
  test('a row per producer with state label, target and actual rate, sent and errors', async () => {
    const store = fakeStore(
      producers([
        producer({ acked: 12_345, failed: 3 }),
        producer({
          id: 'p2',
          name: 'tolldata-1',
          status: { kind: 'error', message: 'broker down', willRetry: true },
          pace: { kind: 'speed', factor: 60 },
        }),
      ]),
    );
    const r = renderAt(
      <ProducersPane
        snapshot={store.getSnapshot()}
        state={initialProducersState}
        focused={false}
        width={90}
        height={8}
      />,
      100,
    );
    await tick();
    const frame = r.lastFrame()!;
    expect(frame).toContain('1 Producers');
    expect(frame).toMatch(/simulator-1\s+simulator\s+RUNNING\s+200\/s\s+200\/s\s+12,345\s+3/);
    expect(frame).toMatch(/tolldata-1\s+simulator\s+RETRYING\s+60×/);
    expect(frame).toContain('1/2 running');
    r.unmount();
  });

  test('live updates from the engine reach the screen through the frame', async () => {
    const w = fakeWorld();
    const r = renderAt(
      <MonitorApp frameMs={0} services={w.services} size={size} theme={{ color: false }} />,
      120,
    );
    await tick();
    expect(r.lastFrame()).toMatch(/simulator-1.*RUNNING/);
    w.producers.set(producers([producer({ status: { kind: 'stopped' }, ratePerSec: 0 })]));
    await tick();
    expect(r.lastFrame()).toMatch(/simulator-1.*STOPPED/);
    r.unmount();
  });

  test('role consumer: no producers here, said in words', async () => {
    const r = renderAt(
      <ProducersPane snapshot={null} state={initialProducersState} focused={false} width={90} height={8} />,
      100,
    );
    await tick();
    expect(r.lastFrame()).toContain('this process runs no producers (--role consumer)');
    r.unmount();
  });

  test('keys drive the engine actions: select, space, s/S, +/-', async () => {
    const w = fakeWorld();
    const r = renderAt(
      <MonitorApp frameMs={0} services={w.services} size={size} theme={{ color: false }} />,
      120,
    );
    await tick();
    await press(r, ' ');
    await press(r, '\x1b[B');
    await press(r, ' ');
    await press(r, '+');
    await press(r, 's');
    await press(r, 'S');
    expect(w.calls.actions).toEqual([
      'stop:p1',
      'start:p2',
      'pace:p2:{"kind":"speed","factor":"max"}',
      'startAll',
      'stopAll',
    ]);
    r.unmount();
  });

  test('n adds a producer from a typed spec; a bad spec shows a clear error', async () => {
    const w = fakeWorld();
    const r = renderAt(
      <MonitorApp frameMs={0} services={w.services} size={size} theme={{ color: false }} />,
      120,
    );
    await tick();
    await press(r, 'n');
    expect(r.lastFrame()).toContain('add source:');
    await press(r, 'nonsense');
    await press(r, '\r');
    expect(r.lastFrame()).toContain('error: unknown source "nonsense"');
    expect(w.calls.actions).toEqual([]);
    // "q" is text while the input is open, not quit.
    await press(r, ...Array<string>(8).fill('\x7f'), 'simulator');
    await press(r, '\r');
    expect(w.calls.actions).toEqual(['add:simulator']);
    expect(w.calls.quit).toBe(0);
    const frame = r.lastFrame()!;
    expect(frame).toContain('added added-1');
    expect(frame).toMatch(/added-1/);
    r.unmount();
  });

  test("the engine's own refusal is shown in the input", async () => {
    const w = fakeWorld({ addError: 'tolldata: ./nowhere does not exist' });
    const r = renderAt(
      <MonitorApp frameMs={0} services={w.services} size={size} theme={{ color: false }} />,
      120,
    );
    await tick();
    await press(r, 'n');
    await press(r, 'tolldata:./nowhere');
    await press(r, '\r');
    expect(r.lastFrame()).toContain('error: tolldata: ./nowhere does not exist');
    r.unmount();
  });
});
