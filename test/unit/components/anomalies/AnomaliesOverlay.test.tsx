import { describe, expect, test } from 'vitest';
import { emptyAnomaliesSnapshot } from '../../../../components/anomalies/types.ts';
import { fakeWorld, frameWhere, press, renderApp } from '../fakes.ts';
import { anomaliesService, finding, sampleFindings, snapshot } from './fixtures.ts';

const ESC = '\x1b';
const DOWN = '\x1b[B';
const UP = '\x1b[A';
const ENTER = '\r';

function world(s = snapshot(), alerts?: { unpaidPerMinute: number; shortPaymentsPerMinute: number }) {
  const w = fakeWorld();
  const anomalies = anomaliesService(s, alerts);
  return { w, anomalies, services: { ...w.services, anomalies } };
}

const isOpen = (f: string): boolean => f.includes('Anomalies, ');

describe('anomalies view', () => {
  test('a opens it at 80×24: the hour per rule with a per-minute sparkline, then the newest findings', async () => {
    const { services } = world();
    const r = renderApp(services, 80, 24);
    await press(r, 'a');
    const frame = await frameWhere(r, isOpen);
    const lines = frame.split('\n');
    expect(lines).toHaveLength(23);
    expect(lines.every((l) => l.length <= 80)).toBe(true);
    expect(lines.at(-1)).toContain('? help');
    expect(frame).toContain('Anomalies, 404 in the hour');
    // 56 of the hour's 60 minutes fit beside the counts at 80 columns; the header says which.
    expect(frame).toMatch(/rule +hour per minute, 2021-08-19 20:59-21:55 UTC/);
    expect(frame).toMatch(/║ surge {13}1 ▁{31}█▁{24} ║/);
    expect(frame).toMatch(/║ unpaid {10}294 [▁-█]{56} ║/);
    expect(frame).toMatch(/║ impossible-t… {4}23 /);
    expect(frame).toMatch(/observed rule +plaza vehicle +amount what/);
    expect(frame).toMatch(/21:30:00 surge +4003 — +— 312 vs 130 expected \(×2\.4\)/);
    expect(frame).toMatch(/21:53:12 unpaid +4001 V100101 +4\.50 no payment/);
    expect(frame).toMatch(/21:52:40 short-payment +4002 O'Brien-7 +1\.50 paid 3\.00 of 4\.50/);
    expect(frame).toMatch(/21:50:30 impossible-t… +4005 V100088 +— 412\.3 km\/h, max 200/);
    // Eight findings fit; the newest is selected and the detail line says what Enter loads.
    expect(frame).toContain('21:40:58 unpaid');
    expect(frame).not.toContain('21:40:57');
    expect(frame).toContain('▸ Enter → plaza 4003 passages per minute 20:30-22:30 UTC · p → findings at');
    r.unmount();
  });

  test('↓ ↑ select; the list scrolls with the selection; the selection follows its finding as new ones arrive', async () => {
    const { services, anomalies } = world();
    const r = renderApp(services, 80, 24);
    await press(r, 'a', DOWN);
    expect(await frameWhere(r, (f) => f.includes('Enter → passages of V100101'))).toContain(
      '▸ Enter → passages of V100101 20:53-22:53 UTC · p → findings at plaza 4001',
    );
    // A newer finding arrives at the top: V100101 stays selected, not whatever is second now.
    const s = anomalies.store.getSnapshot();
    anomalies.store.set({
      ...s,
      newest: [finding({ anomalyId: 'unpaid:new', rule: 'unpaid', vehicleId: 'V999' }), ...s.newest],
    });
    expect(await frameWhere(r, (f) => f.includes('V999'))).toContain('Enter → passages of V100101');
    await press(r, DOWN, DOWN, DOWN, DOWN, DOWN, DOWN, DOWN, DOWN);
    // Eight rows down from the third: the eleventh finding, the list scrolled to show it last.
    const scrolled = await frameWhere(r, (f) => f.includes('Enter → passages of V100047'));
    expect(scrolled).toContain('▸ Enter → passages of V100047 20:40-22:40 UTC');
    expect(scrolled).not.toContain('V999');
    const rows = scrolled.split('\n').filter((l) => /^║ \d\d:\d\d:\d\d /.test(l));
    expect(rows).toHaveLength(8);
    expect(rows[0]).toContain('21:52:40 short-payment');
    expect(rows[7]).toMatch(/21:40:56 unpaid +4001 V100047/);
    await press(r, UP);
    expect(await frameWhere(r, (f) => f.includes('Enter → passages of V100048'))).toContain(
      'Enter → passages of V100048',
    );
    r.unmount();
  });

  test("Enter loads the vehicle's passages into the SQL prompt, and Enter there runs exactly that", async () => {
    const { w, services } = world();
    const r = renderApp(services, 80, 24);
    await press(r, 'a', DOWN, DOWN, ENTER);
    const loaded = await frameWhere(r, (f) => f.includes("'O''Brien-7'"));
    expect(loaded).not.toContain('Anomalies, ');
    expect(loaded).toMatch(/▶5 SQL◀/);
    expect(loaded).toContain("WHERE p.vehicle_id = 'O''Brien-7'");
    expect(w.calls.sql).toEqual([]);
    await press(r, ENTER);
    const expected = sampleFindings()[2]!.query!.sql;
    expect(w.calls.sql).toEqual([expected]);
    expect(expected)
      .toBe(`SELECT p.passed_at, p.plaza_id, p.lane, p.vehicle_type, pay.method, pay.amount_cents, p.event_id
FROM passages p LEFT JOIN payments pay ON pay.event_id = p.event_id
WHERE p.vehicle_id = 'O''Brien-7'
AND p.passed_at BETWEEN '2021-08-19 20:52:40' AND '2021-08-19 22:52:40'
ORDER BY p.passed_at, p.event_id;`);
    // Esc leaves the prompt for the pane that had focus before.
    await press(r, ESC, ESC);
    expect(await frameWhere(r, (f) => f.includes('▶1 Producers◀'))).toContain('▶1 Producers◀');
    r.unmount();
  });

  test("on a surge Enter loads the plaza's traffic from the rollup; p loads the plaza's findings", async () => {
    const { w, services } = world();
    const r = renderApp(services, 120, 40);
    await press(r, 'a', ENTER);
    await frameWhere(r, (f) => f.includes('FROM traffic_minute'));
    await press(r, ENTER);
    expect(w.calls.sql[0]).toContain(
      "FROM traffic_minute WHERE plaza_id = 4003\nAND bucket BETWEEN '2021-08-19 20:30:00' AND '2021-08-19 22:30:00'",
    );
    w.query.finish({ kind: 'rows', columns: [], rows: [], rowCount: 0, truncated: false, elapsedMs: 1 });
    // Esc closes the result, Esc again leaves the prompt; then the view again.
    await press(r, ESC, ESC, 'a', DOWN, 'p');
    await frameWhere(r, (f) => f.includes('FROM anomalies'));
    await press(r, ENTER);
    expect(w.calls.sql[1]).toBe(sampleFindings()[1]!.plazaQuery!.sql);
    expect(w.calls.sql[1]).toContain(
      "FROM anomalies WHERE plaza_id = 4001\nAND observed_at BETWEEN '2021-08-19 20:53:12' AND '2021-08-19 22:53:12'",
    );
    r.unmount();
  });

  test('Esc, a and q close it (q does not quit); ? switches to the help', async () => {
    const { w, services } = world();
    const r = renderApp(services, 80, 24);
    for (const close of [ESC, 'a', 'q']) {
      await press(r, 'a');
      await frameWhere(r, isOpen);
      await press(r, close);
      expect(await frameWhere(r, (f) => !isOpen(f))).toContain('1 Producers');
    }
    expect(w.calls.quit).toBe(0);
    await press(r, 'a', '?');
    expect(await frameWhere(r, (f) => f.includes('Keys (Esc'))).toContain('a Anomalies');
    r.unmount();
  });

  test('an empty table, an unreadable one, and a monitor that reads none say so', async () => {
    const { services, anomalies } = world(emptyAnomaliesSnapshot({ kind: 'running' }));
    const r = renderApp(services, 120, 40);
    await press(r, 'a');
    expect(await frameWhere(r, (f) => f.includes('no findings yet'))).toMatch(
      /no findings yet: the detector writes them to the anomalies table/,
    );
    // Enter with nothing to load does nothing.
    await press(r, ENTER);
    expect(r.lastFrame()).toContain('Anomalies');
    anomalies.store.set({
      ...snapshot(),
      readAt: Date.now() - 12_000,
      status: { kind: 'error', message: 'connect ECONNREFUSED 127.0.0.1:3306', retryInMs: 8000 },
    });
    expect(await frameWhere(r, (f) => f.includes('cannot read'))).toMatch(
      /cannot read anomalies \(data 1\ds old, retrying\): connect ECONNREFUSED 127\.0\.0\.1:3306/,
    );
    r.unmount();

    const w = fakeWorld();
    const none = renderApp(w.services, 80, 24);
    await press(none, 'a');
    expect(await frameWhere(none, (f) => f.includes('reads no anomalies'))).toContain(
      'this monitor reads no anomalies',
    );
    none.unmount();
  });
});

describe('footer alerts from anomalies found since the monitor started', () => {
  const footer = (f: string): string => f.split('\n').at(-1)!;

  test('a new surge, and unpaid passages at the threshold, show in the footer', async () => {
    const surge = finding({
      anomalyId: 'surge:4003:x',
      rule: 'surge',
      expected: 130,
      observed: 312,
      detectedAtMs: Date.now() - 60_000,
    });
    const { services, anomalies } = world(
      snapshot({
        surges: [surge],
        recent: [{ rule: 'unpaid', findings: 9, amountCents: 4050 }],
      }),
    );
    const r = renderApp(services, 160, 40);
    expect(footer(await frameWhere(r, (f) => footer(f).includes('ALERT')))).toMatch(
      /^ALERT surge at plaza 4003 ×2\.4: 312 passages, 130 expected/,
    );
    expect(footer(r.lastFrame()!)).not.toContain('unpaid');
    anomalies.store.set({
      ...anomalies.store.getSnapshot(),
      recent: [
        { rule: 'unpaid', findings: 10, amountCents: 4500 },
        { rule: 'short-payment', findings: 4, amountCents: 600 },
      ],
    });
    expect(footer(await frameWhere(r, (f) => f.includes('unpaid passages')))).toMatch(
      /^ALERT surge at plaza 4003 ×2\.4: .* · 10 unpaid passages in the last minute \(45\.00 owed\)/,
    );
    expect(footer(r.lastFrame()!)).not.toContain('short payments');
    r.unmount();
  });

  test('no alerts for surges found long ago, or thresholds set to 0', async () => {
    const old = finding({ anomalyId: 'surge:old', rule: 'surge', detectedAtMs: Date.now() - 16 * 60_000 });
    const { services } = world(
      snapshot({
        surges: [old],
        recent: [
          { rule: 'unpaid', findings: 500, amountCents: 0 },
          { rule: 'short-payment', findings: 500, amountCents: 0 },
        ],
      }),
      { unpaidPerMinute: 0, shortPaymentsPerMinute: 0 },
    );
    const r = renderApp(services, 120, 40);
    await frameWhere(r, (f) => f.includes('1 Producers'));
    expect(footer(r.lastFrame()!)).toMatch(/^no alerts/);
    r.unmount();
  });
});
