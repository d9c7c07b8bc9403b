import { describe, expect, it } from 'vitest';
import { anomalyAlerts, deriveAlerts, SURGE_ALERT_MS } from '../../../../components/alerts/rules.ts';
import { describeFinding } from '../../../../components/anomalies/AnomaliesOverlay.tsx';
import { anomaliesKeys } from '../../../../components/anomalies/keys.ts';
import {
  anomaliesReducer,
  initialAnomaliesState,
  selectedFinding,
  selectedIndex,
} from '../../../../components/anomalies/state.ts';
import { routeKey } from '../../../../components/app/keys.ts';
import type { KeyContext } from '../../../../components/app/keys.ts';
import { initialMonitorState, monitorReducer } from '../../../../components/app/state.ts';
import type { MonitorState } from '../../../../components/app/state.ts';
import { decodeInput } from '../../../../components/keys/decode.ts';
import { lag } from '../fakes.ts';
import { finding, sampleFindings, snapshot } from './fixtures.ts';

const list = sampleFindings().slice(0, 5);
const key = (raw: string) => decodeInput(raw)[0]!;

describe('anomalies view state and keys', () => {
  it('↓ ↑ PgDn Home End move within the list, selecting by id', () => {
    let s = initialAnomaliesState;
    const move = (raw: string, page = 3) => {
      const r = anomaliesKeys(s, key(raw), list, page);
      for (const a of r?.actions ?? []) s = anomaliesReducer(s, a);
      return r;
    };
    move('\x1b[B');
    expect(s).toEqual({ selectedId: list[1]!.anomalyId, selectedIndex: 1 });
    move('j');
    move('\x1b[6~');
    expect(selectedIndex(s, list)).toBe(4);
    move('\x1b[A');
    expect(selectedFinding(s, list)).toBe(list[3]);
    move('\x1b[H');
    expect(selectedIndex(s, list)).toBe(0);
    move('\x1b[F');
    expect(selectedIndex(s, list)).toBe(4);
    expect(anomaliesKeys(s, key('x'), list, 3)).toBeNull();
    expect(anomaliesKeys(s, key('\x1b[B'), [], 3)).toEqual({ actions: [], effects: [] });
  });

  it('the selection follows its finding, and keeps its row when the finding has left the list', () => {
    const s = { selectedId: list[2]!.anomalyId, selectedIndex: 2 };
    const newer = [finding({ anomalyId: 'unpaid:n', rule: 'unpaid' }), ...list];
    expect(selectedIndex(s, newer)).toBe(3);
    expect(
      selectedIndex(
        s,
        list.filter((f) => f !== list[2]),
      ),
    ).toBe(2);
    expect(selectedIndex(s, list.slice(0, 1))).toBe(0);
  });

  it('Enter and p close the view, focus the prompt and load the query; nothing to load does nothing', () => {
    const ctx = { findings: list, findingsVisible: 8, now: 0, tooSmall: false } as unknown as KeyContext;
    let state: MonitorState = monitorReducer(initialMonitorState(), {
      type: 'overlay',
      overlay: 'anomalies',
    });
    const enter = routeKey(state, key('\r'), ctx);
    for (const a of enter.actions) state = monitorReducer(state, a);
    expect(state.overlay).toBe('none');
    expect(state.focus).toBe('sql');
    expect(state.sql.text).toBe(list[0]!.query!.sql);
    let p: MonitorState = { ...initialMonitorState(), overlay: 'anomalies' };
    for (const a of routeKey(p, key('p'), ctx).actions) p = monitorReducer(p, a);
    expect(p.sql.text).toBe(list[0]!.plazaQuery!.sql);
    const empty = routeKey({ ...initialMonitorState(), overlay: 'anomalies' }, key('\r'), {
      ...ctx,
      findings: [],
    });
    expect(empty).toEqual({ actions: [], effects: [] });
    // Global: a opens it, but not while a pane takes text.
    expect(routeKey(initialMonitorState(), key('a'), ctx).actions).toEqual([
      { type: 'overlay', overlay: 'anomalies' },
    ]);
    const typing = { ...initialMonitorState(), focus: 'sql' as const };
    expect(routeKey(typing, key('a'), ctx).actions).toEqual([
      { type: 'sql', action: { type: 'insert', text: 'a' } },
    ]);
  });

  it('describes each rule in its own words', () => {
    const all = sampleFindings();
    expect(all.slice(0, 6).map(describeFinding)).toEqual([
      '312 vs 130 expected (×2.4)',
      'no payment',
      'paid 3.00 of 4.50',
      'charged twice',
      '412.3 km/h, max 200',
      '0 vs 90 expected (×0.0)',
    ]);
    expect(describeFinding(finding({ anomalyId: 'unpaid:x', rule: 'unpaid' }))).toBe(
      'no payment, tariff unknown',
    );
    expect(describeFinding(finding({ anomalyId: 'new:x', rule: 'new', observed: 3, expected: 2 }))).toBe(
      'observed 3, expected 2',
    );
  });
});

describe('anomaly alerts', () => {
  const settings = { unpaidPerMinute: 10, shortPaymentsPerMinute: 5 };
  const now = 1_800_000_000_000;
  const surge = finding({
    anomalyId: 's1',
    rule: 'surge',
    plazaId: 4003,
    expected: 130,
    observed: 312,
    detectedAtMs: now - SURGE_ALERT_MS,
  });

  it('a surge for 15 minutes after it was found; unpaid and short payments from their thresholds', () => {
    const s = snapshot({
      surges: [surge, { ...surge, anomalyId: 's0', detectedAtMs: now - SURGE_ALERT_MS - 1 }],
      recent: [
        { rule: 'unpaid', findings: 10, amountCents: 0 },
        { rule: 'short-payment', findings: 5, amountCents: 750 },
      ],
    });
    expect(anomalyAlerts(s, settings, now)).toEqual([
      {
        key: 'surge:s1',
        severity: 'warn',
        text: 'surge at plaza 4003 ×2.4: 312 passages, 130 expected',
      },
      { key: 'unpaid', severity: 'warn', text: '10 unpaid passages in the last minute' },
      { key: 'short-payment', severity: 'warn', text: '5 short payments in the last minute (7.50 short)' },
    ]);
    const below = snapshot({
      recent: [
        { rule: 'unpaid', findings: 9, amountCents: 900 },
        { rule: 'short-payment', findings: 4, amountCents: 750 },
      ],
    });
    expect(anomalyAlerts(below, settings, now)).toEqual([]);
    expect(anomalyAlerts(s, { unpaidPerMinute: 0, shortPaymentsPerMinute: 0 }, now)).toHaveLength(1);
  });

  it('come after the pipeline alerts, and only when the monitor reads anomalies', () => {
    const s = snapshot({ surges: [surge] });
    expect(deriveAlerts(null, lag([]), [], now, { snapshot: s, settings }).map((a) => a.key)).toEqual([
      'surge:s1',
    ]);
    expect(deriveAlerts(null, lag([]), [], now, null)).toEqual([]);
    expect(deriveAlerts(null, lag([]), [], now, { snapshot: null, settings })).toEqual([]);
  });
});
