import { describe, expect, test } from 'vitest';
import { MonitorApp } from '../../../../components/app/App.tsx';
import { fakeWorld, press, renderAt, tick } from '../fakes.ts';
import type { FakeWorld } from '../fakes.ts';

const size = { columns: 120, rows: 40 };
const saved = [
  { name: 'traffic-per-plaza', description: 'passages per plaza per hour', sql: 'SELECT 1', runnable: true },
  {
    name: 'vehicle-passages',
    description: 'one vehicle',
    sql: 'SELECT * FROM passages WHERE vehicle_id = :vehicle;',
    runnable: false,
  },
];

function app(w: FakeWorld) {
  return renderAt(<MonitorApp frameMs={0} services={w.services} size={size} theme={{ color: false }} />, 120);
}

const rows = (n: number) => Array.from({ length: n }, (_, i) => [String(4000 + i), String(i * 10)]);

describe('SqlPane', () => {
  test('a typed query runs on ";" + Enter and its rows show in a table with row count and time', async () => {
    const w = fakeWorld({ saved });
    const r = app(w);
    await press(r, ':', 'SELECT plaza_id, n', '\r', 'FROM t;');
    expect(r.lastFrame()).toMatch(/sql> SELECT plaza_id, n\s/);
    expect(r.lastFrame()).toMatch(/> FROM t;/);
    await press(r, '\r');
    expect(w.calls.sql).toEqual(['SELECT plaza_id, n\nFROM t;']);
    expect(w.calls.history).toEqual(['SELECT plaza_id, n\nFROM t;']);
    expect(r.lastFrame()).toContain('RUNNING');
    w.query.finish({
      kind: 'rows',
      columns: ['plaza_id', 'n'],
      numeric: [true, true],
      rows: rows(3),
      rowCount: 3,
      truncated: false,
      elapsedMs: 12,
    });
    await tick();
    const frame = r.lastFrame()!;
    expect(frame).toMatch(/OK 3 rows in 12ms/);
    // Numeric columns are right-aligned, headings included.
    expect(frame).toMatch(/│ plaza_id │ {2}n │/);
    expect(frame).toMatch(/│ {5}4002 │ 20 │/);
    expect(frame).toMatch(/│ {5}4000 │ {2}0 │/);
    r.unmount();
  });

  test('a refused statement shows the reason', async () => {
    const w = fakeWorld();
    const r = app(w);
    await press(r, ':', 'DELETE FROM passages;', '\r');
    w.query.finish({
      kind: 'refused',
      reason: 'read-only: DELETE is not allowed, only SELECT, SHOW, DESCRIBE and EXPLAIN',
    });
    await tick();
    expect(r.lastFrame()).toContain('REFUSED read-only: DELETE is not allowed');
    r.unmount();
  });

  test('results page with PgDn / PgUp', async () => {
    const w = fakeWorld();
    const r = app(w);
    await press(r, ':', 'SELECT * FROM t;', '\r');
    w.query.finish({
      kind: 'rows',
      columns: ['plaza_id', 'n'],
      rows: rows(30),
      rowCount: 30,
      truncated: false,
      elapsedMs: 5,
    });
    await tick();
    let frame = r.lastFrame()!;
    expect(frame).toMatch(/page 1\/4 PgUp\/PgDn/);
    expect(frame).toContain('│ 4000');
    await press(r, '\x1b[6~');
    frame = r.lastFrame()!;
    expect(frame).toContain('page 2/4');
    expect(frame).not.toContain('│ 4000');
    await press(r, '\x1b[5~');
    expect(r.lastFrame()).toContain('page 1/4');
    r.unmount();
  });

  test('Ctrl-C cancels a running query on the server', async () => {
    const w = fakeWorld();
    const r = app(w);
    await press(r, ':', 'SELECT SLEEP(100);', '\r', '\x03');
    expect(w.calls.cancelled).toBe(1);
    expect(w.calls.quit).toBe(0);
    expect(r.lastFrame()).toMatch(/CANCELLED after 1\.2s/);
    r.unmount();
  });

  test('F1 runs a saved query from any pane; a query with parameters is loaded for editing', async () => {
    const w = fakeWorld({ saved });
    const r = app(w);
    await tick();
    expect(r.lastFrame()).toContain('F1 traffic-per-plaza');
    await press(r, '\x1bOP');
    expect(w.calls.sql).toEqual(['saved:traffic-per-plaza']);
    expect(r.lastFrame()).toContain('RUNNING');
    w.query.finish({
      kind: 'rows',
      columns: ['plaza_id', 'n'],
      rows: rows(2),
      rowCount: 2,
      truncated: true,
      elapsedMs: 3,
    });
    await tick();
    expect(r.lastFrame()).toContain('OK 2 rows (truncated at the row cap)');
    await press(r, '\x1b', '\x1bOQ');
    expect(w.calls.sql).toHaveLength(1);
    expect(r.lastFrame()).toContain('sql> SELECT * FROM passages WHERE vehicle_id = :vehicle;');
    r.unmount();
  });

  test('↑ recalls history from earlier runs', async () => {
    const w = fakeWorld({ history: ['SELECT COUNT(*) FROM passages;'] });
    const r = app(w);
    await press(r, ':', '\x1b[A');
    expect(r.lastFrame()).toContain('sql> SELECT COUNT(*) FROM passages;');
    r.unmount();
  });

  test('q is text in the prompt; Esc leaves it and q then quits', async () => {
    const w = fakeWorld();
    const r = app(w);
    await press(r, ':', 'q');
    expect(r.lastFrame()).toContain('sql> q');
    expect(w.calls.quit).toBe(0);
    await press(r, '\x03', '\x1b', 'q');
    expect(w.calls.quit).toBe(1);
    r.unmount();
  });
});
