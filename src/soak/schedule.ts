/**
 * The fault schedule of a soak, a pure function of the seed: the same seed, duration, interval and kinds give
 * the same faults at the same planned times with the same targets and hold times, so `--seed` replays a run.
 *
 * Kinds are drawn from a shuffled bag (every enabled kind once per round, in a seeded order) rather than
 * independently: a short soak then still meets every kind, and a long one meets each about equally often.
 */
import { createRng } from '../sources/random.ts';
import type { Rng } from '../sources/random.ts';

export const FAULT_KINDS = [
  'broker-kill',
  'broker-stall',
  'mariadb-kill',
  'sink-kill',
  'sink-pause',
  'producer-kill',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export const isFaultKind = (s: string): s is FaultKind => (FAULT_KINDS as readonly string[]).includes(s);

export interface PlannedFault {
  /** 1-based position in the schedule. */
  index: number;
  kind: FaultKind;
  /** Planned start, in ms from the start of the fault phase. */
  atMs: number;
  /** Broker id (broker faults) or sink index (sink faults); 0 for MariaDB and the producer. */
  target: number;
  /** How long the process stays killed or stopped before it is restarted or continued. */
  holdMs: number;
}

export interface ScheduleOptions {
  seed: number;
  /** Length of the fault phase. */
  durationMs: number;
  /** Mean spacing of faults; one fault per interval. */
  everyMs: number;
  kinds?: readonly FaultKind[];
  brokers?: number;
  sinks?: number;
  /** The sinks' consumer-group session timeout: a pause must outlast it to make a zombie. */
  sessionTimeoutMs?: number;
}

/** [min, max] hold per kind in ms. A broker stall spans the brokers' 10 s ZooKeeper session: some expire it. */
function holdRange(kind: FaultKind, sessionTimeoutMs: number): [number, number] {
  switch (kind) {
    case 'broker-kill':
    case 'mariadb-kill':
      return [5_000, 20_000];
    case 'broker-stall':
      return [4_000, 16_000];
    case 'sink-kill':
      return [2_000, 10_000];
    case 'sink-pause':
      return [sessionTimeoutMs + 5_000, sessionTimeoutMs + 15_000];
    case 'producer-kill':
      return [2_000, 8_000];
    default: {
      const never: never = kind;
      throw new Error(`unknown fault kind ${String(never)}`);
    }
  }
}

function targetCount(kind: FaultKind, brokers: number, sinks: number): number {
  if (kind === 'broker-kill' || kind === 'broker-stall') return brokers;
  if (kind === 'sink-kill' || kind === 'sink-pause') return sinks;
  return 1;
}

function shuffled<T>(items: readonly T[], rng: Rng): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

const between = (rng: Rng, min: number, max: number): number =>
  Math.round((min + rng() * (max - min)) / 100) * 100;

export function faultSchedule({
  seed,
  durationMs,
  everyMs,
  kinds = FAULT_KINDS,
  brokers = 3,
  sinks = 2,
  sessionTimeoutMs = 10_000,
}: ScheduleOptions): PlannedFault[] {
  if (!kinds.length) throw new RangeError('no fault kinds to choose from');
  if (everyMs <= 0) throw new RangeError('the fault interval must be positive');
  const rng = createRng(seed);
  const count = Math.max(1, Math.floor(durationMs / everyMs));
  const out: PlannedFault[] = [];
  let bag: FaultKind[] = [];
  for (let i = 0; i < count; i++) {
    if (!bag.length) bag = shuffled(kinds, rng);
    const kind = bag.shift()!;
    // The middle of the i-th interval, moved by up to a quarter interval either way.
    const atMs = Math.round((i + 0.5) * everyMs + (rng() - 0.5) * (everyMs / 2));
    const target = Math.floor(rng() * targetCount(kind, brokers, sinks));
    const [min, max] = holdRange(kind, sessionTimeoutMs);
    out.push({ index: i + 1, kind, atMs, target, holdMs: between(rng, min, max) });
  }
  return out;
}

export const SINK_NAMES = ['a', 'b', 'c', 'd'] as const;

/** The fault as a person reads it in the progress lines and the final table. */
export function describeFault(f: Pick<PlannedFault, 'kind' | 'target' | 'holdMs'>): string {
  const s = `${(f.holdMs / 1000).toFixed(1)} s`;
  const sink = `sink ${SINK_NAMES[f.target] ?? f.target}`;
  switch (f.kind) {
    case 'broker-kill':
      return `kill -9 broker ${f.target}, restart after ${s}`;
    case 'broker-stall':
      return `stall broker ${f.target} (SIGSTOP) for ${s}`;
    case 'mariadb-kill':
      return `kill -9 MariaDB, restart after ${s}`;
    case 'sink-kill':
      return `kill -9 ${sink}, restart after ${s}`;
    case 'sink-pause':
      return `pause ${sink} (SIGSTOP) for ${s}, past its session timeout`;
    case 'producer-kill':
      return `kill -9 the producer, restart after ${s}`;
    default: {
      const never: never = f.kind;
      throw new Error(`unknown fault kind ${String(never)}`);
    }
  }
}
