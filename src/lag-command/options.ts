/** The options of `tollstream lag`, read from the parsed flags (pure). */
import { parseDuration } from '../config/config.ts';
import { parseFormat } from '../query/format.ts';
import type { OutputFormat } from '../query/format.ts';

export const USAGE =
  'usage: tollstream lag [--group G ...] [--format table|json|csv] [--samples N] [--watch [interval]]';

/** Looks a one-shot run takes; 2 s apart they span 6 s, longer than a Java consumer's 5 s auto-commit interval. */
export const DEFAULT_SAMPLES = 4;
/** Between two looks of a one-shot run: the lag pane's refresh interval. */
export const SAMPLE_GAP_MS = 2000;
export const MAX_SAMPLES = 60;
/** `--watch` without an interval, as `watch` does. */
export const DEFAULT_WATCH_MS = 2000;
/** Each look lists and describes every group of the cluster: no faster than this on a shared broker. */
export const MIN_WATCH_MS = 500;

export interface LagOptions {
  format: OutputFormat;
  /** Groups asked for with --group, in the order given (duplicates dropped); empty: every group. */
  groups: string[];
  /** Looks of a one-shot run. */
  samples: number;
  /** Refresh interval of --watch; null: one report, then exit. */
  watchMs: number | null;
}

export type ParsedLagOptions = { ok: true; options: LagOptions } | { ok: false; message: string };

/**
 * `flags.lagGroup` holds the command's --group values (the command line renames them so the configuration's
 * --group, our sink's group id, stays single elsewhere).
 */
export function parseLagOptions(flags: Record<string, unknown>, input: readonly string[]): ParsedLagOptions {
  const bad = (message: string): ParsedLagOptions => ({ ok: false, message: `${message}\n${USAGE}` });
  if (input.length) return bad(`unexpected argument "${input[0]}"`);
  const format = parseFormat(flags.format);
  if (!format) return bad(`--format must be table, json or csv, not "${String(flags.format)}"`);

  const groups: string[] = [];
  for (const raw of asList(flags.lagGroup)) {
    const id = raw.trim();
    if (!id) return bad('--group needs a consumer group id');
    if (!groups.includes(id)) groups.push(id);
  }

  let watchMs: number | null = null;
  if (flags.watch !== undefined) {
    const raw = String(flags.watch).trim();
    const ms = raw === '' ? DEFAULT_WATCH_MS : durationMs(raw);
    if (ms === null) return bad(`--watch takes an interval such as 2s, 500ms or 1m, not "${raw}"`);
    if (ms < MIN_WATCH_MS) return bad(`--watch interval must be at least ${MIN_WATCH_MS}ms, not "${raw}"`);
    watchMs = ms;
  }

  let samples = DEFAULT_SAMPLES;
  if (flags.samples !== undefined) {
    if (watchMs !== null) return bad('--samples sets the looks of a one-shot run; --watch keeps looking');
    const raw = String(flags.samples).trim();
    const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
    if (!(n >= 2 && n <= MAX_SAMPLES)) {
      return bad(
        `--samples must be a whole number from 2 to ${MAX_SAMPLES} (status compares looks), not "${raw}"`,
      );
    }
    samples = n;
  }
  return { ok: true, options: { format, groups, samples, watchMs } };
}

function asList(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}

function durationMs(raw: string): number | null {
  try {
    return parseDuration(raw);
  } catch {
    return null;
  }
}
