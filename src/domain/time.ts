/**
 * Wall-clock timestamps without a zone (ctime strings, "2/20/2023 20:34", MTA hours) are read in a configured
 * IANA time zone. Pure functions; Intl supplies the zone rules.
 */

export interface WallClock {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
  second: number;
  ms?: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(tz, f);
  }
  return f;
}

/** Throws a RangeError naming the zone when it is not a valid IANA time zone. */
export function assertTimeZone(tz: string): void {
  try {
    formatter(tz);
  } catch {
    throw new RangeError(`unknown time zone "${tz}" (expected an IANA name such as UTC or America/New_York)`);
  }
}

/** Offset of `tz` from UTC at the instant `epochMs`, in ms. */
function offsetAt(epochMs: number, tz: string): number {
  if (tz === 'UTC' || tz === 'Etc/UTC') return 0;
  const parts = formatter(tz).formatToParts(new Date(epochMs));
  const get = (t: string): number => Number(parts.find((p) => p.type === t)?.value ?? 0);
  const asUtc = Date.UTC(
    get('year'),
    get('month') - 1,
    get('day'),
    get('hour'),
    get('minute'),
    get('second'),
  );
  return asUtc - Math.floor(epochMs / 1000) * 1000;
}

/** Converts a zone-less wall-clock time in `tz` to epoch ms. Returns NaN when the fields are not a real date. */
export function wallClockToEpoch(w: WallClock, tz = 'UTC'): number {
  const naive = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second, w.ms ?? 0);
  const check = new Date(naive);
  if (
    Number.isNaN(naive) ||
    check.getUTCFullYear() !== w.year ||
    check.getUTCMonth() !== w.month - 1 ||
    check.getUTCDate() !== w.day ||
    w.hour > 23 ||
    w.minute > 59 ||
    w.second > 59
  ) {
    return NaN;
  }
  // Two passes settle the offset across DST transitions.
  let guess = naive - offsetAt(naive, tz);
  guess = naive - offsetAt(guess, tz);
  return guess;
}

/** The wall clock of `tz` at the instant `epochMs` (the inverse of wallClockToEpoch). */
export function epochToWallClock(epochMs: number, tz = 'UTC'): WallClock {
  const d = new Date(epochMs + offsetAt(epochMs, tz));
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    ms: d.getUTCMilliseconds(),
  };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const CTIME =
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) ([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d{2}):(\d{2}):(\d{2}) (\d{4})$/;

/** Parses a C `ctime` string ("Thu Aug 19 21:54:38 2021", days space-padded) read in `tz`. NaN when invalid. */
export function parseCtime(text: string, tz = 'UTC'): number {
  const m = CTIME.exec(text.trim());
  if (!m) return NaN;
  const month = MONTHS.indexOf(m[2]!) + 1;
  if (month === 0) return NaN;
  return wallClockToEpoch(
    { year: +m[7]!, month, day: +m[3]!, hour: +m[4]!, minute: +m[5]!, second: +m[6]! },
    tz,
  );
}
