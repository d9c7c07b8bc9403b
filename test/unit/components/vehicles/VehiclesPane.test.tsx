import { describe, expect, test } from 'vitest';
import { initialVehiclesState } from '../../../../components/vehicles/state.ts';
import { VehiclesPane } from '../../../../components/vehicles/VehiclesPane.tsx';
import { fakeStore, fakeWorld, passage, press, renderApp, renderAt, sink, tick } from '../fakes.ts';

const recent = (from: number, n: number) => Array.from({ length: n }, (_, i) => passage(from + i));

describe('VehiclesPane', () => {
  test('newest persisted passages: time, plaza, lane, type, vehicle id, amount', async () => {
    const store = fakeStore(
      sink({
        recent: [
          passage(1, {
            plazaId: 4007,
            lane: 3,
            vehicleType: 'truck',
            vehicleId: '125094',
            amountCents: 1250,
            passedAtMs: Date.UTC(2021, 7, 19, 21, 54, 38),
          }),
          passage(0, { amountCents: undefined, lane: undefined }),
        ],
      }),
    );
    const r = renderAt(
      <VehiclesPane
        sink={store.getSnapshot()}
        state={initialVehiclesState}
        tz="UTC"
        focused={false}
        width={70}
        height={8}
      />,
      100,
    );
    await tick();
    const frame = r.lastFrame()!;
    expect(frame).toMatch(/time\s+plaza\s+lane\s+type\s+vehicle\s+amount/);
    expect(frame).toMatch(/21:54:38\s+4007\s+3\s+truck\s+125094\s+12\.50 USD/);
    expect(frame).toMatch(/4000\s+—\s+car\s+V100000\s+—/);
    expect(frame).toContain('LIVE');
    r.unmount();
  });

  test('p pauses the tail (new passages do not show) and p resumes it', async () => {
    const w = fakeWorld();
    w.sink.set(sink({ recent: recent(0, 5) }));
    const r = renderApp(w.services);
    await tick();
    await press(r, '3');
    await press(r, 'p');
    w.sink.set(sink({ recent: recent(0, 8) }));
    await tick();
    let frame = r.lastFrame()!;
    expect(frame).toContain('PAUSED');
    expect(frame).toContain('V100004');
    expect(frame).not.toContain('V100007');
    await press(r, 'p');
    frame = r.lastFrame()!;
    expect(frame).toContain('V100007');
    expect(frame).toContain('LIVE');
    r.unmount();
  });

  test('/ filters by vehicle type or plaza as you type; Esc clears', async () => {
    const w = fakeWorld();
    w.sink.set(sink({ recent: recent(0, 9) }));
    const r = renderApp(w.services);
    await tick();
    await press(r, '3');
    await press(r, '/');
    await press(r, 'truck');
    await press(r, '\r');
    let frame = r.lastFrame()!;
    expect(frame).toContain('filter "truck" (3 shown');
    expect(frame).toMatch(/4001\s+(\d\s+)?truck/);
    expect(frame).not.toMatch(/\scar\s/);
    expect(frame).not.toMatch(/\svan\s/);
    await press(r, '/');
    await press(r, ...Array<string>(5).fill('\x7f'), '4002');
    await press(r, '\r');
    frame = r.lastFrame()!;
    expect(frame).toMatch(/4002\s+(\d\s+)?van/);
    expect(frame).not.toMatch(/4001\s+(\d\s+)?truck/);
    await press(r, '\x1b');
    expect(r.lastFrame()).toMatch(/4001\s+(\d\s+)?truck/);
    r.unmount();
  });

  test('a filter that matches nothing says so', async () => {
    const store = fakeStore(sink({ recent: recent(0, 3) }));
    const r = renderAt(
      <VehiclesPane
        sink={store.getSnapshot()}
        state={{ ...initialVehiclesState, filter: 'bus' }}
        tz="UTC"
        focused
        width={70}
        height={8}
      />,
      100,
    );
    await tick();
    expect(r.lastFrame()).toContain('no recent passage matches "bus"');
    r.unmount();
  });
});
