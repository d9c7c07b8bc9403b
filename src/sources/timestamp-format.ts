/**
 * Timestamp formats for user data, given as alternatives separated by `|`, because real files mix them (the
 * FASTag data has both `01-06-23 11:20` and `2/20/2023 20:34`).
 * - `iso`: 2024-05-01, 2024-05-01T08:30[:15[.123]] with or without a zone (a space instead of T is fine); read by
 *   src/domain/iso.ts like every other ISO timestamp
 * - `epoch` (seconds, or ms when 12+ digits), `epoch-s`, `epoch-ms`
 * - `ctime`: Thu Aug 19 21:54:38 2021
 * - a pattern of tokens YYYY YY M MM D DD H HH h hh m mm s ss SSS A Z; other characters match literally.
 *   One- and two-digit tokens accept one or two digits (`HH` matches "2:05"), as moment.js parses.
 * Zone-less times are read in the configured time zone.
 *
 * A timestamp is read only when it means one instant:
 * - Every alternative is tried. A value that reads as two different instants under two alternatives
 *   (`01/06/2023` under `DD/MM/YYYY|MM/DD/YYYY`) is ambiguous and rejected, never resolved by the order of the
 *   alternatives.
 * - Impossible values are rejected with what is wrong (`February 2023 has 28 days`, `hour 24 is out of range`),
 *   never rolled over into the next month or day.
 * - Day and month order. A value whose day and month are both 1-12 fits both orders, so the order of a pattern's
 *   D and M tokens is only a claim. A file is read twice, and the first pass (DateOrderScan) weighs the claim
 *   against the whole column before any row is produced. For each pattern with D and M tokens it counts the
 *   values with 13-31 where the pattern puts the day (the order as written is right) and those with 13-31 where
 *   it puts the month (the column has the other order):
 *     only the first kind -> settled as written;
 *     only the second     -> the column contradicts the pattern: each of its rows is rejected with the pattern to
 *                            write instead (unless dayFirst names the column's order, which is then used);
 *     both kinds          -> the column mixes orders: values that fit both are ambiguous and rejected, unless
 *                            dayFirst chooses;
 *     neither             -> undecided: read as written when nothing contradicts it, but when the other
 *                            alternatives of timeFormat, or what the column settles for them, use the other order
 *                            (the FASTag data: `01-06-23` under DD-MM-YY next to month-first `1/13/2023`), the
 *                            run is refused with both readings and the two ways to choose.
 * - `dayFirst=true|false` chooses the order for day-month-year and month-day-year patterns (year last) that the
 *   data does not settle, whatever the order of their D and M tokens. Year-first patterns (`YYYY-MM-DD`) are
 *   always read as written.
 * Sources without a first pass (HTTP pages) read every pattern as written, or in the dayFirst order when given.
 */
import {
  calendarProblem,
  daysInMonth,
  fractionMs,
  isoToEpoch,
  MONTH_NAMES,
  readIso,
  zoneOffsetMinutes,
} from '../domain/iso.ts';
import { parseCtime, wallClockToEpoch } from '../domain/time.ts';

/** Epoch ms, or NaN when the text is not one instant under the formats. */
export type TimestampParser = (text: string) => number;

/** Reject codes of timestamps: a value that is not a time under the formats, or one with two readings. */
export type TimeRejectCode = 'time' | 'time-ambiguous';

export type TimeReading = { ok: true; ms: number } | { ok: false; code: TimeRejectCode; reason: string };

export interface TimestampOptions {
  /** The order of day and month in year-last patterns that the data does not settle. */
  dayFirst?: boolean;
}

type Order = 'day-first' | 'month-first';
const flip = (o: Order): Order => (o === 'day-first' ? 'month-first' : 'day-first');

const TOKEN = /YYYY|YY|SSS|MM|M|DD|D|HH|H|hh|h|mm|m|ss|s|A|Z/g;
const TOKEN_PATTERN: Record<string, string> = {
  YYYY: '(\\d{4})',
  YY: '(\\d{2})',
  SSS: '(\\d{1,3})',
  A: '(AM|PM|am|pm)',
  Z: '(Z|[+-]\\d{2}:?\\d{2})',
};

interface Fields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  ms: number;
  zone?: string;
  /** Set when the hour cannot be read at all (13 with AM/PM). */
  badHour?: string;
}

/** What one alternative makes of a value: an instant, a reason it is not one, or no match at all. */
type Attempt =
  { ms: number; fields: Fields } | { code: TimeRejectCode; reason: (subject: string) => string } | undefined;

interface Alternative {
  readonly format: string;
  attempt(text: string): Attempt;
}

/** Why wall-clock fields name no instant, or undefined when they do. */
function impossible(f: Fields): string | undefined {
  if (f.badHour) return f.badHour;
  const problem = calendarProblem(f);
  if (problem) return problem;
  if (f.zone !== undefined && zoneOffsetMinutes(f.zone) === undefined)
    return `zone offset ${f.zone} is out of range`;
  return undefined;
}

/** "6 January 2023", for messages that show two readings of one value. */
export function describeDate(f: Pick<Fields, 'year' | 'month' | 'day'>): string {
  return `${f.day} ${MONTH_NAMES[f.month - 1] ?? `month ${f.month}`} ${f.year}`;
}

function toEpoch(f: Fields, tz: string): number {
  const local = wallClockToEpoch(
    { year: f.year, month: f.month, day: f.day, hour: f.hour, minute: f.minute, second: f.second, ms: f.ms },
    f.zone === undefined ? tz : 'UTC',
  );
  return f.zone === undefined ? local : local - zoneOffsetMinutes(f.zone)! * 60_000;
}

/** The instant of valid fields, or the reason they are not one. */
function instant(f: Fields, tz: string, format: string, alone: boolean): Attempt {
  const why = impossible(f);
  if (why) return notADate(format, alone, why);
  const ms = toEpoch(f, tz);
  return Number.isNaN(ms) ? notADate(format, alone, 'no such date') : { ms, fields: f };
}

function notADate(format: string, alone: boolean, why: string, hint = ''): Attempt {
  return {
    code: 'time',
    reason: (subject) =>
      alone && !hint ? `${subject}: ${why}` : `${subject} is not a date under ${format} (${why})${hint}`,
  };
}

function isoAlternative(tz: string, alone: boolean): Alternative {
  return {
    format: 'iso',
    attempt(text) {
      const read = readIso(text);
      if (read === undefined) return undefined;
      if ('problem' in read) return notADate('iso', alone, read.problem);
      const ms = isoToEpoch(read.fields, tz);
      return Number.isNaN(ms) ? notADate('iso', alone, 'no such date') : { ms, fields: read.fields };
    },
  };
}

function epochAlternative(format: string, unit: 'auto' | 's' | 'ms'): Alternative {
  return {
    format,
    attempt(text) {
      if (!/^\d+(\.\d+)?$/.test(text)) return undefined;
      const n = Number(text);
      const ms = Math.round(unit === 'ms' || (unit === 'auto' && /^\d{12,}$/.test(text)) ? n : n * 1000);
      const d = new Date(ms);
      const fields = { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
      return { ms, fields: { ...fields, hour: 0, minute: 0, second: 0, ms: 0 } };
    },
  };
}

function ctimeAlternative(tz: string): Alternative {
  return {
    format: 'ctime',
    attempt(text) {
      const ms = parseCtime(text, tz);
      if (Number.isNaN(ms)) return undefined;
      const d = new Date(ms);
      const fields = { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
      return { ms, fields: { ...fields, hour: 0, minute: 0, second: 0, ms: 0 } };
    },
  };
}

/** How the first pass over the data settled a pattern's day/month order. */
export type PatternState =
  | { kind: 'unscanned' }
  | { kind: 'as-written' }
  | { kind: 'undecided' }
  /** The data has the other order; `rewrite` is the timeFormat that reads it so. */
  | { kind: 'swapped'; example: string; rewrite: string }
  | { kind: 'mixed'; asWritten: string; swapped: string };

/** One state per alternative of timeFormat (undefined for alternatives without both D and M). */
export type DateOrderDecision = readonly (PatternState | undefined)[];

class Pattern implements Alternative {
  private readonly regex: RegExp;
  private readonly tokens: string[] = [];
  /** Token positions of the day and the month. */
  private readonly dayAt: number;
  private readonly monthAt: number;
  private readonly yearAt: number;
  /** The order the D and M tokens are written in. */
  readonly written: Order;
  /** Day-month-year or month-day-year: the forms whose order differs between countries. */
  readonly yearLast: boolean;
  state: PatternState = { kind: 'unscanned' };

  constructor(
    readonly format: string,
    private readonly tz: string,
    private readonly dayFirst: boolean | undefined,
    private readonly alone: boolean,
  ) {
    let source = '';
    let last = 0;
    for (const m of format.matchAll(TOKEN)) {
      source += format.slice(last, m.index).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      source += TOKEN_PATTERN[m[0]] ?? '(\\d{1,2})';
      this.tokens.push(m[0]);
      last = m.index + m[0].length;
    }
    source += format.slice(last).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const at = (...t: string[]): number => this.tokens.findIndex((x) => t.includes(x));
    const yearAt = at('YYYY', 'YY');
    this.yearAt = yearAt;
    this.dayAt = at('D', 'DD');
    this.monthAt = at('M', 'MM');
    if (yearAt < 0 || this.dayAt < 0 || this.monthAt < 0) {
      throw new RangeError(
        `timestamp format "${format}" needs a year (YYYY or YY), a month (M/MM) and a day (D/DD)`,
      );
    }
    this.written = this.dayAt < this.monthAt ? 'day-first' : 'month-first';
    this.yearLast = yearAt > this.dayAt && yearAt > this.monthAt;
    this.regex = new RegExp(`^${source}$`);
  }

  /** The numbers where the pattern puts the day and the month, for the first pass. */
  dayAndMonth(text: string): { year: number; day: number; month: number } | undefined {
    const m = this.regex.exec(text);
    if (!m) return undefined;
    const y = m[this.yearAt + 1]!;
    return {
      year: y.length === 2 ? 2000 + +y : +y,
      day: +m[this.dayAt + 1]!,
      month: +m[this.monthAt + 1]!,
    };
  }

  /** The pattern with its D and M tokens exchanged: `DD-MM-YY HH:mm` -> `MM-DD-YY HH:mm`. */
  swappedFormat(): string {
    let out = '';
    let last = 0;
    let i = 0;
    for (const m of this.format.matchAll(TOKEN)) {
      const t = m[0];
      out += this.format.slice(last, m.index);
      out += i === this.dayAt ? 'M'.repeat(t.length) : i === this.monthAt ? 'D'.repeat(t.length) : t;
      last = m.index + t.length;
      i++;
    }
    return out + this.format.slice(last);
  }

  /** The order dayFirst asks for, where it applies. */
  private chosen(): Order | undefined {
    if (!this.yearLast || this.dayFirst === undefined) return undefined;
    return this.dayFirst ? 'day-first' : 'month-first';
  }

  attempt(text: string): Attempt {
    const m = this.regex.exec(text);
    if (!m) return undefined;
    const asWritten = { day: +m[this.dayAt + 1]!, month: +m[this.monthAt + 1]! };
    const fitsBoth =
      asWritten.day >= 1 && asWritten.day <= 12 && asWritten.month >= 1 && asWritten.month <= 12;
    const s = this.state;
    const chosen = this.chosen();
    let order = this.written;
    let hint = '';
    switch (s.kind) {
      case 'unscanned':
      case 'undecided':
        order = chosen ?? this.written;
        break;
      case 'as-written':
        break;
      case 'swapped': {
        if (chosen === flip(this.written)) {
          order = chosen;
          break;
        }
        hint = `; the file's dates of this form look ${flip(this.written)} (e.g. "${s.example}"): write timeFormat=${s.rewrite}`;
        if (fitsBoth && asWritten.day !== asWritten.month) {
          const f = this.fields(m, this.written);
          return {
            code: 'time',
            reason: (subject) =>
              `${subject} would be ${describeDate(f)} under ${this.format}, but the file's dates of this form look ${flip(this.written)} (e.g. "${s.example}"): write timeFormat=${s.rewrite}`,
          };
        }
        break;
      }
      case 'mixed': {
        if (chosen) {
          order = chosen;
          break;
        }
        const both = `the file's dates of this form come in both orders (e.g. "${s.asWritten}" and "${s.swapped}")`;
        hint = `; ${both}${this.yearLast ? '; choose the order with dayFirst=true|false' : ''}`;
        if (fitsBoth) {
          const dayFirst = this.fields(m, 'day-first');
          const monthFirst = this.fields(m, 'month-first');
          if (dayFirst.day === monthFirst.day) break; // 05-05-23 reads the same either way
          return {
            code: 'time-ambiguous',
            reason: (subject) =>
              `${subject} is ambiguous: ${describeDate(dayFirst)} day first or ${describeDate(monthFirst)} month first, and ${both}${this.yearLast ? '; choose with dayFirst=true|false' : ''}`,
          };
        }
        break;
      }
      default: {
        const never: never = s;
        throw new Error(`unknown pattern state ${JSON.stringify(never)}`);
      }
    }
    const f = this.fields(m, order);
    const why = impossible(f);
    if (why) return notADate(this.format, this.alone, why, hint);
    return instant(f, this.tz, this.format, this.alone);
  }

  private fields(m: RegExpExecArray, order: Order): Fields {
    const f: Fields = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0, ms: 0 };
    const swap = order !== this.written;
    let pm: boolean | undefined;
    this.tokens.forEach((token, i) => {
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
          if (swap) f.day = +v;
          else f.month = +v;
          break;
        case 'D':
        case 'DD':
          if (swap) f.month = +v;
          else f.day = +v;
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
          f.ms = fractionMs(v);
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
      if (f.hour < 1 || f.hour > 12) f.badHour = `hour ${f.hour} is out of range with AM/PM`;
      else f.hour = (f.hour % 12) + (pm ? 12 : 0);
    }
    return f;
  }
}

/** Reads timestamps under `alt1|alt2|...`; the constructor throws a RangeError naming a bad alternative. */
export class TimestampReader {
  private readonly alternatives: Alternative[];

  constructor(
    readonly spec: string,
    tz: string,
    options: TimestampOptions = {},
  ) {
    const formats = spec.split('|').map((alt) => alt.trim());
    const alone = formats.length === 1;
    this.alternatives = formats.map((format): Alternative => {
      switch (format) {
        case 'iso':
          return isoAlternative(tz, alone);
        case 'epoch':
          return epochAlternative(format, 'auto');
        case 'epoch-s':
          return epochAlternative(format, 's');
        case 'epoch-ms':
          return epochAlternative(format, 'ms');
        case 'ctime':
          return ctimeAlternative(tz);
        case '':
          throw new RangeError(`timestamp format "${spec}" has an empty alternative`);
        default:
          return new Pattern(format, tz, options.dayFirst, alone);
      }
    });
  }

  /** The alternatives with day and month tokens, by their index in timeFormat. */
  patterns(): (Pattern | undefined)[] {
    return this.alternatives.map((a) => (a instanceof Pattern ? a : undefined));
  }

  /** Applies what a first pass over the data decided (DateOrderScan.decide). */
  settle(decision: DateOrderDecision): void {
    this.patterns().forEach((p, i) => {
      const state = decision[i];
      if (p && state) p.state = state;
    });
  }

  /**
   * One instant, or why the text is none: `subject` names the value in the reason (e.g. `time "x" in column
   * At`).
   */
  read(text: string, subject = `"${text.trim()}"`): TimeReading {
    const t = text.trim();
    const readings: { ms: number; fields: Fields; format: string }[] = [];
    let firstReject: Exclude<Attempt, undefined | { ms: number }> | undefined;
    for (const alt of this.alternatives) {
      const a = alt.attempt(t);
      if (a === undefined) continue;
      if ('ms' in a) {
        if (!readings.some((r) => r.ms === a.ms)) readings.push({ ...a, format: alt.format });
      } else firstReject ??= a;
    }
    if (readings.length === 1) return { ok: true, ms: readings[0]!.ms };
    if (readings.length > 1) {
      const [a, b] = readings as [(typeof readings)[0], (typeof readings)[0]];
      const sameDay = describeDate(a.fields) === describeDate(b.fields);
      const show = (r: typeof a): string => (sameDay ? new Date(r.ms).toISOString() : describeDate(r.fields));
      return {
        ok: false,
        code: 'time-ambiguous',
        reason: `${subject} is ambiguous: ${show(a)} under ${a.format}, ${show(b)} under ${b.format}; keep one day/month order in timeFormat, or choose it with dayFirst=true|false`,
      };
    }
    if (firstReject) return { ok: false, code: firstReject.code, reason: firstReject.reason(subject) };
    return { ok: false, code: 'time', reason: `${subject} matches none of the formats ${this.spec}` };
  }
}

/** Compiles `alt1|alt2|...` into a parser that gives NaN where TimestampReader gives a reason. */
export function compileTimestampFormats(
  spec: string,
  tz: string,
  options: TimestampOptions = {},
): TimestampParser {
  const reader = new TimestampReader(spec, tz, options);
  return (text) => {
    const r = reader.read(text);
    return r.ok ? r.ms : NaN;
  };
}

interface PatternEvidence {
  /** Values that fit both orders, and the first of them. */
  fitBoth: number;
  fitBothExample?: string;
  /** Values with 13-31 where the pattern puts the day: the order as written is right. */
  asWritten: number;
  asWrittenExample?: string;
  /** Values with 13-31 where the pattern puts the month: the data has the other order. */
  swapped: number;
  swappedExample?: string;
}

/**
 * The first pass over a column: how its values settle the day/month order of each pattern of timeFormat
 * (see the header of this file).
 */
export class DateOrderScan {
  private readonly reader: TimestampReader;
  private readonly evidence: (PatternEvidence | undefined)[];

  constructor(
    private readonly spec: string,
    private readonly options: TimestampOptions = {},
  ) {
    this.reader = new TimestampReader(spec, 'UTC', options);
    this.evidence = this.reader
      .patterns()
      .map((p) => (p ? { fitBoth: 0, asWritten: 0, swapped: 0 } : undefined));
  }

  observe(text: string | undefined): void {
    if (text === undefined) return;
    const t = text.trim();
    if (t === '') return;
    this.reader.patterns().forEach((p, i) => {
      const dm = p?.dayAndMonth(t);
      const e = this.evidence[i];
      if (!dm || !e) return;
      // Only a real date is evidence: 2/30/2023 is impossible in both orders and tells nothing.
      const real = (day: number, month: number): boolean =>
        month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(dm.year, month);
      const asWritten = real(dm.day, dm.month);
      const swapped = real(dm.month, dm.day);
      if (asWritten && dm.day > 12) {
        e.asWritten++;
        e.asWrittenExample ??= t;
      } else if (swapped && dm.month > 12) {
        e.swapped++;
        e.swappedExample ??= t;
      } else if (asWritten && swapped && dm.day !== dm.month) {
        // 05-05-23 reads the same in either order: no evidence, and no ambiguity.
        e.fitBoth++;
        e.fitBothExample ??= t;
      }
    });
  }

  /**
   * How each pattern is to be read, or why the run cannot go on: an undecided pattern whose written order
   * other alternatives of timeFormat, or the data, contradict. `column` names the data in the message
   * (`column Timestamp`).
   */
  decide(column: string): { decision: DateOrderDecision } | { refusal: string } {
    const patterns = this.reader.patterns();
    const alternatives = this.spec.split('|').map((a) => a.trim());
    const states: (PatternState | undefined)[] = patterns.map((p, i) => {
      const e = this.evidence[i];
      if (!p || !e) return undefined;
      if (e.asWritten && e.swapped) {
        return { kind: 'mixed', asWritten: e.asWrittenExample!, swapped: e.swappedExample! };
      }
      if (e.asWritten) return { kind: 'as-written' };
      if (e.swapped) {
        const rewrite = alternatives.map((a, j) => (j === i ? p.swappedFormat() : a)).join('|');
        return { kind: 'swapped', example: e.swappedExample!, rewrite };
      }
      return { kind: 'undecided' };
    });
    if (this.options.dayFirst === undefined) {
      for (const [i, p] of patterns.entries()) {
        const e = this.evidence[i];
        if (!p || !e || !p.yearLast || states[i]?.kind !== 'undecided' || !e.fitBoth) continue;
        const against = this.contradiction(i, states);
        if (against) return { refusal: this.refusal(column, i, against) };
      }
    }
    return { decision: states };
  }

  /** What says the other order for undecided pattern `i`: a settled sibling, or one written the other way. */
  private contradiction(i: number, states: (PatternState | undefined)[]): string | undefined {
    const patterns = this.reader.patterns();
    const mine = patterns[i]!.written;
    for (const [j, q] of patterns.entries()) {
      if (j === i || !q || !q.yearLast) continue;
      const s = states[j];
      const e = this.evidence[j]!;
      if (s?.kind === 'as-written' && q.written !== mine) {
        return `the column's ${q.format} dates are ${q.written} (e.g. "${e.asWrittenExample}")`;
      }
      if (s?.kind === 'swapped' && q.written === mine) {
        return `the column's dates of form ${q.format} are ${flip(q.written)} (e.g. "${e.swappedExample}")`;
      }
      if (s?.kind === 'undecided' && q.written !== mine) {
        return `timeFormat also has ${q.format}, which reads ${q.written}`;
      }
    }
    return undefined;
  }

  private refusal(column: string, i: number, against: string): string {
    const p = this.reader.patterns()[i]!;
    const e = this.evidence[i]!;
    const example = e.fitBothExample!;
    const { year, day, month } = p.dayAndMonth(example)!;
    const written = describeDate({ year, month, day });
    const other = describeDate({ year, month: day, day: month });
    const alternatives = this.spec.split('|').map((a) => a.trim());
    const rewrite = alternatives.map((a, j) => (j === i ? p.swappedFormat() : a)).join('|');
    const otherFlag = p.written === 'day-first' ? 'false' : 'true';
    return (
      `${column}: "${example}" is ${written} under ${p.format} (${p.written}) but ${other} ${flip(p.written)}, ` +
      `and none of the column's ${e.fitBoth} values of that form has a day or month above 12 to tell; ${against}. ` +
      `Choose the order: timeFormat=${rewrite} (or dayFirst=${otherFlag}) reads them ${flip(p.written)}, ` +
      `dayFirst=${otherFlag === 'true' ? 'false' : 'true'} reads them ${p.written} as written`
    );
  }
}
