/**
 * The contract between sources and the producer engine. A source reads toll traffic from somewhere (a simulator,
 * replayed files, an HTTP API) and yields batches of passages (each optionally with its payment) in event-time
 * order, pacing itself with a Pacer. The producer engine publishes what it yields and owns nothing else.
 */
import type { Plaza, TollEvent } from '../domain/types.ts';
import type { PlazaRegistry } from './plaza-registry.ts';

export interface SourceProgress {
  /** Input records read so far (rows, API items, simulated arrivals). */
  read: number;
  /** Records in the whole input when known (finite sources), for "rows read of total" and ETA. */
  total?: number;
  /** Input records rejected (bad rows); each is also reported through the source's logger. */
  rejected: number;
  /** Pages fetched so far (HTTP sources). */
  pages?: number;
  /** Rejected records per reason code (e.g. time, type, fields), when the source classifies them. */
  rejectedByReason?: Record<string, number>;
  /** Event time of the newest record yielded, epoch ms. */
  eventTimeMs?: number;
  /** Human note for the UI, e.g. "waiting 30 s for next poll" or "server error 500, retrying". */
  note?: string;
}

/** Pacing as set by the user: a target rate (passages/s, 0 = as fast as possible) or a replay speed. */
export type Pace = { kind: 'rate'; perSecond: number } | { kind: 'speed'; factor: number | 'max' };

export interface TollSource {
  /** Short kind, e.g. "simulator", "tolldata", "hourly", "http", "file". */
  readonly kind: string;
  /** What the user passed, e.g. "tolldata:../shared/data/tolldata". */
  readonly spec: string;
  /** A finite source ends by itself (replays); an infinite one runs until stopped. */
  readonly finite: boolean;
  /** Reference data for `toll.plazas`, published before the first passage. */
  plazas(): Promise<Plaza[]>;
  /**
   * Yields batches in event-time order until exhausted or `signal` aborts. Each call starts where the previous
   * run of this source object stopped (so stop/start of a producer resumes, never repeats).
   */
  events(signal: AbortSignal): AsyncIterable<TollEvent[]>;
  /** Changes pacing at run time. */
  setPace(pace: Pace): void;
  getPace(): Pace;
  progress(): SourceProgress;
}

/** Options every source factory receives. */
export interface SourceContext {
  /** Time zone for timestamps that carry none (IANA name). */
  tz: string;
  pace: Pace;
  /** Half-open event-time window for replays, epoch ms. */
  from?: number;
  to?: number;
  /** Directory for a source's resume state (HTTP source cursor). */
  stateDir: string;
  /**
   * The ids of external plaza codes ("A-101"), shared by every source of the process and kept on the plaza topic.
   * A source that maps codes awaits its load() before mapping; without one, codes get ids known only to the source.
   */
  plazaRegistry?: PlazaRegistry;
}
