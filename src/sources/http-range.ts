/**
 * Asking the server for the --from/--to range instead of downloading everything and filtering here, and reading
 * how many records the server holds for that question. The local filter stays the guarantee: what is built here
 * may ask for a little more than the range (never less).
 *
 * - Socrata: `$where=<dateField> >= '<from>' AND <dateField> < '<to>'` in floating timestamps (no zone) of the
 *   source's time zone, joined with AND to a `$where` the URL already has. The MTA hourly rows carry the day in
 *   `date` (always midnight) and the hour in `hour`, so the lower bound goes back to the start of its day.
 *   The count of rows matching the same question: `$select=count(*)`.
 * - Other JSON APIs: a query template such as `since={from}&until={to}`, the bounds written as ISO 8601 UTC,
 *   epoch seconds or epoch ms; a parameter whose bound is not set is left out.
 */
import { epochToWallClock } from '../domain/time.ts';

export type RangeFormat = 'iso' | 'epoch' | 'epoch-ms';
export const RANGE_FORMATS = ['iso', 'epoch', 'epoch-ms'] as const;

/** Half-open event-time range, epoch ms; either bound may be open. */
export interface TimeRange {
  from?: number;
  to?: number;
}

/** A query parameter of a range template: `since={from}` is ['since', '{from}']. */
export type RangeParam = [name: string, value: string];

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** `YYYY-MM-DDTHH:mm:ss.SSS`, the wall clock of `tz` at `ms` (a Socrata floating timestamp). */
export function floatingTimestamp(ms: number, tz: string, startOfDay = false): string {
  const w = epochToWallClock(ms, tz);
  const time = startOfDay
    ? '00:00:00.000'
    : `${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}.${pad(w.ms ?? 0, 3)}`;
  return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}T${time}`;
}

/** A SoQL column name as `dateField=` may give it. */
export const SOQL_FIELD = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The SoQL condition for `range` on `field`, or undefined when the range is open at both ends. */
export function socrataRangeWhere(field: string, range: TimeRange, tz: string): string | undefined {
  const parts: string[] = [];
  if (range.from !== undefined) parts.push(`${field} >= '${floatingTimestamp(range.from, tz, true)}'`);
  if (range.to !== undefined) parts.push(`${field} < '${floatingTimestamp(range.to, tz)}'`);
  return parts.length ? parts.join(' AND ') : undefined;
}

/** `url` with `condition` added to its `$where` (AND, each side in parentheses when both are there). */
export function withSocrataWhere(url: string, condition: string): string {
  const u = new URL(url);
  const existing = u.searchParams.get('$where')?.trim();
  u.searchParams.set('$where', existing ? `(${existing}) AND (${condition})` : condition);
  return u.toString();
}

/** The count query for the rows `url` pages through: same filters, no order, limit or offset. */
export function socrataCountUrl(url: string, limitParam: string, offsetParam: string): string {
  const u = new URL(url);
  for (const p of ['$order', '$select', limitParam, offsetParam]) u.searchParams.delete(p);
  u.searchParams.set('$select', 'count(*)');
  return u.toString();
}

/** A record count as a server writes it: a whole number, or a string of digits. */
export function asCount(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : NaN;
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/** The answer of a count query, `[{"count":"480"}]` (any single column name); undefined when it is not one. */
export function readSocrataCount(body: unknown): number | undefined {
  if (!Array.isArray(body) || body.length !== 1) return undefined;
  const row: unknown = body[0];
  if (row === null || typeof row !== 'object') return undefined;
  const values = Object.values(row as Record<string, unknown>);
  return values.length === 1 ? asCount(values[0]) : undefined;
}

/**
 * Parses `since={from}&until={to}`. Returns the parameters, or the reason the template cannot be used: each
 * parameter names {from} or {to} (or both), and no other placeholder.
 */
export function parseRangeTemplate(text: string): RangeParam[] | string {
  const params: RangeParam[] = [];
  for (const part of text.split('&')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    if (eq <= 0) return `"${part}" is not name=value`;
    const value = part.slice(eq + 1);
    const unknown = [...value.matchAll(/\{([^}]*)\}/g)]
      .map((m) => m[1])
      .filter((p) => p !== 'from' && p !== 'to');
    if (unknown.length) return `"{${unknown[0]}}" is not a placeholder (use {from} and {to})`;
    if (!value.includes('{from}') && !value.includes('{to}')) {
      return `"${part}" names neither {from} nor {to} (fixed parameters belong in the URL)`;
    }
    params.push([part.slice(0, eq).trim(), value]);
  }
  return params.length ? params : 'it is empty';
}

/** One bound as the API wants it. Epoch seconds round outwards, so the range asked for holds the one wanted. */
export function formatBound(ms: number, format: RangeFormat, bound: 'from' | 'to'): string {
  switch (format) {
    case 'iso':
      return new Date(ms).toISOString();
    case 'epoch':
      return String(bound === 'from' ? Math.floor(ms / 1000) : Math.ceil(ms / 1000));
    case 'epoch-ms':
      return String(ms);
  }
}

/** `url` with the template's parameters set for `range`; parameters whose bound is open are left out. */
export function withRangeParams(
  url: string,
  params: readonly RangeParam[],
  range: TimeRange,
  format: RangeFormat,
): string {
  const u = new URL(url);
  let changed = false;
  for (const [name, template] of params) {
    if (template.includes('{from}') && range.from === undefined) continue;
    if (template.includes('{to}') && range.to === undefined) continue;
    const value = template
      .replaceAll('{from}', range.from === undefined ? '' : formatBound(range.from, format, 'from'))
      .replaceAll('{to}', range.to === undefined ? '' : formatBound(range.to, format, 'to'));
    u.searchParams.set(name, value);
    changed = true;
  }
  return changed ? u.toString() : url;
}
