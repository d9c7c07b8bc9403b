import { describe, expect, it } from 'vitest';
import type { TollEvent } from '../../../src/domain/types.ts';
import { DEFAULT_TRAFFIC, Traffic, type TrafficOptions } from '../../../src/sources/simulator-traffic.ts';
import { createSimulatorSource, parseSimulatorOptions } from '../../../src/sources/simulator.ts';
import { HOURLY_WEIGHTS } from '../../../src/sources/traffic-curve.ts';
import { optionBag, SourceSpecError } from '../../../src/sources/options.ts';
import { DEFAULT_TARIFF, tollCents } from '../../../src/sources/tariff.ts';
import { context, countBy, drain, expectAllValid, expectTimeOrdered } from './helpers.ts';

const DAY = 86_400_000;
const day0 = Date.UTC(2024, 4, 1); // a Wednesday, in the past, so every stamp is valid

function traffic(overrides: Partial<TrafficOptions> = {}): Traffic {
  return new Traffic({ ...DEFAULT_TRAFFIC, seed: 42, runId: 'test', tz: 'UTC', ...overrides });
}

const hourOf = (e: TollEvent): number => new Date(e.passage.passedAt).getUTCHours();

describe('simulated traffic over one day (~100k passages)', () => {
  // mean 1.2/s over 86,400 s is about 104k passages
  const events = traffic().arrivals(day0, day0 + DAY, 1.2);

  it('has the expected volume, all valid, unique ids, in time order', () => {
    expect(events.length).toBeGreaterThan(100_000);
    expect(events.length).toBeLessThan(108_000);
    expectAllValid(events);
    expectTimeOrdered(events);
    expect(new Set(events.map((e) => e.passage.eventId)).size).toBe(events.length);
  });

  it('follows the car/truck/van mix 11:4:2 within 1 %', () => {
    const mix = countBy(events, (e) => e.passage.vehicleType);
    expect(Object.keys(mix).sort()).toEqual(['car', 'truck', 'van']);
    expect(mix.car! / events.length).toBeCloseTo(11 / 17, 2);
    expect(mix.truck! / events.length).toBeCloseTo(4 / 17, 2);
    expect(mix.van! / events.length).toBeCloseTo(2 / 17, 2);
  });

  it('follows the daily curve: each hour near its weight, 8 am far busier than 3 am', () => {
    const perHour = Array<number>(24).fill(0);
    for (const e of events) perHour[hourOf(e)]!++;
    for (let h = 0; h < 24; h++) {
      const expected = 1.2 * 3600 * HOURLY_WEIGHTS[h]!;
      // five standard deviations of a Poisson count
      expect(Math.abs(perHour[h]! - expected)).toBeLessThan(5 * Math.sqrt(expected) + 1);
    }
    expect(perHour[8]! / perHour[3]!).toBeGreaterThan(15);
    expect(perHour[17]!).toBeGreaterThan(perHour[23]!);
  });

  it('uses axles by type and charges the tariff', () => {
    const axles = countBy(events, (e) => `${e.passage.vehicleType}:${e.passage.axles}`);
    expect(Object.keys(axles).sort()).toEqual(['car:2', 'truck:3', 'truck:4', 'truck:5', 'truck:6', 'van:2']);
    for (const e of events.slice(0, 2000)) {
      expect(e.payment!.amountCents).toBe(tollCents(e.passage.vehicleType, e.passage.axles, DEFAULT_TARIFF));
    }
  });

  it('pays mostly by e-tag, with payment ids derived from event ids', () => {
    const methods = countBy(events, (e) => e.payment!.method);
    expect(methods['e-tag']! / events.length).toBeCloseTo(0.8, 1);
    expect(methods.cash! + methods.card! + methods.prepaid!).toBeGreaterThan(0.15 * events.length);
    for (const e of events.slice(0, 100)) {
      expect(e.passage.eventId).toMatch(/^sim-40(0\d|10)-test-\d{9}$/);
      expect(e.payment!.paymentId).toBe(`pay-${e.passage.eventId}`);
      expect(e.passage.lane).toBeGreaterThanOrEqual(1);
    }
  });

  it('re-uses a pool of vehicles with a skewed frequency, each resting between passages, plus one-off vehicles', () => {
    const perVehicle = countBy(events, (e) => e.passage.vehicleId);
    const recurringIds = Object.keys(perVehicle).filter((v) => v.length < 8);
    const counts = recurringIds.map((v) => perVehicle[v]!).sort((a, b) => b - a);
    const recurring = events.filter((e) => e.passage.vehicleId.length < 8).length;
    // 1.2/s keeps the busiest commuters at one passage per cooldown: their draws go to other vehicles or one-offs.
    expect(recurring / events.length).toBeGreaterThan(0.45);
    expect(recurring / events.length).toBeLessThan(0.65);
    const cooldownMs = traffic().cooldownMs;
    expect(counts[0]).toBeLessThanOrEqual(Math.ceil(DAY / cooldownMs));
    expect(counts[0]).toBeGreaterThan(30); // the busiest commuter, at the cap
    expect(counts[999]! / counts[3999]!).toBeGreaterThan(2.5); // Zipf below the cap, not uniform
    const top = recurringIds.find((v) => perVehicle[v] === counts[0])!;
    const plazasOfTop = new Set(
      events.filter((e) => e.passage.vehicleId === top).map((e) => e.passage.plazaId),
    );
    expect(plazasOfTop.size).toBeGreaterThan(5);
    expect(recurringIds.length).toBeLessThanOrEqual(5000);
    expect(recurringIds.length).toBeGreaterThan(4000);
    // one-off vehicles are never seen twice
    expect(Object.entries(perVehicle).filter(([v, n]) => v.length >= 8 && n > 1)).toEqual([]);
  });

  it('spreads passages over plazas by their lanes', () => {
    const perPlaza = countBy(events, (e) => String(e.passage.plazaId));
    expect(Object.keys(perPlaza)).toHaveLength(11);
    // 4003 has 10 lanes, 4002 has 4
    expect(perPlaza['4003']! / perPlaza['4002']!).toBeCloseTo(2.5, 0);
  });
});

describe('arrival process', () => {
  it('has exponential inter-arrival times with mean 1/rate within an hour', () => {
    const from = day0 + 8 * 3_600_000;
    const events = traffic().arrivals(from, from + 3_600_000, 10);
    const times = events.map((e) => Date.parse(e.passage.passedAt));
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    const mean = gaps.reduce((a, b) => a + b) / gaps.length;
    const rate = 10 * HOURLY_WEIGHTS[8]!;
    expect(mean).toBeGreaterThan((1000 / rate) * 0.97);
    expect(mean).toBeLessThan((1000 / rate) * 1.03);
    const sd = Math.sqrt(gaps.reduce((a, g) => a + (g - mean) ** 2, 0) / gaps.length);
    expect(sd / mean).toBeCloseTo(1, 1); // exponential: standard deviation equals the mean
    // Poisson counts: per-second counts have variance close to their mean
    const perSecond = Array<number>(3600).fill(0);
    for (const t of times) perSecond[Math.floor((t - from) / 1000)]!++;
    const m = perSecond.reduce((a, b) => a + b) / 3600;
    const v = perSecond.reduce((a, c) => a + (c - m) ** 2, 0) / 3600;
    expect(v / m).toBeGreaterThan(0.9);
    expect(v / m).toBeLessThan(1.1);
  });

  it('is deterministic for a seed, whatever the window sizes', () => {
    const whole = traffic().arrivals(day0, day0 + 600_000, 5);
    const t = traffic();
    const pieces: TollEvent[] = [];
    for (let s = day0; s < day0 + 600_000; s += 7_919)
      pieces.push(...t.arrivals(s, Math.min(s + 7_919, day0 + 600_000), 5));
    expect(pieces).toEqual(whole);
    expect(traffic({ seed: 43 }).arrivals(day0, day0 + 600_000, 5)).not.toEqual(whole);
  });

  it('reads the daily curve in the configured time zone', () => {
    const events = traffic({ tz: 'America/New_York' }).arrivals(day0, day0 + DAY, 0.5);
    const perUtcHour = Array<number>(24).fill(0);
    for (const e of events) perUtcHour[hourOf(e)]!++;
    // 8 am EDT is 12:00 UTC; 3 am EDT is 07:00 UTC
    expect(perUtcHour[12]! / perUtcHour[7]!).toBeGreaterThan(10);
  });
});

describe('scenarios and configuration', () => {
  it('rush-hour multiplies the peak hours only', () => {
    const hour = (t: Traffic, h: number): number =>
      t.arrivals(day0 + h * 3_600_000, day0 + (h + 1) * 3_600_000, 2).length;
    const [base, rush] = [traffic(), traffic({ rushFactor: 3 })];
    // within ~4 standard errors of the ratio at these counts
    expect(Math.abs(hour(rush, 8) / hour(base, 8) - 3)).toBeLessThan(0.15);
    expect(Math.abs(hour(rush, 17) / hour(base, 17) - 3)).toBeLessThan(0.15);
    expect(Math.abs(hour(rush, 13) / hour(base, 13) - 1)).toBeLessThan(0.06);
  });

  it('curve=flat holds the rate at every hour, 3 am as busy as 8 am', () => {
    const hour = (h: number): number =>
      traffic({ curve: 'flat' }).arrivals(day0 + h * 3_600_000, day0 + (h + 1) * 3_600_000, 2).length;
    // 7,200 expected per hour; five standard deviations is ~425
    for (const h of [3, 8, 16]) expect(Math.abs(hour(h) - 7200)).toBeLessThan(425);
    const rush = traffic({ curve: 'flat', rushFactor: 2 });
    expect(rush.arrivals(day0 + 8 * 3_600_000, day0 + 9 * 3_600_000, 2).length).toBeGreaterThan(13_500);
  });

  it('plaza-outage silences one plaza for its period, every day', () => {
    const t = traffic({ outage: { plazaId: 4005, startMinute: 10 * 60, minutes: 120 } });
    const events: TollEvent[] = [];
    for (const day of [day0, day0 + DAY])
      events.push(...t.arrivals(day + 9 * 3_600_000, day + 13 * 3_600_000, 3));
    const at4005 = events.filter((e) => e.passage.plazaId === 4005).map(hourOf);
    expect(at4005.filter((h) => h === 10 || h === 11)).toEqual([]);
    expect(at4005.filter((h) => h === 9).length).toBeGreaterThan(300);
    expect(at4005.filter((h) => h === 12).length).toBeGreaterThan(300);
    const others = events.filter((e) => e.passage.plazaId === 4004 && (hourOf(e) === 10 || hourOf(e) === 11));
    expect(others.length).toBeGreaterThan(300);
  });

  it('supports more vehicle types with their axles', () => {
    const events = traffic({ mix: { car: 10, truck: 3, van: 2, bus: 1, motorcycle: 1 } }).arrivals(
      day0,
      day0 + DAY,
      0.5,
    );
    const axles = countBy(events, (e) => `${e.passage.vehicleType}:${e.passage.axles}`);
    expect(Object.keys(axles).sort()).toEqual([
      'bus:2',
      'bus:3',
      'car:2',
      'motorcycle:2',
      'truck:3',
      'truck:4',
      'truck:5',
      'truck:6',
      'van:2',
    ]);
    expectAllValid(events);
  });

  it('parses spec options into plazas, mix, scenarios and clock', () => {
    const bag = optionBag(
      'simulator:…',
      'simulator:<options>',
      'seed=7&runId=r1&plazas=10-12,20:4&mix=car:3,bus:1&scenario=rush-hour,plaza-outage&outagePlaza=20&outageStart=13:30&outageMinutes=45&dayMinutes=10&start=2024-05-01&tariff=car:500',
    );
    const o = parseSimulatorOptions(bag, 'Europe/Paris');
    expect(o).toMatchObject({
      seed: 7,
      runId: 'r1',
      mix: { car: 3, bus: 1 },
      scenarios: ['rush-hour', 'plaza-outage'],
      outage: { plazaId: 20, startMinute: 810, minutes: 45 },
      dayMinutes: 10,
      start: Date.UTC(2024, 3, 30, 22),
    });
    expect(
      parseSimulatorOptions(optionBag('simulator:curve=flat', 'simulator:<options>', 'curve=flat'), 'UTC'),
    ).toEqual({
      curve: 'flat',
    });
    expect(o.plazas!.map((p) => [p.plazaId, p.lanes])).toEqual([
      [10, 6],
      [11, 8],
      [12, 4],
      [20, 4],
    ]);
    expect(o.plazas![0]!.tariff.car).toEqual({ baseCents: 500, perExtraAxleCents: 250 });
  });

  it('names the spec and the problem for bad options', () => {
    const parse = (s: string): unknown =>
      parseSimulatorOptions(optionBag(`simulator:${s}`, 'simulator:<options>', s), 'UTC');
    expect(() => parse('scenario=flood')).toThrow(SourceSpecError);
    expect(() => parse('scenario=flood')).toThrow(/bad source "simulator:scenario=flood": scenario "flood"/);
    expect(() => parse('mix=Car:1')).toThrow(/lower-case vehicle type/);
    expect(() => parse('plazas=0-2')).toThrow(/plaza id 0/);
    expect(() => parse('outagePlaza=9999')).toThrow(/not one of the simulated plazas/);
    expect(() => parse('sede=1')).toThrow(/unknown option sede/);
    expect(() => parse('curve=weekly')).toThrow(/curve "weekly" is not one of daily, flat/);
    expect(() => parse('start=2999-01-01')).toThrow(/start/);
  });
});

describe('simulator source', () => {
  it('unlimited: yields batches of at most 500 immediately, stamped no later than now', async () => {
    const source = createSimulatorSource(
      { seed: 1, runId: 'u' },
      context({ pace: { kind: 'rate', perSecond: 0 } }),
    );
    const { events, batches } = await drain(source, { maxEvents: 5000 });
    expect(events.length).toBeGreaterThanOrEqual(5000);
    expect(Math.max(...batches)).toBeLessThanOrEqual(500);
    expect(Math.max(...events.map((e) => Date.parse(e.passage.passedAt)))).toBeLessThanOrEqual(Date.now());
    expectAllValid(events);
    expectTimeOrdered(events);
    expect(await source.plazas()).toHaveLength(11);
    expect(source.progress().read).toBe(events.length);
    expect(source.finite).toBe(false);
  });

  it('real time with curve=flat: about rate per second whatever the hour', async () => {
    const source = createSimulatorSource(
      { seed: 4, runId: 'f', curve: 'flat' },
      context({ pace: { kind: 'rate', perSecond: 1000 } }),
    );
    const { events } = await drain(source, { signal: AbortSignal.timeout(1500) });
    expect(events.length).toBeGreaterThan(1500 * 0.7);
    expect(events.length).toBeLessThan(1500 * 1.3);
  });

  it("says in its progress note how far this hour's rate is from the day mean, unless the curve is flat", async () => {
    const daily = createSimulatorSource(
      { seed: 5, runId: 'n' },
      context({ pace: { kind: 'rate', perSecond: 100 } }),
    );
    await drain(daily, { maxEvents: 1, signal: AbortSignal.timeout(3000) });
    const noteFor = (hour: number): string =>
      `${String(hour).padStart(2, '0')}h: ${HOURLY_WEIGHTS[hour]!.toFixed(2)}× day mean`;
    const before = new Date().getUTCHours();
    const note = daily.progress().note;
    expect([noteFor(before), noteFor(new Date().getUTCHours())]).toContain(note);
    const flat = createSimulatorSource(
      { seed: 5, runId: 'f', curve: 'flat' },
      context({ pace: { kind: 'rate', perSecond: 100 } }),
    );
    await drain(flat, { maxEvents: 1, signal: AbortSignal.timeout(3000) });
    expect(flat.progress().note).toBeUndefined();
  });

  it('real time at a rate: about rate × the current hour weight per second, passedAt = now', async () => {
    const source = createSimulatorSource(
      { seed: 2, runId: 'r' },
      context({ pace: { kind: 'rate', perSecond: 2000 } }),
    );
    const started = Date.now();
    const { events } = await drain(source, { signal: AbortSignal.timeout(1500) });
    // The run may straddle an hour: between the two hours' weights.
    const weights = [started, Date.now()].map((t) => HOURLY_WEIGHTS[new Date(t).getUTCHours()]!);
    expect(events.length).toBeGreaterThan(2000 * 1.5 * Math.min(...weights) * 0.7);
    expect(events.length).toBeLessThan(2000 * 1.5 * Math.max(...weights) * 1.3);
    const first = Date.parse(events[0]!.passage.passedAt);
    expect(first).toBeGreaterThanOrEqual(started - 50);
    expect(first).toBeLessThan(started + 500);
  });

  it('applies setPace at once, and resumes after a stop without repeating ids', async () => {
    const source = createSimulatorSource(
      { seed: 3, runId: 's', curve: 'flat' },
      context({ pace: { kind: 'rate', perSecond: 0.01 } }),
    );
    setTimeout(() => source.setPace({ kind: 'rate', perSecond: 20_000 }), 100);
    const started = performance.now();
    const first = await drain(source, { maxEvents: 1000, signal: AbortSignal.timeout(3000) });
    expect(first.events.length).toBeGreaterThanOrEqual(1000);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(source.getPace()).toEqual({ kind: 'rate', perSecond: 20_000 });
    const second = await drain(source, { maxEvents: 500, signal: AbortSignal.timeout(3000) });
    const ids = [...first.events, ...second.events].map((e) => e.passage.eventId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('compresses a simulated day into minutes, from the given start', async () => {
    const start = Date.UTC(2024, 4, 1, 7);
    const source = createSimulatorSource(
      { seed: 4, runId: 'c', dayMinutes: 1, start },
      context({ pace: { kind: 'rate', perSecond: 1000 } }),
    );
    const { events } = await drain(source, { signal: AbortSignal.timeout(1000) });
    const times = events.map((e) => Date.parse(e.passage.passedAt));
    // one wall second is 24 simulated minutes
    expect(Math.min(...times)).toBeGreaterThanOrEqual(start);
    expect(Math.max(...times)).toBeGreaterThan(start + 15 * 60_000);
    expect(Math.max(...times)).toBeLessThan(start + 30 * 60_000);
    expect(source.progress().note).toMatch(/one simulated day every 1 min/);
  });
});
