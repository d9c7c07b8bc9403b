import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Plaza, TollEvent } from '../../../src/domain/types.ts';
import { validatePlazaObject } from '../../../src/domain/validate.ts';
import {
  DEFAULT_TRAFFIC,
  simPlaza,
  Traffic,
  type TrafficOptions,
} from '../../../src/sources/simulator-traffic.ts';
import { ANOMALY_KINDS } from '../../../src/sources/simulator-anomalies.ts';
import { createSimulatorSource, parseSimulatorOptions } from '../../../src/sources/simulator.ts';
import { optionBag } from '../../../src/sources/options.ts';
import { classTariffs, DEFAULT_TARIFF, drawAxles, tollCents } from '../../../src/sources/tariff.ts';
import { createRng } from '../../../src/sources/random.ts';
import { context, expectAllValid, expectTimeOrdered } from './helpers.ts';
import { findings as oracle, km } from '../../helpers/anomaly-oracle.ts';

const DAY = 86_400_000;
const day0 = Date.UTC(2024, 4, 1);

function traffic(overrides: Partial<TrafficOptions> = {}): Traffic {
  return new Traffic({ ...DEFAULT_TRAFFIC, seed: 42, runId: 'test', tz: 'UTC', ...overrides });
}

const anomalies = (rate = 0.01): Pick<TrafficOptions, 'anomalies'> => ({
  anomalies: { rate, kinds: ANOMALY_KINDS },
});

/** What the rules find in `events` (see anomaly-oracle.ts). */
function findings(events: readonly TollEvent[], plazas: readonly Plaza[]): string[] {
  return oracle(
    events.map((e) => e.passage),
    events.flatMap((e) => e.payment ?? []),
    plazas,
  );
}

function truthOf(t: Traffic, events: readonly TollEvent[]): string[] {
  return events.flatMap((e) => t.anomalyOf(e)?.anomalyId ?? []).sort();
}

const rule = (id: string): string => id.slice(0, id.indexOf(':'));

describe('plaza reference data', () => {
  const records = traffic().plazaRecords();

  it('carries tariffs per class, the currency and a position on a ~100 km corridor', () => {
    expect(records).toHaveLength(11);
    for (const r of records) {
      expect(validatePlazaObject({ ...r })).toEqual(r);
      expect(r.currency).toBe('USD');
      expect(r.tariffs).toEqual({ motorcycle: 225, car: 450, van: 600, bus: 1100, truck: 860 });
      // New Jersey, between Mount Laurel and Elizabeth
      expect(r.position!.lat).toBeGreaterThan(39.9);
      expect(r.position!.lat).toBeLessThan(40.7);
      expect(r.position!.lon).toBeGreaterThan(-75);
      expect(r.position!.lon).toBeLessThan(-74.1);
    }
    const distances = records.flatMap((a) => records.map((b) => km(a.position!, b.position!)));
    expect(Math.max(...distances)).toBeGreaterThan(80);
    expect(Math.max(...distances)).toBeLessThan(105);
    // distinct places: no two plazas within a km of each other
    expect(distances.filter((d) => d < 1)).toHaveLength(records.length);
  });

  it('places a plaza by its id alone, whatever list it is in', () => {
    const alone = traffic({ plazas: [simPlaza(4005, 3)] }).plazaRecords()[0]!;
    expect(alone.position).toEqual(records.find((r) => r.plazaId === 4005)!.position);
    const other = traffic({ plazas: [simPlaza(17, 2), simPlaza(4005, 9)] }).plazaRecords();
    expect(other[1]!.position).toEqual(alone.position);
    expect(other[0]!.position).not.toEqual(alone.position);
  });

  it('publishes the least charge of each class: no axle count pays less, other types pay the car rate', () => {
    const tariffs = classTariffs(DEFAULT_TARIFF, ['tractor']);
    expect(tariffs.tractor).toBe(tollCents('car', 2));
    const rng = createRng(1);
    for (const type of ['car', 'van', 'truck', 'bus', 'motorcycle', 'tractor']) {
      for (let i = 0; i < 200; i++)
        expect(tollCents(type, drawAxles(type, rng))).toBeGreaterThanOrEqual(tariffs[type]!);
      expect(tollCents(type, 1)).toBe(tariffs[type]);
    }
    const withTractors = traffic({ mix: { car: 1, tractor: 1 } }).plazaRecords()[0]!;
    expect(withTractors.tariffs!.tractor).toBe(450);
  });

  it('is what the simulator source announces on the plaza topic', async () => {
    const source = createSimulatorSource({ seed: 42 }, context());
    expect(await source.plazas()).toEqual(records);
  });
});

describe('clean traffic (~200k passages over two days)', () => {
  const t = traffic();
  const events = t.arrivals(day0, day0 + 2 * DAY, 1.2);
  const plazas = t.plazaRecords();

  it('pays every passage at least the tariff of its class at its plaza', () => {
    expect(events.length).toBeGreaterThan(200_000);
    const tariff = new Map(plazas.map((p) => [p.plazaId, p.tariffs!]));
    const unpaid = events.filter((e) => !e.payment);
    const short = events.filter(
      (e) => e.payment!.amountCents < tariff.get(e.passage.plazaId)![e.passage.vehicleType]!,
    );
    expect(unpaid).toEqual([]);
    expect(short).toEqual([]);
    expect(t.anomaliesInjected()).toEqual({
      unpaid: 0,
      'short-payment': 0,
      'double-charge': 0,
      'impossible-travel': 0,
    });
  });

  it('never shows a vehicle twice within its cooldown: nothing for the rules to find', () => {
    expect(findings(events, plazas)).toEqual([]);
    // the cooldown beats the double-charge window and the longest drive at 200 km/h
    const longest = Math.max(...plazas.flatMap((a) => plazas.map((b) => km(a.position!, b.position!))));
    expect(t.cooldownMs).toBeGreaterThan(Math.max(300_000, (longest / 200) * 3_600_000));
    const last = new Map<string, number>();
    let closest = Infinity;
    for (const e of events) {
      const ms = Date.parse(e.passage.passedAt);
      const before = last.get(e.passage.vehicleId);
      if (before !== undefined) closest = Math.min(closest, ms - before);
      last.set(e.passage.vehicleId, ms);
    }
    expect(closest).toBeGreaterThanOrEqual(t.cooldownMs);
    expect(t.restedDraws).toBeGreaterThan(0); // the rule was exercised, not vacuous
  });

  it('still holds when the stamps are capped at a clock the simulation runs ahead of', () => {
    const capped = traffic();
    const out: TollEvent[] = [];
    // 50/s for an hour of simulated time, stamped no later than a clock that advances one second per minute
    for (let m = 0; m < 60; m++)
      out.push(...capped.arrivals(day0 + m * 60_000, day0 + (m + 1) * 60_000, 50, day0 + m * 1000));
    expect(out.length).toBeGreaterThan(50_000);
    expectTimeOrdered(out);
    expect(findings(out, plazas)).toEqual([]);
  });
});

describe('scenario anomalies', () => {
  const t = traffic(anomalies(0.01));
  const events = t.arrivals(day0, day0 + 2 * DAY, 1.2);
  const plazas = t.plazaRecords();
  const truth = truthOf(t, events);

  it('injects exactly what an independent reading of the rules finds, with the ids of the contract', () => {
    expectAllValid(events);
    expectTimeOrdered(events);
    expect(new Set(truth).size).toBe(truth.length);
    expect(findings(events, plazas)).toEqual(truth);
  });

  it('at the configured rate, split evenly among the four kinds', () => {
    const injected = t.anomaliesInjected();
    const perKind = Object.fromEntries(
      ANOMALY_KINDS.map((k) => [k, truth.filter((id) => rule(id) === k).length]),
    );
    expect(perKind).toEqual(injected);
    // each kind is 1/4 of 1 % of the ~207k arrivals: ~518, Poisson sd ~23
    for (const kind of ANOMALY_KINDS) {
      expect(perKind[kind]).toBeGreaterThan(518 - 5 * 23);
      expect(perKind[kind]).toBeLessThan(518 + 5 * 23);
    }
  });

  it('pairs: a double charge is 30-120 s later at the same plaza, a journey >= 20 km at >= 400 km/h', () => {
    const byEvent = new Map(events.map((e) => [e.passage.eventId, e]));
    const previous = new Map<string, TollEvent>();
    const pairs: [TollEvent, TollEvent, string][] = [];
    for (const e of events) {
      const anomaly = t.anomalyOf(e);
      const before = previous.get(e.passage.vehicleId);
      if (anomaly && (anomaly.rule === 'double-charge' || anomaly.rule === 'impossible-travel'))
        pairs.push([before!, e, anomaly.rule]);
      previous.set(e.passage.vehicleId, e);
    }
    const position = new Map(plazas.map((p) => [p.plazaId, p.position!]));
    for (const [first, second, kind] of pairs) {
      expect(byEvent.get(first.passage.eventId)).toBe(first);
      expect(first.payment).toBeDefined();
      expect(second.payment!.amountCents).toBe(
        tollCents(second.passage.vehicleType, second.passage.axles, DEFAULT_TARIFF),
      );
      const dt = Date.parse(second.passage.passedAt) - Date.parse(first.passage.passedAt);
      const d = km(position.get(first.passage.plazaId)!, position.get(second.passage.plazaId)!);
      if (kind === 'double-charge') {
        expect(second.passage.plazaId).toBe(first.passage.plazaId);
        expect(dt).toBeGreaterThanOrEqual(30_000);
        expect(dt).toBeLessThanOrEqual(120_000);
      } else {
        expect(d).toBeGreaterThanOrEqual(20);
        expect(d / (dt / 3_600_000)).toBeGreaterThanOrEqual(400);
      }
    }
    expect(pairs.length).toBeGreaterThan(800);
  });

  it('short payments are 1 .. tariff - 1 cents', () => {
    const tariff = new Map(plazas.map((p) => [p.plazaId, p.tariffs!]));
    const short = events.filter((e) => t.anomalyOf(e)?.rule === 'short-payment');
    expect(short.length).toBeGreaterThan(400);
    for (const e of short) {
      expect(e.payment!.amountCents).toBeGreaterThanOrEqual(1);
      expect(e.payment!.amountCents).toBeLessThan(tariff.get(e.passage.plazaId)![e.passage.vehicleType]!);
    }
  });

  it('is deterministic per seed', () => {
    const again = traffic(anomalies(0.01));
    const first = again.arrivals(day0, day0 + DAY / 4, 1.2);
    expect(first).toEqual(events.slice(0, first.length));
    expect(truthOf(again, first)).toEqual(truthOf(t, events.slice(0, first.length)));
    expect(truthOf(again, first).length).toBeGreaterThan(30);
    const other = traffic({ ...anomalies(0.01), seed: 43 });
    expect(truthOf(other, other.arrivals(day0, day0 + DAY / 4, 1.2))).not.toEqual(truthOf(again, first));
  });

  it('combines with rush-hour and plaza-outage, and selects kinds', () => {
    const outage = { plazaId: 4005, startMinute: 10 * 60, minutes: 120 };
    const mixed = traffic({
      anomalies: { rate: 0.05, kinds: ['double-charge', 'impossible-travel'] },
      rushFactor: 2,
      outage,
    });
    const out = mixed.arrivals(day0, day0 + DAY, 1);
    const ids = truthOf(mixed, out);
    expect(findings(out, mixed.plazaRecords())).toEqual(ids);
    expect(new Set(ids.map(rule))).toEqual(new Set(['double-charge', 'impossible-travel']));
    const silent = out.filter((e) => {
      const at = new Date(e.passage.passedAt);
      return e.passage.plazaId === 4005 && at.getUTCHours() >= 10 && at.getUTCHours() < 12;
    });
    expect(silent).toEqual([]);
  });

  it('cleanAfter: nothing is injected after that passage but the pairs under way', () => {
    const tail = traffic({ anomalies: { rate: 0.05, kinds: ANOMALY_KINDS, cleanAfter: 10_000 } });
    const out = tail.arrivals(day0, day0 + DAY / 2, 1.2);
    expect(out.length).toBeGreaterThan(20_000);
    const carriers = out.flatMap((e, i) => (tail.anomalyOf(e) ? [i] : []));
    expect(carriers.length).toBeGreaterThan(300);
    // a pair's second passage comes at most ~15 minutes (a journey at 400 km/h) after its first
    const lastMs = Date.parse(out[carriers[carriers.length - 1]!]!.passage.passedAt);
    expect(lastMs - Date.parse(out[9_999]!.passage.passedAt)).toBeLessThan(15 * 60_000);
    expect(findings(out, tail.plazaRecords())).toEqual(truthOf(tail, out));
  });

  it('still matches when the stamps are capped at a clock the simulation runs ahead of', () => {
    const capped = traffic(anomalies(0.02));
    const out: TollEvent[] = [];
    for (let m = 0; m < 60; m++)
      out.push(...capped.arrivals(day0 + m * 60_000, day0 + (m + 1) * 60_000, 50, day0 + m * 1000));
    expectTimeOrdered(out);
    const ids = truthOf(capped, out);
    expect(ids.length).toBeGreaterThan(1000);
    expect(findings(out, capped.plazaRecords())).toEqual(ids);
  });
});

describe('the simulator source with scenario=anomalies', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tollstream-truth-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('appends one line per injected anomaly to the truth file, and an anomaly opens its batch', async () => {
    const truthFile = path.join(dir, 'truth.ndjson');
    const options = parseSimulatorOptions(
      optionBag(
        'simulator:…',
        'simulator:<options>',
        `seed=9&runId=t&scenario=anomalies,rush-hour&anomalyRate=0.05&truth=${truthFile}`,
      ),
      'UTC',
    );
    const source = createSimulatorSource(options, context({ pace: { kind: 'rate', perSecond: 0 } }));
    const batches: TollEvent[][] = [];
    const controller = new AbortController();
    for await (const batch of source.events(controller.signal)) {
      batches.push(batch);
      if (batches.reduce((n, b) => n + b.length, 0) >= 20_000) break;
    }
    const events = batches.flat();
    const lines = readFileSync(truthFile, 'utf8').trimEnd().split('\n');
    const parsed = lines.map((l) => JSON.parse(l) as { rule: string; anomalyId: string });
    for (const p of parsed) expect(Object.keys(p)).toEqual(['rule', 'anomalyId']);
    for (const p of parsed) expect(rule(p.anomalyId)).toBe(p.rule);
    const ids = parsed.map((p) => p.anomalyId).sort();
    expect(ids.length).toBeGreaterThan(500);
    expect(findings(events, await source.plazas())).toEqual(ids);
    // Only a batch's first passage carries an anomaly, so a producer that publishes part of a batch never leaves
    // a line naming a passage it did not publish.
    const named = new Set(ids.map((id) => id.slice(id.indexOf(':') + 1).replace(/^pay-/, '')));
    const inside = batches.flatMap((b) => b.slice(1)).filter((e) => named.has(e.passage.eventId));
    expect(inside).toEqual([]);
    expect(Math.max(...batches.map((b) => b.length))).toBeLessThanOrEqual(500);
  });

  it('parses its options and refuses what cannot work', () => {
    const parse = (s: string): unknown =>
      parseSimulatorOptions(optionBag(`simulator:${s}`, 'simulator:<options>', s), 'UTC');
    expect(
      parse(
        `scenario=anomalies&anomalyRate=0.2&anomalyKinds=unpaid,double-charge&cleanAfter=5000&truth=${dir}/t`,
      ),
    ).toEqual({
      scenarios: ['anomalies'],
      anomalies: { rate: 0.2, kinds: ['unpaid', 'double-charge'], cleanAfter: 5000 },
      truthFile: `${dir}/t`,
    });
    expect(() => parse('anomalyRate=0.1')).toThrow(/anomalyRate needs scenario=anomalies/);
    expect(() => parse(`scenario=anomalies,truth=${dir}/t`)).toThrow(/options are joined by &/);
    expect(() => parse('scenario=anomalies&anomalyKinds=fraud')).toThrow(/anomalyKinds has "fraud"/);
    expect(() => parse('scenario=anomalies&anomalyRate=2')).toThrow(/anomalyRate/);
    expect(() => parse('scenario=anomalies&truth=/nonexistent/dir/t')).toThrow(/does not exist/);
    expect(() => parse('scenario=anomalies&plazas=4000')).toThrow(/impossible-travel needs two plazas/);
    expect(parse('scenario=anomalies&plazas=4000&anomalyKinds=unpaid')).toMatchObject({
      anomalies: { kinds: ['unpaid'] },
    });
  });
});
