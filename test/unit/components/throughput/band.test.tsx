import { describe, expect, test } from 'vitest';
import { bandLine, bandMark, baselinesFor, rateLine } from '../../../../components/throughput/band.ts';
import { initialThroughputState } from '../../../../components/throughput/state.ts';
import { ThroughputPane } from '../../../../components/throughput/ThroughputPane.tsx';
import { emptyBaselineSnapshot } from '../../../../components/throughput/types.ts';
import type { BaselineSnapshot, PlazaBaseline } from '../../../../components/throughput/types.ts';
import { fakeStore, fakeWorld, frameWhere, renderApp, renderAt, sink, tick } from '../fakes.ts';

const HOUR = Date.UTC(2026, 11, 1, 8); // a Tuesday, 08:00 UTC: hour of week 32
const BUCKET_MS = 5000;

/** 60 five-second buckets (the last one still filling) of `perMinute` passages a minute. */
function steady(plazaId: number, perMinute: number) {
  const perBucket = (perMinute * BUCKET_MS) / 60_000;
  return { plazaId, buckets: Array.from({ length: 60 }, () => perBucket), total: perMinute * 5 };
}

function baseline(plazaId: number, perMinute: number, factor = 2): PlazaBaseline {
  return { plazaId, perMinute, low: perMinute / factor, high: perMinute * factor, weeks: 8 };
}

function snapshot(plazas: PlazaBaseline[], over: Partial<BaselineSnapshot> = {}): BaselineSnapshot {
  return {
    ...emptyBaselineSnapshot(2, 8, { kind: 'running' }),
    readAt: HOUR + 1000,
    hourStartMs: HOUR,
    hourOfWeek: 32,
    plazas,
    ...over,
  };
}

// Plaza 4001 runs at 3× its usual rate, 4002 at a third of it, 4003 within the band, 4004 has no history.
const TRAFFIC = [steady(4001, 600), steady(4002, 120), steady(4003, 240), steady(4004, 60)];
const BASELINES = [baseline(4001, 200), baseline(4002, 360), baseline(4003, 200)];

/** The label column beside each plaza's chart, by plaza: the lines under "plaza <id>". */
function labelsOf(frame: string, plazaId: number, lines: number): string[] {
  const rows = frame.split('\n');
  const at = rows.findIndex((r) => r.includes(`plaza ${plazaId}`));
  if (at === -1) return [];
  const column = rows[at]!.indexOf(`plaza ${plazaId}`);
  return rows.slice(at, at + lines).map((r) => r.slice(column, column + 12).trimEnd());
}

describe('expected band', () => {
  test('the rate is marked only outside [baseline / factor, baseline × factor]', () => {
    const b = baseline(4001, 200);
    expect([bandMark(100, b), bandMark(99.9, b), bandMark(400, b), bandMark(400.1, b)]).toEqual([
      'within',
      'below',
      'within',
      'above',
    ]);
    expect(rateLine(612, b)).toEqual({ text: '612/min ▲', tone: 'warn' });
    expect(rateLine(12, b)).toEqual({ text: '12/min ▼', tone: 'warn' });
    expect(rateLine(250, b)).toEqual({ text: '250/min' });
    expect(rateLine(612, undefined)).toEqual({ text: '612/min' });
  });

  test('a band of another hour is not shown; why there is none is', () => {
    const s = snapshot([baseline(4001, 1500)]);
    expect(baselinesFor(s, HOUR + 3_600_000)).toBeNull();
    const hour = baselinesFor(s, HOUR);
    expect(bandLine(s, hour, 4001).text).toBe('750–3.00k');
    expect(bandLine(s, hour, 4002).text).toBe('no baseline');
    expect(bandLine(s, null, 4001).text).toBe('baseline…');
    const failed = { ...s, status: { kind: 'error' as const, message: 'down', retryInMs: 5000 } };
    expect(bandLine(failed, null, 4001).text).toBe('baseline ?');
  });
});

describe('ThroughputPane with baselines', () => {
  test('each plaza: live rate per minute, marked outside its band, the band, the total', async () => {
    const node = (
      <ThroughputPane
        sink={sink({ bucketMs: BUCKET_MS, throughput: TRAFFIC })}
        baselines={snapshot(BASELINES)}
        hourStartMs={HOUR}
        state={initialThroughputState}
        focused={false}
        width={60}
        height={18}
      />
    );
    const r = renderAt(node, 100);
    await tick();
    const frame = r.lastFrame()!;
    expect(labelsOf(frame, 4001, 4)).toEqual(['plaza 4001', '600/min ▲', '100–400', 'Σ 3.00k']);
    expect(labelsOf(frame, 4002, 4)).toEqual(['plaza 4002', '120/min ▼', '180–720', 'Σ 600']);
    expect(labelsOf(frame, 4003, 4)).toEqual(['plaza 4003', '240/min', '100–400', 'Σ 1.20k']);
    expect(labelsOf(frame, 4004, 4)).toEqual(['plaza 4004', '60/min', 'no baseline', 'Σ 300']);
    r.unmount();
  });

  test('until the hour on screen has been read the band says so, and no rate is marked', async () => {
    const props = {
      sink: sink({ bucketMs: BUCKET_MS, throughput: [steady(4001, 600)] }),
      state: initialThroughputState,
      focused: false,
      width: 60,
      height: 8,
    };
    const r = renderAt(
      <ThroughputPane {...props} baselines={snapshot(BASELINES)} hourStartMs={HOUR + 3_600_000} />,
      100,
    );
    await tick();
    expect(labelsOf(r.lastFrame()!, 4001, 3)).toEqual(['plaza 4001', '600/min', 'baseline…']);
    const failed = snapshot(BASELINES, { status: { kind: 'error', message: 'down', retryInMs: 5000 } });
    r.rerender(<ThroughputPane {...props} baselines={failed} hourStartMs={HOUR + 3_600_000} />);
    await tick();
    expect(labelsOf(r.lastFrame()!, 4001, 3)).toEqual(['plaza 4001', '600/min', 'baseline ?']);
    // Without a baselines feed the pane is as it was: rate and total.
    r.rerender(<ThroughputPane {...props} baselines={null} hourStartMs={HOUR} />);
    await tick();
    expect(labelsOf(r.lastFrame()!, 4001, 3)).toEqual(['plaza 4001', '600/min', 'Σ 3.00k']);
    r.unmount();
  });

  test('a wide pane names the unit and the band factor in its title', async () => {
    const r = renderAt(
      <ThroughputPane
        sink={sink({ bucketMs: BUCKET_MS, throughput: TRAFFIC })}
        baselines={snapshot(BASELINES, { factor: 2.5 })}
        hourStartMs={HOUR}
        state={initialThroughputState}
        focused={false}
        width={80}
        height={10}
      />,
      100,
    );
    await tick();
    expect(r.lastFrame()!.split('\n')[0]).toMatch(
      /^╭─ 4 Plaza throughput ─+ passages\/min per 5\.0s · band ÷×2\.5 · page 1\/2 \[ \] ─╮$/,
    );
    r.unmount();
  });

  test('in the monitor at 80×24 the band fits beside each chart and every line keeps its borders', async () => {
    const w = fakeWorld();
    const now = Date.now();
    const hour = Math.floor(now / 3_600_000) * 3_600_000;
    w.sink.set(sink({ bucketMs: BUCKET_MS, throughput: TRAFFIC }));
    w.services.baselines = { store: fakeStore(snapshot(BASELINES, { hourStartMs: hour })) };
    const r = renderApp(w.services, 80, 24);
    const frame = await frameWhere(r, (f) => f.includes('plaza 4001'));
    const lines = frame.split('\n');
    expect(lines).toHaveLength(23);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(80);
    // The throughput pane is the right half of rows 10-19: two plazas of three lines, each row boxed.
    const pane = lines.slice(9, 19).map((l) => l.slice(44));
    expect(pane[0]).toMatch(/^╭─ 4 Plaza throughput ─+╮$/);
    for (const l of pane.slice(1, -1)) expect(l).toMatch(/^│ .{32} │$/);
    expect(pane.at(-1)).toMatch(/^╰─+╯$/);
    expect(labelsOf(frame, 4001, 3)).toEqual(['plaza 4001', '600/min ▲', '100–400']);
    expect(labelsOf(frame, 4003, 3)).toEqual(['plaza 4003', '240/min', '100–400']);
    expect(frame).not.toContain('plaza 4002');
    r.unmount();
  });
});
