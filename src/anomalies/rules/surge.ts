/**
 * Surge and drop: a plaza's passages in a tumbling event-time window against its baseline for the hour of the week
 * the window starts in. Pure: the detector counts and closes the windows.
 */
import type { Finding } from '../types.ts';

export const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** Start of the window holding `ms`: windows are aligned to the epoch, so to UTC days when they tile a day. */
export const windowStartOf = (ms: number, windowMs: number): number => Math.floor(ms / windowMs) * windowMs;

/** 0 = Monday 00:00-00:59 UTC ... 167 = Sunday 23:00-23:59 UTC (MySQL: `WEEKDAY(t) * 24 + HOUR(t)`). */
export function hourOfWeek(ms: number): number {
  const day = Math.floor(ms / DAY_MS);
  const weekday = (((day + 3) % 7) + 7) % 7; // 1970-01-01 was a Thursday (weekday 3)
  return weekday * 24 + Math.floor((ms - day * DAY_MS) / HOUR_MS);
}

/** `2026-12-02T08:15Z`: the minute a window starts, as its finding's id names it. */
export const isoMinute = (ms: number): string => `${new Date(ms).toISOString().slice(0, 16)}Z`;

export interface SurgeThresholds {
  windowMinutes: number;
  factor: number;
  minPassages: number;
}

export interface WindowCount {
  plazaId: number;
  windowStartMs: number;
  /** Passages of the plaza in [start, start + windowMinutes). */
  observed: number;
  /** Expected passages per minute for the plaza and the hour of week of the start; undefined: no history. */
  baselinePerMinute: number | undefined;
}

/**
 * A surge when observed >= factor x expected and observed >= minPassages; a drop when observed <= expected / factor
 * and expected >= minPassages (a silent plaza is a drop to 0); nothing without a baseline or with a rule off.
 */
export function judgeWindow(
  w: WindowCount,
  s: SurgeThresholds,
  enabled: { surge: boolean; drop: boolean },
): Finding | undefined {
  if (w.baselinePerMinute === undefined || !Number.isFinite(w.baselinePerMinute)) return undefined;
  const expected = w.baselinePerMinute * s.windowMinutes;
  let rule: 'surge' | 'drop';
  if (enabled.surge && w.observed >= s.factor * expected && w.observed >= s.minPassages) rule = 'surge';
  else if (enabled.drop && w.observed <= expected / s.factor && expected >= s.minPassages) rule = 'drop';
  else return undefined;
  const windowStart = isoMinute(w.windowStartMs);
  return {
    anomalyId: `${rule}:${w.plazaId}:${windowStart}`,
    rule,
    plazaId: w.plazaId,
    vehicleId: null,
    eventId: null,
    relatedEventId: null,
    observedAtMs: w.windowStartMs,
    amountCents: null,
    expected: Math.round(expected * 100) / 100,
    observed: w.observed,
    details: {
      windowStart,
      windowMinutes: s.windowMinutes,
      hourOfWeek: hourOfWeek(w.windowStartMs),
      baselinePerMinute: w.baselinePerMinute,
      factor: s.factor,
    },
  };
}
