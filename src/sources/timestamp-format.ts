/**
 * Timestamp formats for user data, given as alternatives separated by `|` and tried in order, because real
 * files mix them (the FASTag data has both `01-06-23 11:20` and `2/20/2023 20:34`).
 * - `iso`: 2024-05-01, 2024-05-01T08:30[:15[.123]] with or without a zone (a space instead of T is fine)
 * - `epoch` (seconds, or ms when 12+ digits), `epoch-s`, `epoch-ms`
 * - `ctime`: Thu Aug 19 21:54:38 2021
 * - a pattern of tokens YYYY YY M MM D DD H HH h hh m mm s ss SSS A Z; other characters match literally.
 *   One- and two-digit tokens accept one or two digits (`HH` matches "2:05"), as moment.js parses.
 * Zone-less times are read in the configured time zone.
 */
import { parseCtime, wallClockToEpoch } from '../domain/time.ts';

/** Epoch ms, or NaN when no alternative matches. */
export type TimestampParser = (text: string) => number;

const TOKEN = /YYYY|YY|SSS|MM|M|DD|D|HH|H|hh|h|mm|m|ss|s|A|Z/g;
const TOKEN_PATTERN: Record<string, string> = {
  YYYY: '(\\d{4})',
  YY: '(\\d{2})',
  SSS: '(\\d{1,3})',
  A: '(AM|PM|am|pm)',
  Z: '(Z|[+-]\\d{2}:?\\d{2})',
};

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

interface Fields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  ms: number;
  zone?: string;
}

/** Offset of a `Z` / `+05:30` / `-0400` designator, in minutes. */
function zoneMinutes(zone: string): number {
  if (/^z$/i.test(zone)) return 0;
  const m = /^([+-])(\d{2}):?(\d{2})$/.exec(zone)!;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
}

function toEpoch(f: Fields, tz: string): number {
  const local = wallClockToEpoch(
    { year: f.year, month: f.month, day: f.day, hour: f.hour, minute: f.minute, second: f.second, ms: f.ms },
    f.zone === undefined ? tz : 'UTC',
  );
  return f.zone === undefined ? local : local - zoneMinutes(f.zone) * 60_000;
}

const fraction = (digits: string | undefined): number =>
  digits ? Number(digits.slice(0, 3).padEnd(3, '0')) : 0;

function isoParser(tz: string): TimestampParser {
  return (text) => {
    const m = ISO.exec(text);
    if (!m) return NaN;
    const f: Fields = {
      year: +m[1]!,
      month: +m[2]!,
      day: +m[3]!,
      hour: +(m[4] ?? 0),
      minute: +(m[5] ?? 0),
      second: +(m[6] ?? 0),
      ms: fraction(m[7]),
    };
    if (m[8]) f.zone = m[8];
    return toEpoch(f, tz);
  };
}

function epochParser(unit: 'auto' | 's' | 'ms'): TimestampParser {
  return (text) => {
    if (!/^\d+(\.\d+)?$/.test(text)) return NaN;
    const n = Number(text);
    const ms = unit === 'ms' || (unit === 'auto' && /^\d{12,}$/.test(text)) ? n : n * 1000;
    return Math.round(ms);
  };
}

function patternParser(pattern: string, tz: string): TimestampParser {
  const tokens: string[] = [];
  let source = '';
  let last = 0;
  for (const m of pattern.matchAll(TOKEN)) {
    source += pattern.slice(last, m.index).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    source += TOKEN_PATTERN[m[0]] ?? '(\\d{1,2})';
    tokens.push(m[0]);
    last = m.index + m[0].length;
  }
  source += pattern.slice(last).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const has = (...t: string[]): boolean => t.some((x) => tokens.includes(x));
  if (!has('YYYY', 'YY') || !has('M', 'MM') || !has('D', 'DD')) {
    throw new RangeError(
      `timestamp format "${pattern}" needs a year (YYYY or YY), a month (M/MM) and a day (D/DD)`,
    );
  }
  const regex = new RegExp(`^${source}$`);
  return (text) => {
    const m = regex.exec(text);
    if (!m) return NaN;
    const f: Fields = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0, ms: 0 };
    let pm: boolean | undefined;
    tokens.forEach((token, i) => {
      const v = m[i + 1]!;
      switch (token) {
        case 'YYYY':
          f.year = +v;
          break;
        case 'YY':
          f.year = 2000 + +v;
          break;
        case 'M':
        case 'MM':
          f.month = +v;
          break;
        case 'D':
        case 'DD':
          f.day = +v;
          break;
        case 'H':
        case 'HH':
        case 'h':
        case 'hh':
          f.hour = +v;
          break;
        case 'm':
        case 'mm':
          f.minute = +v;
          break;
        case 's':
        case 'ss':
          f.second = +v;
          break;
        case 'SSS':
          f.ms = fraction(v);
          break;
        case 'A':
          pm = v.toUpperCase() === 'PM';
          break;
        case 'Z':
          f.zone = v;
          break;
      }
    });
    if (pm !== undefined) {
      if (f.hour < 1 || f.hour > 12) return NaN;
      f.hour = (f.hour % 12) + (pm ? 12 : 0);
    }
    return toEpoch(f, tz);
  };
}

/** Compiles `alt1|alt2|...`; throws a RangeError naming a bad alternative. */
export function compileTimestampFormats(spec: string, tz: string): TimestampParser {
  const parsers = spec.split('|').map((alt): TimestampParser => {
    const format = alt.trim();
    switch (format) {
      case 'iso':
        return isoParser(tz);
      case 'epoch':
        return epochParser('auto');
      case 'epoch-s':
        return epochParser('s');
      case 'epoch-ms':
        return epochParser('ms');
      case 'ctime':
        return (text) => parseCtime(text, tz);
      case '':
        throw new RangeError(`timestamp format "${spec}" has an empty alternative`);
      default:
        return patternParser(format, tz);
    }
  });
  return (text) => {
    const t = text.trim();
    for (const parse of parsers) {
      const ms = parse(t);
      if (!Number.isNaN(ms)) return ms;
    }
    return NaN;
  };
}
