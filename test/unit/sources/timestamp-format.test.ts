import { describe, expect, it } from 'vitest';
import {
  compileTimestampFormats,
  DateOrderScan,
  TimestampReader,
  type TimestampOptions,
} from '../../../src/sources/timestamp-format.ts';

const iso = (ms: number): string => new Date(ms).toISOString();

/** The instant a reader gives, or its code and reason. */
function read(reader: TimestampReader, text: string): string {
  const r = reader.read(text);
  return r.ok ? iso(r.ms) : `${r.code}: ${r.reason}`;
}

/** A reader settled by a first pass over `column`, or the refusal of that pass. */
function scanned(spec: string, column: string[], options: TimestampOptions = {}): TimestampReader | string {
  const scan = new DateOrderScan(spec, options);
  for (const v of column) scan.observe(v);
  const settled = scan.decide('column At');
  if ('refusal' in settled) return settled.refusal;
  const reader = new TimestampReader(spec, 'UTC', options);
  reader.settle(settled.decision);
  return reader;
}

function settledReader(spec: string, column: string[], options: TimestampOptions = {}): TimestampReader {
  const r = scanned(spec, column, options);
  if (typeof r === 'string') throw new Error(`refused: ${r}`);
  return r;
}

/** The FASTag data's two forms: dashed dates that fit both orders, and slashed ones with days above 12. */
const FASTAG_LIKE = [
  '01-06-23 11:20',
  '01-07-23 14:55',
  '01-12-23 15:40',
  '1/13/2023 20:15',
  '2/20/2023 20:34',
];

describe('timestamp formats', () => {
  it('reads one- or two-digit fields under each alternative', () => {
    const parse = compileTimestampFormats('DD-MM-YY HH:mm|M/D/YYYY HH:mm', 'UTC');
    expect(iso(parse('01-06-23 11:20'))).toBe('2023-06-01T11:20:00.000Z');
    expect(iso(parse('01-09-23 2:05'))).toBe('2023-09-01T02:05:00.000Z');
    expect(iso(parse('2/20/2023 20:34'))).toBe('2023-02-20T20:34:00.000Z');
    expect(iso(parse(' 10/15/2023 9:30 '))).toBe('2023-10-15T09:30:00.000Z');
    expect(parse('2023-02-20')).toBeNaN();
    expect(parse('13/45/2023 10:00')).toBeNaN();
  });

  it('reads zone-less times in the configured zone, and honours an explicit zone', () => {
    const parse = compileTimestampFormats('iso', 'America/New_York');
    expect(iso(parse('2024-01-15T08:30'))).toBe('2024-01-15T13:30:00.000Z');
    expect(iso(parse('2024-07-15 08:30:15.5'))).toBe('2024-07-15T12:30:15.500Z');
    expect(iso(parse('2024-07-15T08:30:00+02:00'))).toBe('2024-07-15T06:30:00.000Z');
    expect(iso(parse('2024-07-15T08:30:00Z'))).toBe('2024-07-15T08:30:00.000Z');
    expect(iso(parse('2024-07-15'))).toBe('2024-07-15T04:00:00.000Z');
    const pattern = compileTimestampFormats('YYYY/MM/DD hh:mm:ss.SSS A Z', 'Asia/Kolkata');
    expect(iso(pattern('2024/07/15 12:05:01.25 AM +0530'))).toBe('2024-07-14T18:35:01.250Z');
  });

  it('reads epoch seconds and milliseconds, and ctime', () => {
    expect(compileTimestampFormats('epoch', 'UTC')('1700000000')).toBe(1_700_000_000_000);
    expect(compileTimestampFormats('epoch', 'UTC')('1700000000123')).toBe(1_700_000_000_123);
    expect(compileTimestampFormats('epoch-s', 'UTC')('1700000000.5')).toBe(1_700_000_000_500);
    expect(iso(compileTimestampFormats('ctime', 'UTC')('Mon Aug  2 18:23:45 2021'))).toBe(
      '2021-08-02T18:23:45.000Z',
    );
  });

  it('rejects a format without year, month and day, or an empty alternative', () => {
    expect(() => compileTimestampFormats('HH:mm', 'UTC')).toThrow(/needs a year/);
    expect(() => compileTimestampFormats('iso||epoch', 'UTC')).toThrow(/empty alternative/);
  });
});

describe('impossible timestamps', () => {
  it('are rejected with what is wrong, never rolled over', () => {
    const one = new TimestampReader('M/D/YYYY HH:mm', 'UTC');
    expect(read(one, '2/30/2023 10:00')).toBe('time: "2/30/2023 10:00": February 2023 has 28 days');
    expect(read(one, '2/29/2024 10:00')).toBe('2024-02-29T10:00:00.000Z');
    expect(read(one, '2/30/2024 10:00')).toBe('time: "2/30/2024 10:00": February 2024 has 29 days');
    expect(read(one, '4/31/2023 10:00')).toBe('time: "4/31/2023 10:00": April 2023 has 30 days');
    expect(read(one, '1/13/2023 24:30')).toBe('time: "1/13/2023 24:30": hour 24 is out of range');
    expect(read(one, '1/13/2023 23:60')).toBe('time: "1/13/2023 23:60": minute 60 is out of range');
    expect(read(one, '13/1/2023 10:00')).toBe('time: "13/1/2023 10:00": month 13 is out of range');
    expect(read(one, '1/0/2023 10:00')).toBe('time: "1/0/2023 10:00": day 0 is out of range');
    expect(read(new TimestampReader('iso', 'UTC'), '2023-02-29T10:00Z')).toBe(
      'time: "2023-02-29T10:00Z": February 2023 has 28 days',
    );
    expect(read(new TimestampReader('M/D/YYYY h:mm A', 'UTC'), '1/13/2023 13:05 PM')).toBe(
      'time: "1/13/2023 13:05 PM": hour 13 is out of range with AM/PM',
    );
  });

  it('name the format when timeFormat has several, and say when none matches', () => {
    const two = new TimestampReader('DD-MM-YY HH:mm|M/D/YYYY HH:mm', 'UTC');
    expect(two.read('2/30/2023 10:00', 'time "2/30/2023 10:00" in column At')).toEqual({
      ok: false,
      code: 'time',
      reason:
        'time "2/30/2023 10:00" in column At is not a date under M/D/YYYY HH:mm (February 2023 has 28 days)',
    });
    expect(read(two, 'yesterday')).toBe(
      'time: "yesterday" matches none of the formats DD-MM-YY HH:mm|M/D/YYYY HH:mm',
    );
  });
});

describe('day and month order', () => {
  it('a value that reads as two instants under two alternatives is ambiguous', () => {
    const both = new TimestampReader('DD/MM/YYYY|MM/DD/YYYY', 'UTC');
    expect(read(both, '01/06/2023')).toBe(
      'time-ambiguous: "01/06/2023" is ambiguous: 1 June 2023 under DD/MM/YYYY, 6 January 2023 under MM/DD/YYYY; keep one day/month order in timeFormat, or choose it with dayFirst=true|false',
    );
    expect(read(both, '13/06/2023')).toBe('2023-06-13T00:00:00.000Z');
    expect(read(both, '06/13/2023')).toBe('2023-06-13T00:00:00.000Z');
    expect(read(both, '05/05/2023')).toBe('2023-05-05T00:00:00.000Z');
    // dayFirst reads both alternatives day first: one instant.
    expect(read(new TimestampReader('DD/MM/YYYY|MM/DD/YYYY', 'UTC', { dayFirst: true }), '01/06/2023')).toBe(
      '2023-06-01T00:00:00.000Z',
    );
  });

  it('refuses a column whose dates fit both orders when the other alternatives are month-first (FASTag)', () => {
    const refusal = scanned('DD-MM-YY HH:mm|M/D/YYYY HH:mm', FASTAG_LIKE);
    expect(refusal).toBe(
      'column At: "01-06-23 11:20" is 1 June 2023 under DD-MM-YY HH:mm (day-first) but 6 January 2023 month-first, ' +
        "and none of the column's 3 values of that form has a day or month above 12 to tell; " +
        'the column\'s M/D/YYYY HH:mm dates are month-first (e.g. "1/13/2023 20:15"). ' +
        'Choose the order: timeFormat=MM-DD-YY HH:mm|M/D/YYYY HH:mm (or dayFirst=false) reads them month-first, ' +
        'dayFirst=true reads them day-first as written',
    );
  });

  it('refuses when timeFormat itself mixes orders and the data does not settle them', () => {
    expect(scanned('DD-MM-YY HH:mm|M/D/YYYY HH:mm', ['01-06-23 11:20'])).toMatch(
      /"01-06-23 11:20" is 1 June 2023 .* timeFormat also has M\/D\/YYYY HH:mm, which reads month-first\./,
    );
  });

  it('reads the column as the user chose: a timeFormat in one order, or dayFirst', () => {
    const monthFirst = settledReader('MM-DD-YY HH:mm|M/D/YYYY HH:mm', FASTAG_LIKE);
    expect(read(monthFirst, '01-06-23 11:20')).toBe('2023-01-06T11:20:00.000Z');
    expect(read(monthFirst, '1/13/2023 20:15')).toBe('2023-01-13T20:15:00.000Z');
    const no = settledReader('DD-MM-YY HH:mm|M/D/YYYY HH:mm', FASTAG_LIKE, { dayFirst: false });
    expect(read(no, '01-06-23 11:20')).toBe('2023-01-06T11:20:00.000Z');
    expect(read(no, '1/13/2023 20:15')).toBe('2023-01-13T20:15:00.000Z');
    const yes = settledReader('DD-MM-YY HH:mm|M/D/YYYY HH:mm', FASTAG_LIKE, { dayFirst: true });
    expect(read(yes, '01-06-23 11:20')).toBe('2023-06-01T11:20:00.000Z');
    // The column settles the slashed form month-first: dayFirst does not override it.
    expect(read(yes, '1/13/2023 20:15')).toBe('2023-01-13T20:15:00.000Z');
  });

  it('a day above 12 anywhere in the column settles the order as written', () => {
    const reader = settledReader('DD-MM-YY HH:mm|M/D/YYYY HH:mm', ['01-06-23 10:00', '13-06-23 10:00']);
    expect(read(reader, '01-06-23 10:00')).toBe('2023-06-01T10:00:00.000Z');
    // One order in timeFormat, and nothing in the data against it: the user's order stands.
    expect(read(settledReader('DD-MM-YY HH:mm', ['01-06-23 10:00']), '01-06-23 10:00')).toBe(
      '2023-06-01T10:00:00.000Z',
    );
    // Year-first forms are not day/month-order choices and never conflict with one.
    const mixed = settledReader('YYYY-MM-DD|DD/MM/YYYY', ['2023-01-06', '01/06/2023']);
    expect(read(mixed, '01/06/2023')).toBe('2023-06-01T00:00:00.000Z');
  });

  it('rejects every row of a form the column contradicts, naming the timeFormat to write', () => {
    const reader = settledReader('DD-MM-YY HH:mm', ['01-06-23 10:00', '01-13-23 10:00']);
    expect(read(reader, '01-13-23 10:00')).toBe(
      'time: "01-13-23 10:00" is not a date under DD-MM-YY HH:mm (month 13 is out of range); ' +
        'the file\'s dates of this form look month-first (e.g. "01-13-23 10:00"): write timeFormat=MM-DD-YY HH:mm',
    );
    expect(read(reader, '01-06-23 10:00')).toBe(
      'time: "01-06-23 10:00" would be 1 June 2023 under DD-MM-YY HH:mm, but the file\'s dates of this form ' +
        'look month-first (e.g. "01-13-23 10:00"): write timeFormat=MM-DD-YY HH:mm',
    );
    expect(read(reader, '05-05-23 10:00')).toBe('2023-05-05T10:00:00.000Z');
    const told = settledReader('DD-MM-YY HH:mm', ['01-06-23 10:00', '01-13-23 10:00'], { dayFirst: false });
    expect(read(told, '01-13-23 10:00')).toBe('2023-01-13T10:00:00.000Z');
    expect(read(told, '01-06-23 10:00')).toBe('2023-01-06T10:00:00.000Z');
  });

  it('a column with both orders in one form: values that fit both are ambiguous unless dayFirst chooses', () => {
    const column = ['13-01-23', '01-13-23', '01-06-23'];
    const reader = settledReader('DD-MM-YY', column);
    expect(read(reader, '13-01-23')).toBe('2023-01-13T00:00:00.000Z');
    expect(read(reader, '01-06-23')).toBe(
      'time-ambiguous: "01-06-23" is ambiguous: 1 June 2023 day first or 6 January 2023 month first, and the ' +
        'file\'s dates of this form come in both orders (e.g. "13-01-23" and "01-13-23"); choose with dayFirst=true|false',
    );
    expect(read(reader, '01-13-23')).toMatch(
      /^time: "01-13-23" is not a date under DD-MM-YY \(month 13 is out of range\); .* both orders/,
    );
    const chosen = settledReader('DD-MM-YY', column, { dayFirst: true });
    expect(read(chosen, '01-06-23')).toBe('2023-06-01T00:00:00.000Z');
    expect(read(chosen, '01-13-23')).toMatch(/month 13 is out of range/);
  });
});
