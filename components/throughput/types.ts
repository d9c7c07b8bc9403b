/**
 * The expected band beside each plaza's live rate, in the pane's terms. src/monitor/baseline-feed.ts reads the
 * baselines from the hourly rollup through the read-only query layer and publishes these snapshots; the pane only
 * compares its live rate with them.
 */
import type { ReadableStore } from '../../src/util/store.ts';

export interface PlazaBaseline {
  plazaId: number;
  /** Usual passages per minute in this hour of week: the average of the earlier weeks' same hour. */
  perMinute: number;
  /** The band [perMinute / factor, perMinute × factor], per minute. */
  low: number;
  high: number;
  /** How many of the weeks looked at had traffic at this plaza in this hour (the average's sample). */
  weeks: number;
}

export type BaselineStatus =
  { kind: 'idle' } | { kind: 'running' } | { kind: 'error'; message: string; retryInMs: number | null };

export interface BaselineSnapshot {
  status: BaselineStatus;
  /** When the data below was read; null before the first successful read. */
  readAt: number | null;
  /** The UTC hour the baselines are for (its start); null before the first successful read. */
  hourStartMs: number | null;
  /** 0 = Monday 00:00-01:00 UTC, as MySQL's WEEKDAY(bucket) * 24 + HOUR(bucket). */
  hourOfWeek: number | null;
  /** The surge rule's factor (config anomalies.rules.surge.factor): the band's width either way. */
  factor: number;
  /** Weeks of history the baselines average over (config anomalies.rules.surge.baselineWeeks). */
  weeks: number;
  /** Plazas that had traffic in this hour of week, by id. */
  plazas: PlazaBaseline[];
}

export interface BaselineService {
  store: ReadableStore<BaselineSnapshot>;
}

export function emptyBaselineSnapshot(
  factor: number,
  weeks: number,
  status: BaselineStatus = { kind: 'idle' },
): BaselineSnapshot {
  return { status, readAt: null, hourStartMs: null, hourOfWeek: null, factor, weeks, plazas: [] };
}
