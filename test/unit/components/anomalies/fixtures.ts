/** Findings and anomalies snapshots for component tests, with the queries the feed would attach. */
import { findingQuery, plazaQuery } from '../../../../src/query/findings.ts';
import {
  emptyAnomaliesSnapshot,
  RULE_ORDER,
  WINDOW_MINUTES,
} from '../../../../components/anomalies/types.ts';
import type { AnomaliesSnapshot, Finding } from '../../../../components/anomalies/types.ts';
import { fakeStore } from '../fakes.ts';
import type { FakeStore } from '../fakes.ts';

/** 2021-08-19 21:54:00 UTC: the window below ends at 21:55. */
export const NEWEST_MS = Date.UTC(2021, 7, 19, 21, 54, 0);

export function finding(over: Partial<Finding> & Pick<Finding, 'anomalyId' | 'rule'>): Finding {
  const base = {
    plazaId: 4003,
    vehicleId: null,
    eventId: null,
    observedAtMs: NEWEST_MS,
    detectedAtMs: Date.now(),
    amountCents: null,
    expected: null,
    observed: null,
    ...over,
  };
  return { ...base, query: findingQuery(base), plazaQuery: plazaQuery(base), ...over };
}

/** One of each rule, newest (most recently detected) first. */
export function sampleFindings(): Finding[] {
  return [
    finding({
      anomalyId: 'surge:4003:2021-08-19T21:30Z',
      rule: 'surge',
      observedAtMs: Date.UTC(2021, 7, 19, 21, 30),
      expected: 130,
      observed: 312,
    }),
    finding({
      anomalyId: 'unpaid:e-101',
      rule: 'unpaid',
      plazaId: 4001,
      vehicleId: 'V100101',
      eventId: 'e-101',
      observedAtMs: Date.UTC(2021, 7, 19, 21, 53, 12),
      amountCents: 450,
    }),
    finding({
      anomalyId: 'short-payment:pay-77',
      rule: 'short-payment',
      plazaId: 4002,
      vehicleId: "O'Brien-7",
      eventId: 'e-77',
      observedAtMs: Date.UTC(2021, 7, 19, 21, 52, 40),
      amountCents: 150,
      expected: 450,
      observed: 300,
    }),
    finding({
      anomalyId: 'double-charge:e-90',
      rule: 'double-charge',
      plazaId: 4000,
      vehicleId: 'V100090',
      eventId: 'e-90',
      observedAtMs: Date.UTC(2021, 7, 19, 21, 51, 5),
      amountCents: 450,
    }),
    finding({
      anomalyId: 'impossible-travel:e-88',
      rule: 'impossible-travel',
      plazaId: 4005,
      vehicleId: 'V100088',
      eventId: 'e-88',
      observedAtMs: Date.UTC(2021, 7, 19, 21, 50, 30),
      expected: 200,
      observed: 412.3,
    }),
    finding({
      anomalyId: 'drop:4004:2021-08-19T21:15Z',
      rule: 'drop',
      plazaId: 4004,
      observedAtMs: Date.UTC(2021, 7, 19, 21, 15),
      expected: 90,
      observed: 0,
    }),
    ...Array.from({ length: 12 }, (_, i) =>
      finding({
        anomalyId: `unpaid:e-${50 - i}`,
        rule: 'unpaid',
        plazaId: 4001 + (i % 3),
        vehicleId: `V1000${50 - i}`,
        eventId: `e-${50 - i}`,
        observedAtMs: Date.UTC(2021, 7, 19, 21, 40, 59 - i),
        amountCents: 450,
      }),
    ),
  ];
}

export function snapshot(over: Partial<AnomaliesSnapshot> = {}): AnomaliesSnapshot {
  const endMs = NEWEST_MS + 60_000;
  const perMinute = (every: number, n = 1) =>
    Array.from({ length: WINDOW_MINUTES }, (_, i) => (i % every === 0 ? n + (i % 7) : 0));
  const counts: Record<string, number[]> = {
    surge: Array.from({ length: WINDOW_MINUTES }, (_, i) => (i === 35 ? 1 : 0)),
    drop: Array.from({ length: WINDOW_MINUTES }, (_, i) => (i === 20 ? 1 : 0)),
    unpaid: perMinute(1, 2),
    'short-payment': perMinute(4),
    'double-charge': perMinute(9),
    'impossible-travel': perMinute(13),
  };
  return {
    ...emptyAnomaliesSnapshot({ kind: 'running' }),
    readAt: Date.now(),
    window: { startMs: endMs - WINDOW_MINUTES * 60_000, endMs },
    rules: RULE_ORDER.map((rule) => {
      const m = counts[rule]!;
      return { rule, perMinute: m, total: m.reduce((s, x) => s + x, 0) };
    }),
    newest: sampleFindings(),
    ...over,
  };
}

export function anomaliesService(
  initial: AnomaliesSnapshot = snapshot(),
  alerts = { unpaidPerMinute: 10, shortPaymentsPerMinute: 5 },
): { store: FakeStore<AnomaliesSnapshot>; alerts: typeof alerts } {
  return { store: fakeStore(initial), alerts };
}
