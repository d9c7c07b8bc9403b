import { describe, expect, it } from 'vitest';
import { greatCircleKm } from '../../../src/domain/geo.ts';
import { hourOfWeek, isoMinute, judgeWindow, windowStartOf } from '../../../src/anomalies/rules/surge.ts';
import { unpaidFinding } from '../../../src/anomalies/rules/unpaid.ts';
import { judgePayment } from '../../../src/anomalies/rules/short-payment.ts';
import {
  doubleChargeFinding,
  isDoubleCharge,
  passageBefore,
} from '../../../src/anomalies/rules/double-charge.ts';
import { judgeTravel, travelHorizonMs } from '../../../src/anomalies/rules/impossible-travel.ts';
import { createRng } from '../../../src/sources/random.ts';
import { MIN, passage, payment, plaza, S, T0 } from './inputs.ts';

describe('windows and hours of the week', () => {
  it('numbers the hours of the week from Monday 00:00 UTC, as MySQL WEEKDAY() * 24 + HOUR() does', () => {
    expect(hourOfWeek(Date.UTC(2024, 0, 1, 0, 0))).toBe(0); // a Monday
    expect(hourOfWeek(Date.UTC(2024, 0, 7, 23, 59, 59, 999))).toBe(167); // the Sunday after
    expect(hourOfWeek(Date.UTC(2024, 0, 8, 0, 0))).toBe(0);
    expect(hourOfWeek(T0)).toBe(2 * 24 + 8); // Wednesday 08:00
    expect(hourOfWeek(0)).toBe(3 * 24); // 1970-01-01 was a Thursday
    expect(hourOfWeek(Date.UTC(1969, 11, 29, 5))).toBe(5); // before the epoch: Monday 05:00
    const rng = createRng(5);
    for (let i = 0; i < 1000; i++) {
      const ms = Math.floor(rng() * 4e12);
      const d = new Date(ms);
      expect(hourOfWeek(ms)).toBe(((d.getUTCDay() + 6) % 7) * 24 + d.getUTCHours());
    }
  });

  it('aligns windows to the minute grid in UTC and names their start to the minute', () => {
    const w = 15 * MIN;
    expect(windowStartOf(T0 + 14 * MIN + 59_999, w)).toBe(T0);
    expect(windowStartOf(T0 + 15 * MIN, w)).toBe(T0 + 15 * MIN);
    expect(windowStartOf(T0 - 1, w)).toBe(T0 - 15 * MIN);
    expect(isoMinute(T0 + 15 * MIN)).toBe('2026-12-02T08:15Z');
  });
});

describe('surge and drop', () => {
  const s = { windowMinutes: 15, factor: 2, minPassages: 30 };
  const on = { surge: true, drop: true };
  const judge = (observed: number, baselinePerMinute: number | undefined, over = {}, enabled = on) =>
    judgeWindow(
      { plazaId: 7, windowStartMs: T0 + 15 * MIN, observed, baselinePerMinute },
      { ...s, ...over },
      enabled,
    );

  it('a surge at exactly factor x expected, not one passage below', () => {
    const f = judge(60, 2); // expected 30
    expect(f).toEqual({
      anomalyId: 'surge:7:2026-12-02T08:15Z',
      rule: 'surge',
      plazaId: 7,
      vehicleId: null,
      eventId: null,
      relatedEventId: null,
      observedAtMs: T0 + 15 * MIN,
      amountCents: null,
      expected: 30,
      observed: 60,
      details: {
        windowStart: '2026-12-02T08:15Z',
        windowMinutes: 15,
        hourOfWeek: 56,
        baselinePerMinute: 2,
        factor: 2,
      },
    });
    expect(judge(59, 2)).toBeUndefined();
  });

  it('no surge below minPassages, however far above the baseline', () => {
    expect(judge(30, 1)?.rule).toBe('surge'); // expected 15, observed 30 = minPassages
    expect(judge(30, 1, { minPassages: 31 })).toBeUndefined();
    expect(judge(29, 0.1)).toBeUndefined();
  });

  it('a drop at exactly expected / factor when expected is at least minPassages; a silent plaza drops to 0', () => {
    expect(judge(15, 2)?.anomalyId).toBe('drop:7:2026-12-02T08:15Z');
    expect(judge(16, 2)).toBeUndefined();
    expect(judge(0, 2)).toMatchObject({ rule: 'drop', observed: 0, expected: 30 });
    expect(judge(0, 29.9 / 15)).toBeUndefined(); // expected 29.9 < 30
  });

  it('nothing without a baseline, and nothing of a rule that is off', () => {
    expect(judge(1000, undefined)).toBeUndefined();
    expect(judge(1000, NaN)).toBeUndefined();
    expect(judge(60, 2, {}, { surge: false, drop: true })).toBeUndefined();
    expect(judge(0, 2, {}, { surge: true, drop: false })).toBeUndefined();
  });

  it('other factors and windows', () => {
    expect(judge(45, 1, { factor: 3 })?.rule).toBe('surge'); // 3 x 15
    expect(judge(44, 1, { factor: 3 })).toBeUndefined();
    expect(judge(20, 2, { windowMinutes: 60, factor: 3 })?.rule).toBe('drop'); // expected 120, 120 / 3 = 40
    expect(judge(20, 2, { windowMinutes: 60, factor: 3 })?.expected).toBe(120);
  });
});

describe('unpaid and short payment', () => {
  const p = passage('e1', 3, 'AB-123', T0, 'truck');

  it('an unpaid passage owes its tariff, or null when the plaza has none for its class', () => {
    expect(unpaidFinding(p, plaza(3), 900)).toEqual({
      anomalyId: 'unpaid:e1',
      rule: 'unpaid',
      plazaId: 3,
      vehicleId: 'AB-123',
      eventId: 'e1',
      relatedEventId: null,
      observedAtMs: T0,
      amountCents: 1275,
      expected: null,
      observed: null,
      details: { vehicleType: 'truck', graceSeconds: 900, currency: 'USD' },
    });
    expect(unpaidFinding({ ...p, vehicleType: 'bus' }, plaza(3), 900).amountCents).toBeNull();
    expect(unpaidFinding(p, undefined, 900).amountCents).toBeNull();
    expect(unpaidFinding({ ...p, vehicleType: 'toString' }, plaza(3), 900).amountCents).toBeNull();
  });

  it('short by one cent is short; the tariff exactly is not; the tolerance moves the line', () => {
    expect(judgePayment(p, payment('e1', 3, 1275, T0 + S), plaza(3), 0)).toBeUndefined();
    expect(judgePayment(p, payment('e1', 3, 1274, T0 + S), plaza(3), 0)).toEqual({
      anomalyId: 'short-payment:pay-e1',
      rule: 'short-payment',
      plazaId: 3,
      vehicleId: 'AB-123',
      eventId: 'e1',
      relatedEventId: null,
      observedAtMs: T0 + S,
      amountCents: 1,
      expected: 1275,
      observed: 1274,
      details: {
        paymentId: 'pay-e1',
        method: 'e-tag',
        currency: 'USD',
        vehicleType: 'truck',
        toleranceCents: 0,
        tariffFrom: 'plaza',
      },
    });
    expect(judgePayment(p, payment('e1', 3, 1265, T0), plaza(3), 10)).toBeUndefined();
    expect(judgePayment(p, payment('e1', 3, 1264, T0), plaza(3), 10)?.amountCents).toBe(11);
    expect(judgePayment(p, payment('e1', 3, 0, T0), plaza(3), 0)?.amountCents).toBe(1275);
  });

  it('judges only against a known tariff in the same currency', () => {
    const cheap = payment('e1', 3, 100, T0);
    expect(judgePayment(p, { ...cheap, currency: 'EUR' }, plaza(3), 0)).toBeUndefined();
    expect(judgePayment(p, { ...cheap, currency: 'EUR' }, plaza(3, { currency: undefined }), 0)?.rule).toBe(
      'short-payment',
    );
    expect(judgePayment({ ...p, vehicleType: 'bus' }, cheap, plaza(3), 0)).toBeUndefined();
    expect(judgePayment(p, cheap, plaza(3, { tariffs: undefined }), 0)).toBeUndefined();
    expect(judgePayment(p, cheap, undefined, 0)).toBeUndefined();
  });

  it('a payment carrying the amount due is judged against it, whatever the plaza says', () => {
    const due = { ...payment('e1', 3, 12000, T0), currency: 'INR', dueCents: 35000 };
    expect(judgePayment(p, due, plaza(3), 0)).toMatchObject({
      amountCents: 23000,
      expected: 35000,
      observed: 12000,
      details: { tariffFrom: 'payment', currency: 'INR' },
    });
    expect(judgePayment(p, { ...due, amountCents: 35000 }, plaza(3), 0)).toBeUndefined();
    // No tariff at the plaza: the amount due still settles it.
    expect(judgePayment(p, due, undefined, 0)?.rule).toBe('short-payment');
    // Paying more than due is not a short payment even where the plaza's tariff is higher.
    expect(judgePayment(p, { ...due, amountCents: 500, dueCents: 400 }, plaza(3), 0)).toBeUndefined();
  });
});

describe('double charge', () => {
  const a = { passage: passage('e1', 3, 'V', T0), payment: payment('e1', 3, 450, T0 + S) };
  const at = (eventId: string, ms: number, over = {}) => ({
    passage: { ...passage(eventId, 3, 'V', ms), ...over },
    payment: payment(eventId, 3, 450, ms + S),
  });

  it('two paid passages of one vehicle at one plaza at most windowSeconds apart, in either order', () => {
    expect(isDoubleCharge(a, at('e2', T0 + 300 * S), 300)).toBe(true);
    expect(isDoubleCharge(at('e2', T0 + 300 * S), a, 300)).toBe(true);
    expect(isDoubleCharge(a, at('e2', T0 + 300 * S + 1), 300)).toBe(false);
    expect(isDoubleCharge(a, at('e2', T0 - 300 * S), 300)).toBe(true);
    expect(isDoubleCharge(a, at('e1', T0 + S), 300)).toBe(false); // the same passage twice
    expect(isDoubleCharge(a, at('e2', T0 + S, { plazaId: 4 }), 300)).toBe(false);
    expect(isDoubleCharge(a, at('e2', T0 + S, { vehicleId: 'W' }), 300)).toBe(false);
  });

  it('is about the later passage and carries its charge', () => {
    const later = at('e2', T0 + 90 * S);
    later.payment.amountCents = 455;
    expect(doubleChargeFinding(later, a, 300)).toEqual({
      anomalyId: 'double-charge:e2',
      rule: 'double-charge',
      plazaId: 3,
      vehicleId: 'V',
      eventId: 'e2',
      relatedEventId: 'e1',
      observedAtMs: T0 + 90 * S,
      amountCents: 455,
      expected: null,
      observed: null,
      details: {
        paymentId: 'pay-e2',
        method: 'e-tag',
        currency: 'USD',
        relatedPaymentId: 'pay-e1',
        seconds: 90,
        windowSeconds: 300,
      },
    });
  });

  it('orders passages by event time, then event id', () => {
    expect(passageBefore(passage('b', 1, 'V', T0), passage('a', 1, 'V', T0 + 1))).toBe(true);
    expect(passageBefore(passage('a', 1, 'V', T0), passage('b', 1, 'V', T0))).toBe(true);
    expect(passageBefore(passage('b', 1, 'V', T0), passage('a', 1, 'V', T0))).toBe(false);
    expect(passageBefore(passage('a', 1, 'V', T0), passage('a', 1, 'V', T0))).toBe(false);
  });
});

describe('impossible travel', () => {
  // One degree of latitude apart on the meridian: 111.195 km.
  const a = plaza(1, { position: { lat: 0, lon: 0 } });
  const b = plaza(2, { position: { lat: 1, lon: 0 } });
  const km = greatCircleKm(a.position!, b.position!);
  const limits = { maxKmh: 200, minKm: 1 };
  const atLimitMs = (km / 200) * 3_600_000; // 33 min 21.5 s
  const trip = (ms: number, from = a, to = b, s = limits) =>
    judgeTravel(passage('e1', from.plazaId, 'V', T0), passage('e2', to.plazaId, 'V', T0 + ms), from, to, s);

  it('measures on the great circle', () => {
    expect(km).toBeCloseTo(111.195, 2);
    expect(greatCircleKm({ lat: 51.5007, lon: -0.1246 }, { lat: 40.6892, lon: -74.0445 })).toBeCloseTo(
      5575,
      -1,
    );
  });

  it('faster than maxKmh is a finding about the later passage; at or below is not', () => {
    expect(trip(Math.floor(atLimitMs) - 1000)).toEqual({
      anomalyId: 'impossible-travel:e2',
      rule: 'impossible-travel',
      plazaId: 2,
      vehicleId: 'V',
      eventId: 'e2',
      relatedEventId: 'e1',
      observedAtMs: T0 + Math.floor(atLimitMs) - 1000,
      amountCents: null,
      expected: 200,
      observed: 200.1,
      details: { fromPlazaId: 1, distanceKm: 111.2, seconds: (Math.floor(atLimitMs) - 1000) / 1000 },
    });
    expect(trip(Math.floor(atLimitMs))).toMatchObject({ observed: 200 }); // 200.00003 km/h: judged unrounded
    expect(trip(Math.ceil(atLimitMs))).toBeUndefined();
    expect(trip(10 * MIN)?.observed).toBe(667.2);
  });

  it('the same instant at two plazas is infinitely fast, reported as 99999 km/h', () => {
    expect(trip(0)?.observed).toBe(99_999);
    expect(trip(1)?.observed).toBe(99_999); // 400,303,000 km/h, capped
  });

  it('needs two plazas with positions at least minKm apart', () => {
    expect(trip(0, a, a)).toBeUndefined();
    expect(trip(0, a, plaza(3, { position: { lat: 0, lon: 0 } }))).toBeUndefined(); // 0 km < 1 km
    expect(trip(0, a, plaza(3, { position: { lat: 0, lon: 0 } }), { maxKmh: 200, minKm: 0 })).toBeUndefined(); // 0 km/h
    expect(trip(0, a, plaza(3))).toBeUndefined();
    expect(trip(0, plaza(3), b)).toBeUndefined();
    expect(trip(0, a, b, { maxKmh: 200, minKm: km })?.rule).toBe('impossible-travel');
    expect(trip(0, a, b, { maxKmh: 200, minKm: km + 0.001 })).toBeUndefined();
  });

  it('keeps a passage as long as a later one could still be too fast', () => {
    expect(travelHorizonMs(km, 200)).toBe(Math.ceil(atLimitMs));
    expect(travelHorizonMs(0, 200)).toBe(0);
  });
});
