/**
 * ISO 8601 timestamps, read the same way everywhere: --from/--to and other configuration, saved-query parameters,
 * the `iso` timestamp format of file and HTTP sources, and the `passedAt`/`paidAt` of messages the sink validates.
 *
 * Two forms share one grammar:
 * - `input`, what people type and files hold: 2024-05-01, 2024-05-01T08:30[:15[.123456789]], a space or `t` for
 *   the `T`, an optional zone (`Z`, `+05:30`, `-0400`, a space before it is fine). A zone-less time is a wall-clock
 *   time in the zone the caller names.
 * - `message`, what the wire format promises (RFC 3339): date `T` time, seconds optional, a zone always.
 *
 * A date or time that does not exist is refused with what is wrong (`February 2023 has 28 days`, `hour 24 is out
 * of range`), never rolled over the way Date.parse turns 2021-02-30 into March 2nd.
 */
import { wallClockToEpoch } from './time.ts';
import type { WallClock } from './time.ts';

export type IsoForm = 'input' | 'message';

export interface IsoFields extends Required<WallClock> {
  /** Minutes east of UTC from the zone designator; undefined for a zone-less time. */
  offsetMinutes?: number;
}

/** Fields of an ISO timestamp, why it names no instant, or undefined when the text is not ISO-shaped at all. */
export type IsoRead = { fields: IsoFields } | { problem: string } | undefined;

export type IsoResult =
  | { ok: true; ms: number; fields: IsoFields }
  /** `shaped`: the text looks like an ISO timestamp, but names no instant (the reason says why). */
  | { ok: false; reason: string; shaped: boolean };

export const MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
] as const;

// 1 year 2 month 3 day; 4 separator 5 hour 6 minute 7 second 8 fraction; 9 space before the zone; 10 zone.
const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:([Tt ])(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(\s*)([Zz]|[+-]\d{2}:?\d{2})?$/;

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Why wall-clock fields name no date and time, or undefined when they do. */
export function calendarProblem(w: WallClock): string | undefined {
  if (w.month < 1 || w.month > 12) return `month ${w.month} is out of range`;
  if (w.day < 1 || w.day > 31) return `day ${w.day} is out of range`;
  const days = daysInMonth(w.year, w.month);
  if (w.day > days) return `${MONTH_NAMES[w.month - 1]} ${w.year} has ${days} days`;
  if (w.hour > 23) return `hour ${w.hour} is out of range`;
  if (w.minute > 59) return `minute ${w.minute} is out of range`;
  if (w.second > 59) return `second ${w.second} is out of range`;
  return undefined;
}

/** Minutes east of UTC of `Z`, `+05:30` or `-0400`; undefined when it is not a designator or out of range. */
export function zoneOffsetMinutes(zone: string): number | undefined {
  if (zone === 'Z' || zone === 'z') return 0;
  const m = /^([+-])(\d{2}):?(\d{2})$/.exec(zone);
  if (!m || Number(m[2]) > 23 || Number(m[3]) > 59) return undefined;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
}

/** Milliseconds of a fraction of a second ("5" -> 500, "123456" -> 123). */
export const fractionMs = (digits: string | undefined): number =>
  digits ? Number(digits.slice(0, 3).padEnd(3, '0')) : 0;

/** Reads the fields of an ISO timestamp in the given form (see the top of this file). */
export function readIso(text: string, form: IsoForm = 'input'): IsoRead {
  const m = ISO.exec(form === 'input' ? text.trim() : text);
  if (!m) return undefined;
  if (form === 'message' && (m[4] !== 'T' || m[9] !== '' || m[10] === undefined || m[10] === 'z')) {
    return undefined;
  }
  const fields: IsoFields = {
    year: +m[1]!,
    month: +m[2]!,
    day: +m[3]!,
    hour: +(m[5] ?? 0),
    minute: +(m[6] ?? 0),
    second: +(m[7] ?? 0),
    ms: fractionMs(m[8]),
  };
  const problem = calendarProblem(fields);
  if (problem) return { problem };
  if (m[10] !== undefined) {
    const offset = zoneOffsetMinutes(m[10]);
    if (offset === undefined) return { problem: `zone offset ${m[10]} is out of range` };
    fields.offsetMinutes = offset;
  }
  return { fields };
}

/** The instant of valid ISO fields; a zone-less time is read in `tz`. NaN for a year before 100. */
export function isoToEpoch(fields: IsoFields, tz = 'UTC'): number {
  const f = fields;
  if (f.offsetMinutes === undefined && tz !== 'UTC') return wallClockToEpoch(f, tz);
  // The sink reads every message's timestamp here: fields readIso checked need no second check, only Date.UTC's
  // reading of years 0-99 as 1900-1999.
  if (f.year < 100) return NaN;
  return (
    Date.UTC(f.year, f.month - 1, f.day, f.hour, f.minute, f.second, f.ms) - (f.offsetMinutes ?? 0) * 60_000
  );
}

/** The instant of an ISO timestamp, or why the text is not one. */
export function parseIso(text: string, options: { tz?: string; form?: IsoForm } = {}): IsoResult {
  const form = options.form ?? 'input';
  const read = readIso(text, form);
  if (read === undefined) {
    return {
      ok: false,
      shaped: false,
      reason:
        form === 'message'
          ? 'not an ISO 8601 timestamp with a zone, like 2021-08-19T21:54:38.000Z'
          : 'not an ISO 8601 date, like 2021-08-19 or 2021-08-19T21:54:38',
    };
  }
  if ('problem' in read) return { ok: false, shaped: true, reason: read.problem };
  const ms = isoToEpoch(read.fields, options.tz);
  return Number.isNaN(ms)
    ? { ok: false, shaped: true, reason: `year ${read.fields.year} is out of range` }
    : { ok: true, ms, fields: read.fields };
}
