/**
 * The simulator source: endless realistic traffic from the pure generator in simulator-traffic.ts, on a
 * simulated clock.
 *
 * Clock. Without compression the simulated clock is the wall clock and passedAt is "now". With `dayMinutes`
 * one simulated day lasts that many wall minutes (compression 1440 / dayMinutes) starting at `start` (default:
 * local midnight 30 days ago, so a compressed run has history to race through); if the simulated clock reaches
 * the wall clock it continues in real time, because passages from the future are invalid.
 *
 * Pace. `rate R` is the mean passages per wall second over a simulated day: at 8 am the simulator runs faster
 * than R, at 3 am slower (see traffic-curve.ts); with `curve=flat` it is R at every hour. `rate 0` generates as fast as the producer takes it, at
 * `meanRate` passages per simulated second with stamps capped at the wall clock. `speed f` sets the compression
 * to f (`max` = as fast as possible) with `meanRate` per simulated second; a simulated clock that has met the wall
 * clock stays on it, whatever the speed.
 *
 * Time advances in windows of ~50 ms wall time (fewer if that would exceed 500 passages), generated after the
 * window has passed, so a pace change applies to the next window and no stamp lies in the future.
 *
 * Truth. With `scenario=anomalies` and `truth=<file>` every injected anomaly appends a line to the file just before
 * the batch holding it is yielded, and such a passage opens its batch: a producer publishes at least the first
 * passage of every batch it asks for (a run's --events budget cuts batches from the end), so every line names a
 * published passage and every published anomaly has its line.
 */
import { closeSync, existsSync, openSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { TollEvent } from '../domain/types.ts';
import { wallClockToEpoch } from '../domain/time.ts';
import type { Pace, SourceContext, SourceProgress, TollSource } from './source.ts';
import { assertPace, isUnlimited, Pacer } from './pacer.ts';
import { CURVES, hourWeight, localHour, peakWeight, type Curve } from './traffic-curve.ts';
import type { Tariff, Rate } from './tariff.ts';
import { DEFAULT_TARIFF } from './tariff.ts';
import {
  defaultLanes,
  DEFAULT_TRAFFIC,
  simPlaza,
  Traffic,
  type Outage,
  type SimPlaza,
} from './simulator-traffic.ts';
import {
  ANOMALY_KINDS,
  AnomalyInjector,
  DEFAULT_ANOMALIES,
  MIN_TRAVEL_KM,
  truthLine,
  type AnomalyKind,
  type AnomalyOptions,
} from './simulator-anomalies.ts';
import type { OptionBag } from './options.ts';
import { compileTimestampFormats } from './timestamp-format.ts';

export const SIMULATOR_SCENARIOS = ['rush-hour', 'plaza-outage', 'anomalies'] as const;
export type Scenario = (typeof SIMULATOR_SCENARIOS)[number];

export interface SimulatorOptions {
  seed?: number | string;
  /** In every event id; default derives from the start time so runs never collide. */
  runId?: string;
  plazas?: SimPlaza[];
  mix?: Record<string, number>;
  poolSize?: number;
  zipf?: number;
  oneOffShare?: number;
  methods?: Record<string, number>;
  /** Wall-clock minutes one simulated day lasts; omitted means real time. */
  dayMinutes?: number;
  /** Simulated clock start, epoch ms. */
  start?: number;
  scenarios?: Scenario[];
  /** The 24-hour shape of the rate: daily (default; a rate is the day's mean) or flat (a rate holds at any hour). */
  curve?: Curve;
  /** Rush-hour multiplier for the peak hours (default 2). */
  rushFactor?: number;
  /** plaza-outage: which plaza goes silent, from when (local minute of day) and for how long. */
  outage?: Partial<Outage>;
  /** Passages per simulated second when the pace is a speed or unlimited (default 100). */
  meanRate?: number;
  /** anomalies: share of arrivals carrying one, the kinds injected (default 0.01, all four), cleanAfter. */
  anomalies?: Partial<AnomalyOptions>;
  /** anomalies: the NDJSON file each injected anomaly is appended to as `{"rule", "anomalyId"}`. */
  truthFile?: string;
}

const COMPRESSED_HISTORY_DAYS = 30;

function defaultRunId(): string {
  return `${Date.now().toString(36)}${Math.floor(Math.random() * 1296)
    .toString(36)
    .padStart(2, '0')}`;
}

function localMidnightDaysAgo(days: number, tz: string): number {
  const d = new Date(Date.now() - days * 86_400_000);
  // The local date of that instant is close enough: a day either way only shifts where the history begins.
  return wallClockToEpoch(
    {
      year: d.getUTCFullYear(),
      month: d.getUTCMonth() + 1,
      day: d.getUTCDate(),
      hour: 0,
      minute: 0,
      second: 0,
    },
    tz,
  );
}

export function createSimulatorSource(
  options: SimulatorOptions,
  ctx: SourceContext,
  spec = 'simulator',
): TollSource {
  const plazas = options.plazas ?? DEFAULT_TRAFFIC.plazas;
  const scenarios = new Set(options.scenarios ?? []);
  const compression = options.dayMinutes ? 1440 / options.dayMinutes : 1;
  const middle = plazas[Math.floor(plazas.length / 2)]!;
  const traffic = new Traffic({
    ...DEFAULT_TRAFFIC,
    seed: options.seed ?? Math.floor(Math.random() * 2 ** 32),
    runId: options.runId ?? defaultRunId(),
    tz: ctx.tz,
    plazas,
    mix: options.mix ?? DEFAULT_TRAFFIC.mix,
    poolSize: options.poolSize ?? DEFAULT_TRAFFIC.poolSize,
    zipf: options.zipf ?? DEFAULT_TRAFFIC.zipf,
    oneOffShare: options.oneOffShare ?? DEFAULT_TRAFFIC.oneOffShare,
    methods: options.methods ?? DEFAULT_TRAFFIC.methods,
    rushFactor: scenarios.has('rush-hour') ? (options.rushFactor ?? 2) : 1,
    curve: options.curve ?? 'daily',
    ...(scenarios.has('plaza-outage')
      ? {
          outage: {
            plazaId: options.outage?.plazaId ?? middle.plazaId,
            startMinute: options.outage?.startMinute ?? 10 * 60,
            minutes: options.outage?.minutes ?? 120,
          },
        }
      : {}),
    ...(scenarios.has('anomalies') ? { anomalies: { ...DEFAULT_ANOMALIES, ...options.anomalies } } : {}),
  });
  const meanRate = options.meanRate ?? 100;
  const peak = peakWeight(traffic.options.rushFactor, traffic.options.curve);

  let pace = ctx.pace;
  assertPace(pace);
  const realTime = compression === 1 && options.start === undefined && pace.kind === 'rate';
  /** The simulated clock has met the wall clock: from then on it is the wall clock (it cannot run ahead). */
  let caughtUp = realTime;
  let cursor =
    options.start ?? (realTime ? Date.now() : localMidnightDaysAgo(COMPRESSED_HISTORY_DAYS, ctx.tz));

  const plan = (): { unlimited: boolean; factor: number; meanPerSec: number } => {
    if (isUnlimited(pace)) return { unlimited: true, factor: 1, meanPerSec: meanRate };
    if (pace.kind === 'speed')
      return { unlimited: false, factor: caughtUp ? 1 : (pace.factor as number), meanPerSec: meanRate };
    const factor = caughtUp ? 1 : compression;
    return { unlimited: false, factor, meanPerSec: pace.perSecond / factor };
  };
  const clockPace = (): Pace => {
    const p = plan();
    return { kind: 'speed', factor: p.unlimited ? 'max' : p.factor };
  };
  // Catch up after a slow consumer instead of dropping time: the windows cap each burst at ~500 passages.
  const clock = new Pacer(clockPace(), { maxLagMs: Infinity });
  let running = false;
  let eventTimeMs: number | undefined;
  // Passages handed to the producer; the traffic model may have generated more (a batch is yielded in slices).
  let read = 0;

  const followWallClock = (): void => {
    cursor = Date.now();
    traffic.restart();
    clock.anchor(cursor);
  };

  /** Slices of at most batchLimit passages; a passage with an anomaly opens a slice (see Truth above). */
  function* slices(batch: TollEvent[]): Generator<TollEvent[]> {
    let from = 0;
    for (let i = 1; i <= batch.length; i++) {
      if (i === batch.length || i - from === clock.batchLimit || traffic.anomalyOf(batch[i]!)) {
        yield batch.slice(from, i);
        from = i;
      }
    }
  }

  let truth: number | undefined;
  const writeTruth = (slice: readonly TollEvent[]): void => {
    if (options.truthFile === undefined) return;
    let lines = '';
    for (const e of slice) {
      const anomaly = traffic.anomalyOf(e);
      if (anomaly) lines += truthLine(anomaly);
    }
    if (lines === '') return;
    truth ??= openSync(options.truthFile, 'a');
    writeSync(truth, lines);
  };

  async function* events(signal: AbortSignal): AsyncGenerator<TollEvent[]> {
    if (running) throw new Error(`source ${spec}: events() is already running`);
    running = true;
    try {
      if (caughtUp) followWallClock();
      else clock.anchor(cursor);
      while (!signal.aborted) {
        const p = plan();
        // After an unlimited burst the generator may be ahead of a clock that must follow the wall.
        if (caughtUp && !p.unlimited && cursor > Date.now() + clock.batchWindowMs) followWallClock();
        const spanFor500 = (clock.batchLimit * 1000) / Math.max(p.meanPerSec * peak, 1e-6);
        const end =
          cursor + (p.unlimited ? spanFor500 : Math.min(clock.batchWindowMs * p.factor, spanFor500));
        if (!p.unlimited) {
          const r = await clock.waitUntilDue(end, signal);
          if (r === 'aborted') break;
          if (r === 'changed') continue;
        }
        const wallNow = Date.now();
        const batch = traffic.arrivals(cursor, end, p.meanPerSec, wallNow);
        cursor = end;
        if (!p.unlimited && !caughtUp && cursor > wallNow) {
          caughtUp = true;
          clock.setPace(clockPace());
          followWallClock();
        }
        if (batch.length === 0) continue;
        eventTimeMs = Date.parse(batch[batch.length - 1]!.passage.passedAt);
        for (const slice of slices(batch)) {
          read += slice.length;
          writeTruth(slice);
          yield slice;
        }
      }
    } finally {
      running = false;
      if (truth !== undefined) closeSync(truth);
      truth = undefined;
    }
  }

  return {
    kind: 'simulator',
    spec,
    finite: false,
    plazas: async () => traffic.plazaRecords(),
    events,
    setPace(next: Pace): void {
      assertPace(next);
      pace = next;
      clock.setPace(clockPace());
    },
    getPace: () => pace,
    progress(): SourceProgress {
      const p: SourceProgress = { read, rejected: 0 };
      if (eventTimeMs !== undefined) p.eventTimeMs = eventTimeMs;
      if (compression > 1 && !caughtUp) p.note = `one simulated day every ${options.dayMinutes} min`;
      else if (caughtUp && pace.kind === 'rate' && pace.perSecond > 0 && traffic.options.curve !== 'flat') {
        // Why "actual" is not "target": the rate is the day's mean and this hour runs above or below it.
        const { hour } = localHour(Date.now(), ctx.tz);
        const w = hourWeight(hour, traffic.options.rushFactor, traffic.options.curve);
        p.note = `${String(hour).padStart(2, '0')}h: ${w.toFixed(2)}× day mean`;
      }
      return p;
    },
  };
}

/** Plazas from a spec: `4000-4010`, `4000:8,4001:6` (id:lanes), or config objects with plazaId, lanes, ... */
function parsePlazas(bag: OptionBag, tariff: Tariff): SimPlaza[] | undefined {
  const raw = bag.raw('plazas');
  if (raw === undefined || raw === '') return undefined;
  const out: SimPlaza[] = [];
  const check = (id: number, lanes: number): void => {
    if (!Number.isInteger(id) || id < 1 || id > 65535) bag.fail(`plaza id ${id} is not in 1..65535`);
    if (!Number.isInteger(lanes) || lanes < 1 || lanes > 64)
      bag.fail(`plaza ${id} has ${lanes} lanes, expected 1..64`);
  };
  if (Array.isArray(raw)) {
    for (const item of raw as Record<string, unknown>[]) {
      const id = Number(item.plazaId);
      const lanes = Number(item.lanes ?? defaultLanes(out.length));
      check(id, lanes);
      const overrides: Partial<SimPlaza> = { tariff };
      if (typeof item.code === 'string') overrides.code = item.code;
      if (typeof item.name === 'string') overrides.name = item.name;
      if (item.weight !== undefined) overrides.weight = Number(item.weight);
      out.push(simPlaza(id, lanes, overrides));
    }
  } else if (typeof raw === 'string') {
    for (const part of raw.split(',')) {
      const range = /^\s*(\d+)\s*-\s*(\d+)\s*$/.exec(part);
      const single = /^\s*(\d+)\s*(?::\s*(\d+))?\s*$/.exec(part);
      if (range) {
        for (let id = Number(range[1]); id <= Number(range[2]); id++) {
          const lanes = defaultLanes(out.length);
          check(id, lanes);
          out.push(simPlaza(id, lanes, { tariff }));
        }
      } else if (single) {
        const id = Number(single[1]);
        const lanes = single[2] ? Number(single[2]) : defaultLanes(out.length);
        check(id, lanes);
        out.push(simPlaza(id, lanes, { tariff }));
      } else {
        bag.fail(`plazas has "${part}", expected an id, id:lanes or first-last`);
      }
    }
  } else {
    bag.fail('plazas must be a list like 4000-4010 or 4000:8,4001:6');
  }
  if (out.length === 0) bag.fail('plazas is empty');
  if (new Set(out.map((p) => p.plazaId)).size !== out.length) bag.fail('plazas lists a plaza id twice');
  return out;
}

function weights(
  bag: OptionBag,
  key: string,
  allowed?: readonly string[],
): Record<string, number> | undefined {
  const dict = bag.dict(key);
  if (!dict) return undefined;
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(dict)) {
    const n = Number(v);
    if (!(n >= 0)) bag.fail(`${key} has ${k}:${v}, expected a weight >= 0`);
    if (allowed && !allowed.includes(k)) bag.fail(`${key} has "${k}", expected one of ${allowed.join(', ')}`);
    if (!allowed && !/^[a-z][a-z0-9-]{0,15}$/.test(k))
      bag.fail(`${key} has "${k}", expected a lower-case vehicle type`);
    out[k] = n;
  }
  if (!Object.values(out).some((n) => n > 0)) bag.fail(`${key} needs at least one weight above 0`);
  return out;
}

function parseStart(bag: OptionBag, tz: string): number | undefined {
  const s = bag.string('start');
  if (s === undefined) return undefined;
  // The same ISO reading as every other source's timestamps: a zone-less time is in `tz`.
  const ms = compileTimestampFormats('iso', tz)(s);
  if (Number.isNaN(ms) || ms < Date.UTC(2000, 0, 1) || ms > Date.now()) {
    bag.fail(`start "${s}" is not a past date like 2024-05-01 or 2024-05-01T06:00`);
  }
  return ms;
}

/** Reads simulator options from a spec suffix or config mapping (see describeSources for the keys). */
export function parseSimulatorOptions(bag: OptionBag, tz: string): SimulatorOptions {
  const options: SimulatorOptions = {};
  const seed = bag.string('seed');
  if (seed !== undefined) options.seed = /^\d+$/.test(seed) ? Number(seed) : seed;
  const runId = bag.string('runId');
  if (runId !== undefined) {
    if (!/^[A-Za-z0-9]{1,16}$/.test(runId)) bag.fail('runId must be 1-16 letters or digits');
    options.runId = runId;
  }
  const tariffOverrides = weights(bag, 'tariff');
  const tariff: Tariff = tariffOverrides
    ? {
        ...DEFAULT_TARIFF,
        ...Object.fromEntries(
          Object.entries(tariffOverrides).map(([type, cents]): [string, Rate] => [
            type,
            { baseCents: Math.round(cents), perExtraAxleCents: Math.round(cents / 2) },
          ]),
        ),
      }
    : DEFAULT_TARIFF;
  const plazas =
    parsePlazas(bag, tariff) ??
    (tariffOverrides ? DEFAULT_TRAFFIC.plazas.map((p) => ({ ...p, tariff })) : undefined);
  if (plazas) options.plazas = plazas;
  const mix = weights(bag, 'mix');
  if (mix) options.mix = mix;
  const methods = weights(bag, 'methods', ['e-tag', 'cash', 'card', 'prepaid']);
  if (methods) options.methods = methods;
  if (bag.has('pool')) options.poolSize = bag.int('pool', 5000, 1, 1_000_000);
  if (bag.has('zipf')) options.zipf = bag.number('zipf', 1, 0, 5);
  if (bag.has('oneOff')) options.oneOffShare = bag.number('oneOff', 0.2, 0, 1);
  if (bag.has('dayMinutes')) options.dayMinutes = bag.number('dayMinutes', 1440, 0.1, 1440);
  const start = parseStart(bag, tz);
  if (start !== undefined) options.start = start;
  const scenarios = bag.string('scenario');
  if (scenarios !== undefined) {
    options.scenarios = scenarios.split(',').map((s) => {
      const name = s.trim();
      if (name.includes('=')) {
        bag.fail(`scenario has "${name}": options are joined by & (scenario=anomalies&truth=file.ndjson)`);
      }
      if (!(SIMULATOR_SCENARIOS as readonly string[]).includes(name)) {
        bag.fail(`scenario "${name}" is not one of ${SIMULATOR_SCENARIOS.join(', ')}`);
      }
      return name as Scenario;
    });
  }
  const curve = bag.string('curve');
  if (curve !== undefined) {
    if (!(CURVES as readonly string[]).includes(curve))
      bag.fail(`curve "${curve}" is not one of ${CURVES.join(', ')}`);
    options.curve = curve as Curve;
  }
  if (bag.has('rushFactor')) options.rushFactor = bag.number('rushFactor', 2, 0, 100);
  const outage: Partial<Outage> = {};
  if (bag.has('outagePlaza')) outage.plazaId = bag.int('outagePlaza', 0, 1, 65535);
  const outageStart = bag.string('outageStart');
  if (outageStart !== undefined) {
    const m = /^(\d{1,2}):(\d{2})$/.exec(outageStart);
    if (!m || +m[1]! > 23 || +m[2]! > 59)
      bag.fail(`outageStart "${outageStart}" is not a time of day like 13:30`);
    outage.startMinute = +m[1]! * 60 + +m[2]!;
  }
  if (bag.has('outageMinutes')) outage.minutes = bag.int('outageMinutes', 120, 1, 1440);
  if (Object.keys(outage).length) options.outage = outage;
  const plazaIds = (options.plazas ?? DEFAULT_TRAFFIC.plazas).map((p) => p.plazaId);
  if (outage.plazaId !== undefined && !plazaIds.includes(outage.plazaId)) {
    bag.fail(`outagePlaza ${outage.plazaId} is not one of the simulated plazas`);
  }
  if (bag.has('meanRate')) options.meanRate = bag.number('meanRate', 100, 0.001, 1_000_000);
  parseAnomalies(bag, options);
  bag.rejectUnknown();
  return options;
}

/** anomalyRate, anomalyKinds, cleanAfter and truth: options of scenario=anomalies, refused without it. */
function parseAnomalies(bag: OptionBag, options: SimulatorOptions): void {
  const keys = ['anomalyRate', 'anomalyKinds', 'cleanAfter', 'truth'].filter((k) => bag.has(k));
  if (!options.scenarios?.includes('anomalies')) {
    if (keys.length) bag.fail(`${keys.join(', ')} need${keys.length > 1 ? '' : 's'} scenario=anomalies`);
    return;
  }
  const anomalies: Partial<AnomalyOptions> = {};
  if (bag.has('anomalyRate')) anomalies.rate = bag.number('anomalyRate', DEFAULT_ANOMALIES.rate, 0, 1);
  if (bag.has('cleanAfter')) anomalies.cleanAfter = bag.int('cleanAfter', 0, 0, Number.MAX_SAFE_INTEGER);
  const kinds = bag.string('anomalyKinds');
  if (kinds !== undefined) {
    anomalies.kinds = kinds.split(',').map((k) => {
      const kind = k.trim();
      if (!(ANOMALY_KINDS as readonly string[]).includes(kind))
        bag.fail(`anomalyKinds has "${kind}", expected some of ${ANOMALY_KINDS.join(', ')}`);
      return kind as AnomalyKind;
    });
  }
  const plazas = options.plazas ?? DEFAULT_TRAFFIC.plazas;
  if (
    (anomalies.kinds ?? ANOMALY_KINDS).includes('impossible-travel') &&
    !AnomalyInjector.canTravel(plazas)
  ) {
    bag.fail(
      `impossible-travel needs two plazas at least ${MIN_TRAVEL_KM} km apart; add plazas or leave it out of anomalyKinds`,
    );
  }
  if (Object.keys(anomalies).length) options.anomalies = anomalies;
  const truth = bag.string('truth');
  if (truth !== undefined) {
    const dir = path.dirname(path.resolve(truth));
    if (!existsSync(dir) || !statSync(dir).isDirectory()) bag.fail(`truth: directory ${dir} does not exist`);
    options.truthFile = path.resolve(truth);
  }
}
