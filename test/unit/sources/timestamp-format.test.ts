import { describe, expect, it } from 'vitest';
import { compileTimestampFormats } from '../../../src/sources/timestamp-format.ts';

const iso = (ms: number): string => new Date(ms).toISOString();

describe('timestamp formats', () => {
  it('tries alternatives in order and accepts one- or two-digit fields', () => {
    const parse = compileTimestampFormats('DD-MM-YY HH:mm|M/D/YYYY HH:mm', 'UTC');
    expect(iso(parse('01-06-23 11:20'))).toBe('2023-06-01T11:20:00.000Z');
    expect(iso(parse('01-09-23 2:05'))).toBe('2023-09-01T02:05:00.000Z');
    expect(iso(parse('2/20/2023 20:34'))).toBe('2023-02-20T20:34:00.000Z');
    expect(iso(parse(' 10/15/2023 9:30 '))).toBe('2023-10-15T09:30:00.000Z');
    expect(parse('2023-02-20')).toBeNaN();
    expect(parse('13/45/2023 10:00')).toBeNaN(); // no such date
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
