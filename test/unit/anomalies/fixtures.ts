/** The detector fed the way the engine feeds it, and a synthetic stream spread over topic partitions. */
import { Detector, partitionKey, watermarkOf } from '../../../src/anomalies/detector.ts';
import type { ResumePoint } from '../../../src/anomalies/detector.ts';
import { parseAnomalySettings } from '../../../src/anomalies/settings.ts';
import type { AnomalySettings } from '../../../src/anomalies/settings.ts';
import type { Baseline, Finding, Origin, PassageIn, PaymentIn, Plaza } from '../../../src/anomalies/types.ts';
import { createRng, hash32 } from '../../../src/sources/random.ts';
import type { Rng } from '../../../src/sources/random.ts';
import { greatCircleKm } from '../../../src/domain/geo.ts';
import { MIN, passage, payment, plaza, S, T0 } from './inputs.ts';

export { MIN, passage, payment, plaza, S, T0 };

export const PASSAGES = 'toll.passages';
export const PAYMENTS = 'toll.payments';

/** The defaults with some keys changed, as a config file would. */
export const settings = (section: Record<string, unknown> = {}): AnomalySettings =>
  parseAnomalySettings(section);

/** Only the named rules on. */
export function only(...rules: string[]): Record<string, unknown> {
  const keys = ['surge', 'drop', 'unpaid', 'shortPayment', 'doubleCharge', 'impossibleTravel'];
  return { rules: Object.fromEntries(keys.map((k) => [k, { enabled: rules.includes(k) }])) };
}

/** A detector fed the way the engine does: each input with the next offset of its topic partition. */
export class Harness {
  readonly detector: Detector;
  private readonly next = new Map<string, bigint>();

  constructor(
    section: Record<string, unknown> = {},
    plazas: Plaza[] = [],
    baseline: Baseline = () => undefined,
    resume?: ResumePoint,
  ) {
    this.detector = new Detector(settings(section), baseline, resume ? { resume } : {});
    for (const p of plazas) this.detector.plaza(p);
  }

  private origin(topic: string, partition: number): Origin {
    const key = partitionKey(topic, partition);
    const offset = this.next.get(key) ?? 0n;
    this.next.set(key, offset + 1n);
    return { topic, partition, offset };
  }

  passage(p: PassageIn, partition = 0): Origin {
    const origin = this.origin(PASSAGES, partition);
    this.detector.passage(p, origin);
    return origin;
  }

  payment(p: PaymentIn, partition = 0): Origin {
    const origin = this.origin(PAYMENTS, partition);
    this.detector.payment(p, origin);
    return origin;
  }

  advance(watermarkMs: number): Finding[] {
    return this.detector.advance(watermarkMs);
  }

  /** The ids found by advancing to `watermarkMs`. */
  ids(watermarkMs: number): string[] {
    return this.advance(watermarkMs).map((f) => f.anomalyId);
  }
}

// ---- a synthetic stream, spread over partitions like the topics ----

export type Input =
  { kind: 'passage'; value: PassageIn; t: number } | { kind: 'payment'; value: PaymentIn; t: number };

export interface PartitionLog {
  topic: string;
  partition: number;
  key: string;
  /** In offset order (offset = index). */
  records: Input[];
}

export interface Stream {
  plazas: Plaza[];
  logs: PartitionLog[];
  baseline: Baseline;
  /** What was put in on purpose, by rule. */
  injected: Record<string, string[]>;
}

const POSITIONS: Record<number, { lat: number; lon: number }> = {
  1: { lat: 40.7, lon: -74.0 },
  2: { lat: 40.8, lon: -73.95 }, // ~12 km from 1
  3: { lat: 41.2, lon: -73.7 }, // ~62 km from 1
  4: { lat: 40.0, lon: -74.6 }, // ~93 km from 1
};
/** Passages per minute per plaza: the baseline, and the rate the stream is drawn at. */
const RATE_PER_MIN = 3;

/**
 * Two hours of traffic at four plazas (3 passages/min each, Poisson), every passage paid at its tariff a little
 * after (some a little before) the passage, plus on purpose: unpaid passages, short payments, payments after the
 * grace period, double charges, impossible trips, duplicated records, a surge at plaza 1 (08:45-09:00) and
 * plaza 3 silent (09:00-09:30). Passages go to 3 partitions by vehicle, payments to 2 by event; within a partition
 * records are out of event-time order by up to `jitterMs`.
 */
export function syntheticStream(seed: number, jitterMs = 20 * S): Stream {
  const rng = createRng(seed);
  const plazas = [1, 2, 3, 4].map((id) => plaza(id, { position: POSITIONS[id]! }));
  const inputs: Input[] = [];
  const injected: Record<string, string[]> = {
    unpaid: [],
    'short-payment': [],
    'double-charge': [],
    'impossible-travel': [],
  };
  let n = 0;
  const add = (p: PassageIn): void => void inputs.push({ kind: 'passage', value: p, t: p.passedAtMs });
  const pay = (p: PaymentIn): void => void inputs.push({ kind: 'payment', value: p, t: p.paidAtMs });
  const tariff = (type: string): number => (type === 'truck' ? 1275 : 450);
  const end = T0 + 120 * MIN;
  for (const plazaId of [1, 2, 3, 4]) {
    let t = T0;
    for (;;) {
      t += Math.round(-Math.log(1 - rng()) * (MIN / RATE_PER_MIN));
      if (t >= end) break;
      if (plazaId === 3 && t >= T0 + 60 * MIN && t < T0 + 90 * MIN) continue; // silent 09:00-09:30
      const eventId = `e${String(n++).padStart(6, '0')}`;
      const type = rng() < 0.1 ? 'truck' : 'car';
      const p = passage(eventId, plazaId, `V${eventId}`, t, type);
      add(p);
      const r = rng();
      if (r < 0.02) {
        injected.unpaid!.push(`unpaid:${eventId}`);
      } else if (r < 0.03) {
        injected.unpaid!.push(`unpaid:${eventId}`);
        pay(payment(eventId, plazaId, tariff(type), t + 900 * S + 60 * S)); // after the grace period
      } else if (r < 0.05) {
        injected['short-payment']!.push(`short-payment:pay-${eventId}`);
        pay(payment(eventId, plazaId, tariff(type) - 50, t + Math.round(rng() * 60 * S)));
      } else if (r < 0.08) {
        pay(payment(eventId, plazaId, tariff(type), t - Math.round(rng() * 10 * S))); // paid at the gantry first
      } else {
        pay(payment(eventId, plazaId, tariff(type), t + Math.round(rng() * 120 * S), { method: 'card' }));
      }
      if (t > end - 50 * MIN) continue; // pairs stay inside the two hours
      if (r > 0.97) {
        // the same vehicle charged again at the same plaza within 5 minutes
        const again = `e${String(n++).padStart(6, '0')}`;
        const t2 = t + Math.round((10 + rng() * 280) * S);
        add(passage(again, plazaId, p.vehicleId, t2, type));
        pay(payment(again, plazaId, tariff(type), t2 + 5 * S));
        injected['double-charge']!.push(`double-charge:${again}`);
      } else if (r > 0.95 && plazaId !== 4) {
        // the same tag at plaza 4 (93-154 km away) at 1.05-3 times the speed limit of 200 km/h
        const clone = `e${String(n++).padStart(6, '0')}`;
        const km = greatCircleKm(POSITIONS[plazaId]!, POSITIONS[4]!);
        const t2 = t + Math.round(((km / 200) * 3_600_000) / (1.05 + 2 * rng()));
        add(passage(clone, 4, p.vehicleId, t2, type));
        pay(payment(clone, 4, tariff(type), t2 + 3 * S));
        injected['impossible-travel']!.push(`impossible-travel:${clone}`);
      }
    }
  }
  // A surge: 150 more passages at plaza 1 in 08:45-09:00.
  for (let i = 0; i < 150; i++) {
    const eventId = `e${String(n++).padStart(6, '0')}`;
    const t = T0 + 45 * MIN + Math.floor(rng() * 15 * MIN);
    add(passage(eventId, 1, `B${i}`, t));
    pay(payment(eventId, 1, 450, t + 20 * S));
  }
  // Duplicated records (a producer's retry): the same passage or payment twice.
  for (let i = 0; i < 10; i++) {
    const dup = inputs[Math.floor(rng() * inputs.length)]!;
    inputs.push({ ...dup });
  }
  const logs: PartitionLog[] = [];
  const log = (topic: string, partition: number): PartitionLog => {
    const key = partitionKey(topic, partition);
    let l = logs.find((x) => x.key === key);
    if (!l) logs.push((l = { topic, partition, key, records: [] }));
    return l;
  };
  const arrival = new Map<Input, number>();
  for (const input of inputs) {
    arrival.set(input, input.t + rng() * jitterMs);
    if (input.kind === 'passage') log(PASSAGES, hash32(input.value.vehicleId) % 3).records.push(input);
    else log(PAYMENTS, hash32(input.value.eventId) % 2).records.push(input);
  }
  for (const l of logs) l.records.sort((a, b) => arrival.get(a)! - arrival.get(b)!);
  logs.sort((a, b) => (a.key < b.key ? -1 : 1));
  return { plazas, logs, baseline: () => RATE_PER_MIN, injected };
}

/** Where a run committed: the findings so far, with what the engine would persist beside them. */
export interface Checkpoint {
  findings: Finding[];
  resume: ResumePoint;
  replayFrom: Map<string, bigint>;
}

/**
 * Reads the logs the way the engine would: partitions interleaved at random (seeded), a watermark from the latest
 * event time read per partition after some reads, and a commit now and then. Reads each partition from `from`
 * (default 0); stops after `steps` reads when given (a crash), else flushes (advance to +Infinity) at the end.
 */
export function consume(
  stream: Stream,
  detector: Detector,
  rng: Rng,
  options: { from?: ReadonlyMap<string, bigint>; steps?: number; onCommit?: (c: Checkpoint) => void } = {},
): Finding[] {
  const latenessSeconds = 30;
  const position = new Map(stream.logs.map((l) => [l.key, Number(options.from?.get(l.key) ?? 0n)]));
  // A partition with nothing left to read at the start does not hold the watermark back.
  const latest = new Map<string, number | undefined>(
    stream.logs.filter((l) => position.get(l.key)! < l.records.length).map((l) => [l.key, undefined]),
  );
  const findings: Finding[] = [];
  let steps = 0;
  for (;;) {
    const open = stream.logs.filter((l) => position.get(l.key)! < l.records.length);
    if (open.length === 0 || (options.steps !== undefined && steps >= options.steps)) break;
    const log = open[Math.floor(rng() * open.length)]!;
    // A fetch: a few records of one partition.
    const count = 1 + Math.floor(rng() * 8);
    for (let i = 0; i < count; i++) {
      const at = position.get(log.key)!;
      const record = log.records[at];
      if (!record) break;
      const origin: Origin = { topic: log.topic, partition: log.partition, offset: BigInt(at) };
      if (record.kind === 'passage') detector.passage(record.value, origin);
      else detector.payment(record.value, origin);
      position.set(log.key, at + 1);
      latest.set(log.key, Math.max(latest.get(log.key) ?? -Infinity, record.t));
      steps++;
    }
    if (rng() < 0.3) {
      const w = watermarkOf(latest.values(), latenessSeconds);
      if (w !== undefined) findings.push(...detector.advance(w));
      if (options.onCommit && detector.watermarkMs !== undefined && rng() < 0.3) {
        options.onCommit({
          findings: [...findings],
          resume: {
            watermarkMs: detector.watermarkMs,
            nextOffsets: new Map([...position].map(([k, v]) => [k, BigInt(v)])),
          },
          replayFrom: detector.replayFrom(),
        });
      }
    }
  }
  if (options.steps === undefined) findings.push(...detector.advance(Infinity));
  return findings;
}

/** Every record of the stream handed over in event-time order, then one advance: the timeline by definition. */
export function inOrder(stream: Stream, section: Record<string, unknown> = {}): Finding[] {
  const detector = new Detector(settings(section), stream.baseline);
  for (const p of stream.plazas) detector.plaza(p);
  const all = stream.logs.flatMap((l) => l.records.map((record, i) => ({ l, record, i })));
  all.sort((a, b) => a.record.t - b.record.t);
  for (const { l, record, i } of all) {
    const origin: Origin = { topic: l.topic, partition: l.partition, offset: BigInt(i) };
    if (record.kind === 'passage') detector.passage(record.value, origin);
    else detector.payment(record.value, origin);
  }
  return detector.advance(Infinity);
}

export function newDetector(
  stream: Stream,
  section: Record<string, unknown> = {},
  resume?: ResumePoint,
): Detector {
  const detector = new Detector(settings(section), stream.baseline, resume ? { resume } : {});
  for (const p of stream.plazas) detector.plaza(p);
  return detector;
}
