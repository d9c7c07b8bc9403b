import { describe, expect, test } from 'vitest';
import { routeKey } from '../../../../components/app/keys.ts';
import type { KeyContext } from '../../../../components/app/keys.ts';
import { computeLayout } from '../../../../components/app/layout.ts';
import { initialMonitorState, monitorReducer } from '../../../../components/app/state.ts';
import type { MonitorState } from '../../../../components/app/state.ts';
import { decodeInput } from '../../../../components/keys/decode.ts';

const ctx: KeyContext = {
  now: 0,
  tooSmall: false,
  producers: [],
  recent: [],
  lagLines: 0,
  lagVisible: 1,
  throughputPages: 1,
  sqlPages: 1,
  saved: [{ name: 'busiest', description: '', sql: 'SELECT 1', runnable: true }],
  hasQuery: true,
};

function run(state: MonitorState, keys: string, context = ctx) {
  let s = state;
  const effects: string[] = [];
  for (const k of decodeInput(keys)) {
    const r = routeKey(s, k, context);
    for (const a of r.actions) s = monitorReducer(s, a);
    effects.push(...r.effects.map((e) => e.kind));
  }
  return { state: s, effects };
}

describe('root key routing', () => {
  test('Tab cycles every pane, Shift-Tab goes back, number keys jump', () => {
    const s0 = initialMonitorState();
    const order: string[] = [];
    let s = s0;
    for (let i = 0; i < 5; i++) {
      s = run(s, '\t').state;
      order.push(s.focus);
    }
    expect(order).toEqual(['lag', 'vehicles', 'throughput', 'sql', 'producers']);
    expect(run(s0, '\x1b[Z').state.focus).toBe('sql');
    expect(run(s0, '4').state.focus).toBe('throughput');
    expect(run(s0, ':').state.focus).toBe('sql');
  });

  test('q quits once; keys after that are ignored', () => {
    const r = run(initialMonitorState(), 'qq');
    expect(r.effects).toEqual(['quit']);
    expect(r.state.quitting).toBe(true);
  });

  test('? opens help; while it is open other keys do nothing and Esc closes it', () => {
    let r = run(initialMonitorState(), '?');
    expect(r.state.overlay).toBe('help');
    r = run(r.state, 's4');
    expect(r.effects).toEqual([]);
    expect(r.state.focus).toBe('producers');
    expect(run(r.state, '\x1b').state.overlay).toBe('none');
  });

  test('in the SQL prompt letters are text, not commands; Esc goes back to the previous pane', () => {
    let r = run(initialMonitorState(), '2:q?s1');
    expect(r.effects).toEqual([]);
    expect(r.state.sql.text).toBe('q?s1');
    r = run(r.state, '\x1b');
    expect(r.state.focus).toBe('lag');
  });

  test('F1 runs the first saved query and focuses the prompt; unknown F-keys do nothing', () => {
    const r = run(initialMonitorState(), '\x1bOP');
    expect(r.effects).toEqual(['runSaved']);
    expect(r.state.focus).toBe('sql');
    expect(r.state.sql.running?.label).toBe('saved query busiest');
    expect(run(initialMonitorState(), '\x1b[24~').effects).toEqual([]);
  });

  test('on the too-small screen only quitting works', () => {
    const small = { ...ctx, tooSmall: true };
    expect(run(initialMonitorState(), '?2', small).state).toEqual(initialMonitorState());
    expect(run(initialMonitorState(), 'q', small).effects).toEqual(['quit']);
  });
});

describe('layout', () => {
  test('below 80×24 there is no layout, only the too-small screen', () => {
    expect(computeLayout(79, 40, 'producers').kind).toBe('tooSmall');
    expect(computeLayout(120, 23, 'producers').kind).toBe('tooSmall');
  });

  test('the panes fill exactly one row less than the terminal, at every size', () => {
    for (const [cols, rows] of [
      [80, 24],
      [120, 40],
      [200, 60],
    ] as const) {
      for (const focus of ['producers', 'sql'] as const) {
        const l = computeLayout(cols, rows, focus);
        if (l.kind !== 'full') throw new Error('expected a layout');
        expect(l.header + l.producers.height + l.lag.height + l.sql.height + l.footer).toBe(rows - 1);
        expect(l.vehicles.height + l.throughput.height).toBe(l.middle);
        expect(l.producers.width + l.vehicles.width).toBe(cols);
        expect(l.producers.height).toBeGreaterThanOrEqual(4);
      }
    }
  });

  test('the SQL prompt grows while focused', () => {
    const a = computeLayout(120, 40, 'producers');
    const b = computeLayout(120, 40, 'sql');
    if (a.kind !== 'full' || b.kind !== 'full') throw new Error('expected layouts');
    expect(a.sql.height).toBe(3);
    expect(b.sql.height).toBeGreaterThan(10);
  });
});
