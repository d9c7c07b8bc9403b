import { describe, expect, it } from 'vitest';
import { parseIso, readIso } from '../../../src/domain/iso.ts';

const at = (text: string, options?: Parameters<typeof parseIso>[1]): string => {
  const r = parseIso(text, options);
  return r.ok ? new Date(r.ms).toISOString() : `refused: ${r.reason}`;
};

describe('ISO 8601 timestamps', () => {
  it('reads what people type: a date, a time with or without seconds and fraction, T or a space, any zone', () => {
    expect(at('2021-08-19')).toBe('2021-08-19T00:00:00.000Z');
    expect(at(' 2021-08-19 21:54 ')).toBe('2021-08-19T21:54:00.000Z');
    expect(at('2021-08-19t21:54:38.5z')).toBe('2021-08-19T21:54:38.500Z');
    expect(at('2021-08-19T21:54:38.123456789+05:30')).toBe('2021-08-19T16:24:38.123Z');
    expect(at('2021-08-19 21:54 -0400')).toBe('2021-08-20T01:54:00.000Z');
  });

  it('reads a zone-less time in the zone given, and a zoned one as written', () => {
    expect(at('2016-06-01', { tz: 'America/New_York' })).toBe('2016-06-01T04:00:00.000Z');
    expect(at('2016-01-01T06:30', { tz: 'America/New_York' })).toBe('2016-01-01T11:30:00.000Z');
    expect(at('2016-06-01T00:00Z', { tz: 'America/New_York' })).toBe('2016-06-01T00:00:00.000Z');
  });

  it('refuses dates and times that do not exist instead of rolling them over', () => {
    expect(at('2021-02-30')).toBe('refused: February 2021 has 28 days');
    expect(at('2020-02-29')).toBe('2020-02-29T00:00:00.000Z');
    expect(at('2100-02-29T00:00Z')).toBe('refused: February 2100 has 28 days');
    expect(at('2016-06-31')).toBe('refused: June 2016 has 30 days');
    expect(at('2021-13-01')).toBe('refused: month 13 is out of range');
    expect(at('2021-01-00')).toBe('refused: day 0 is out of range');
    expect(at('2021-02-28T24:00Z')).toBe('refused: hour 24 is out of range');
    expect(at('2021-02-28T23:60Z')).toBe('refused: minute 60 is out of range');
    expect(at('2021-02-28T23:59:60Z')).toBe('refused: second 60 is out of range');
    expect(at('2021-02-28T23:59+24:00')).toBe('refused: zone offset +24:00 is out of range');
    expect(at('19/08/2021')).toMatch(/^refused: not an ISO 8601 date/);
    expect(at('2021-8-19')).toMatch(/^refused: not an ISO 8601 date/);
  });

  it('holds messages to RFC 3339: date T time and a zone', () => {
    const message = { form: 'message' as const };
    expect(at('2021-08-19T21:54:38.000Z', message)).toBe('2021-08-19T21:54:38.000Z');
    expect(at('2021-08-19T21:54+02:00', message)).toBe('2021-08-19T19:54:00.000Z');
    for (const loose of [
      '2021-08-19',
      '2021-08-19 21:54:38Z',
      '2021-08-19T21:54:38',
      '2021-08-19T21:54:38 Z',
      ' 2021-08-19T21:54:38Z',
      '2021-08-19T21:54:38z',
    ]) {
      expect(readIso(loose, 'message'), loose).toBeUndefined();
    }
    expect(readIso('2021-02-30T00:00:00Z', 'message')).toEqual({ problem: 'February 2021 has 28 days' });
  });
});
