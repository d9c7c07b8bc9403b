import { describe, expect, test } from 'vitest';
import { MonitorApp } from '../../../../components/app/App.tsx';
import { KEYMAP } from '../../../../components/app/keymap.ts';
import {
  cluster,
  fakeWorld,
  frameWhere,
  groupLag,
  lag,
  partitionLag,
  press,
  producer,
  producers,
  renderApp,
  renderAt,
  sink,
  tick,
} from '../fakes.ts';

const ESC = '\x1b';

describe('MonitorApp', () => {
  test('? shows every key in the help overlay; Esc closes it', async () => {
    const w = fakeWorld();
    const r = renderApp(w.services);
    await press(r, '?');
    const frame = await frameWhere(r, (f) => f.includes('Keys (Esc'));
    for (const section of KEYMAP) {
      expect(frame).toContain(section.title);
      for (const k of section.keys) expect(frame).toContain(k.keys);
    }
    await press(r, ESC);
    const after = await frameWhere(r, (f) => !f.includes('Keys (Esc'));
    expect(after).not.toContain('Keys (Esc, ? or q closes)');
    expect(after).toContain('1 Producers');
    r.unmount();
  });

  test('the help overlay fits 80×24', async () => {
    const w = fakeWorld();
    const r = renderApp(w.services, 80, 24);
    await press(r, '?');
    const frame = await frameWhere(r, (f) => f.includes('Keys (Esc'));
    expect(frame.split('\n')).toHaveLength(23);
    for (const section of KEYMAP) expect(frame).toContain(section.title);
    expect(frame).toContain('Ctrl-C');
    r.unmount();
  });

  test('below 80×24 a clear "too small" screen, and back when the terminal grows', async () => {
    const w = fakeWorld();
    const r = renderAt(
      <MonitorApp
        frameMs={0}
        services={w.services}
        size={{ columns: 70, rows: 20 }}
        theme={{ color: false }}
      />,
      80,
    );
    await tick();
    expect(r.lastFrame()).toContain('terminal too small: have 70×20, need 80×24');
    r.rerender(
      <MonitorApp
        frameMs={0}
        services={w.services}
        size={{ columns: 80, rows: 24 }}
        theme={{ color: false }}
      />,
    );
    await tick();
    const frame = r.lastFrame()!;
    expect(frame).not.toContain('too small');
    expect(frame.split('\n')).toHaveLength(23);
    expect(frame.split('\n').every((l) => l.length <= 80)).toBe(true);
    await press(r, 'q');
    expect(w.calls.quit).toBe(1);
    r.unmount();
  });

  test('resizing between sizes keeps every line within the width and the frame one row short', async () => {
    const w = fakeWorld();
    let r = renderApp(w.services);
    for (const [columns, rows] of [
      [120, 40],
      [80, 24],
      [100, 30],
      [120, 40],
    ] as const) {
      r.unmount();
      r = renderApp(w.services, columns, rows);
      await tick();
      const lines = r.lastFrame()!.split('\n');
      expect(lines).toHaveLength(rows - 1);
      expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(columns);
      expect(lines.at(-1)).toContain('? help');
    }
    r.unmount();
  });

  test('header: text labels for ZooKeeper, brokers and MySQL; totals and rates', async () => {
    const w = fakeWorld();
    w.cluster.set(
      cluster({
        zookeeper: { reachable: true, mode: 'leader', latencyMs: 3 },
        brokers: { up: 2, total: 3, controller: 1 },
        mysql: { reachable: false, error: 'ECONNREFUSED' },
      }),
    );
    w.producers.set(producers([producer({ acked: 1_234_567, ratePerSec: 2000 })]));
    w.sink.set(
      sink({
        persisted: 1_234_000,
        ratePerSec: 1990,
        deadLettered: 7,
        latency: { p50Ms: 20, p99Ms: 45, maxMs: 80, count: 9 },
      }),
    );
    w.lag.set(lag([groupLag({ totalLag: 567 })]));
    const r = renderApp(w.services);
    await tick();
    const [line1, line2] = r.lastFrame()!.split('\n');
    expect(line1).toMatch(
      /ZooKeeper OK leader 3ms │ Brokers DEGRADED 2\/3 up, controller 1 │ MySQL DOWN ECONNREFUSED │ up 00:00:0\d/,
    );
    expect(line2).toMatch(
      /produced 1,234,567 2\.00k\/s │ persisted 1,234,000 1\.99k\/s │ dead-lettered 7 0\/s │ lag 567 │ latency p99 45ms/,
    );
    r.unmount();
  });

  test('header names the cause when MySQL refuses the sink for good, and only then', async () => {
    const w = fakeWorld();
    const denied = "MySQL refuses the sink's writes: INSERT command denied to user 'ts'@'localhost'";
    w.sink.set(
      sink({
        persisted: 42,
        status: { kind: 'error', message: denied, willRetry: true, retryInMs: 30_000, permanent: true },
      }),
    );
    const r = renderApp(w.services, 200);
    await tick();
    expect(r.lastFrame()!.split('\n')[1]).toMatch(
      /persisted 42 .* │ SINK ERROR MySQL refuses the sink's writes: INSERT command denied to user 'ts'@'localhost'/,
    );
    w.sink.set(
      sink({ persisted: 42, status: { kind: 'error', message: 'connect ECONNREFUSED', willRetry: true } }),
    );
    await tick();
    expect(r.lastFrame()!.split('\n')[1]).not.toMatch(/SINK ERROR/);
    expect(r.lastFrame()!.split('\n')[1]).toMatch(/dead-lettered 0/);
    r.unmount();
  });

  test('header before the first cluster check says CHECKING, not OK or DOWN', async () => {
    const w = fakeWorld();
    w.cluster.set(cluster({ checkedAt: null, zookeeper: { reachable: false } }));
    const r = renderApp(w.services);
    await tick();
    expect(r.lastFrame()!.split('\n')[0]).toMatch(/ZooKeeper CHECKING.*Brokers CHECKING.*MySQL CHECKING/);
    r.unmount();
  });

  test('footer: an alert for a STOP partition, else the newest warning, never printed over the UI', async () => {
    const w = fakeWorld();
    w.logs.set([
      { at: Date.now(), level: 'warn', namespace: 'kafka', message: 'Connection error: ECONNREFUSED' },
    ]);
    const r = renderApp(w.services);
    await tick();
    expect(r.lastFrame()!.split('\n').at(-1)).toMatch(
      /^WARN \d\d:\d\d:\d\d \[kafka\] Connection error: ECONNREFUSED/,
    );
    w.lag.set(lag([groupLag({ partitions: [partitionLag({ partition: 2, status: 'STOP' })] })]));
    await tick();
    expect(r.lastFrame()!.split('\n').at(-1)).toMatch(
      /^ALERT lag STOP: group tollstream-sink toll\.passages\[2\] STOP/,
    );
    await press(r, 'l');
    expect(r.lastFrame()).toMatch(/WARN\s+\[kafka\] Connection error: ECONNREFUSED/);
    r.unmount();
  });

  test('while stopping, the footer says what is happening', async () => {
    const w = fakeWorld();
    const r = renderApp(w.services);
    await press(r, 'q');
    w.lifecycle.set({ phase: 'stopping', detail: 'flushing producers…' });
    await tick();
    expect(r.lastFrame()!.split('\n').at(-1)).toMatch(/^STOPPING flushing producers…/);
    r.unmount();
  });

  test('role consumer: the producers pane says none run here instead of failing', async () => {
    const w = fakeWorld();
    const r = renderAt(
      <MonitorApp
        services={{ ...w.services, producers: null }}
        size={{ columns: 120, rows: 40 }}
        theme={{ color: false }}
      />,
      120,
    );
    await press(r, 's', ' ');
    expect(r.lastFrame()).toContain('this process runs no producers (--role consumer)');
    expect(w.calls.actions).toEqual([]);
    r.unmount();
  });
});
