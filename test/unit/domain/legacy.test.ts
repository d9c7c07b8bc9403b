import { describe, expect, it } from 'vitest';
import { formatLegacyLine, legacyEventId, parseLegacyLine } from '../../../src/domain/legacy.ts';
import { InvalidMessage } from '../../../src/domain/validate.ts';
import { parseCtime, wallClockToEpoch } from '../../../src/domain/time.ts';

const ID = 'SuxetBy7TuOMjRldMJ_Mpw';
const where = { topic: 'toll', partition: 2, offset: '41', incarnation: ID };
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const NOW = Date.parse('2026-11-25T12:00:00Z');

describe('legacy toll lines', () => {
  it('parses the classic line with a stable event id from topic, incarnation, partition and offset', () => {
    const p = parseLegacyLine(bytes('Thu Aug 19 21:54:38 2021,125094,car,4007'), where, 'UTC', NOW);
    expect(p).toMatchObject({
      eventId: 'toll:SuxetBy7TuOMjRldMJ_Mpw-2-41',
      plazaId: 4007,
      vehicleId: '125094',
      vehicleType: 'car',
      passedAt: '2021-08-19T21:54:38.000Z',
    });
    expect(legacyEventId('toll', 2, '41', ID)).toBe(p.eventId);
  });

  it('gives a recreated topic other ids, and keeps them valid for any topic name', () => {
    const other = legacyEventId('toll', 2, '41', 'kaAd_LbMSbqmmgr92DcTJQ');
    expect(other).toBe('toll:kaAd_LbMSbqmmgr92DcTJQ-2-41');
    expect(other).not.toBe(legacyEventId('toll', 2, '41', ID));
    // Ids of sinks that knew no incarnation, still used where brokers have no topic ids.
    expect(legacyEventId('toll', 2, '41', null)).toBe('toll-2-41');
    const long = 'x'.repeat(200);
    const id = legacyEventId(long, 2147483647, '9223372036854775807', ID);
    expect(id).toBe(`${'x'.repeat(10)}:${ID}-2147483647-9223372036854775807`);
    expect(id).toHaveLength(64);
    expect(id).toMatch(/^[A-Za-z0-9._:-]{1,64}$/);
    expect(legacyEventId(long, 2147483647, '9223372036854775807', ID)).toBe(id);
  });

  it('reads space-padded days and applies the configured time zone', () => {
    const p = parseLegacyLine(
      bytes('Mon Aug  2 18:23:45 2021,1,truck,4001\r\n'),
      where,
      'America/New_York',
      NOW,
    );
    expect(p.passedAt).toBe('2021-08-02T22:23:45.000Z');
  });

  it.each([
    ['Thu Aug 19 21:54:38 2021,125094,car', 'bad-legacy-line'],
    ['2021-08-19 21:54:38,125094,car,4007', 'bad-legacy-line'],
    ['Thu Aug 19 21:54:38 2021,125094,car,plaza', 'bad-legacy-line'],
    ['Thu Aug 19 21:54:38 2021,125094,car,99999', 'out-of-range'],
    ['Thu Aug 32 21:54:38 2021,125094,car,4007', 'bad-legacy-line'],
  ])('rejects %j with %s', (line, code) => {
    try {
      parseLegacyLine(bytes(line), where, 'UTC', NOW);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(InvalidMessage);
      expect((e as InvalidMessage).code).toBe(code);
    }
  });

  it('formats lines that parse back to the same passage', () => {
    const ms = Date.parse('2021-08-02T18:23:45Z');
    const line = formatLegacyLine(ms, '77', 'van', 4003);
    expect(line).toBe('Mon Aug  2 18:23:45 2021,77,van,4003');
    expect(parseLegacyLine(bytes(line), where, 'UTC', NOW).passedAt).toBe('2021-08-02T18:23:45.000Z');
  });
});

describe('zone-less wall clock', () => {
  it('handles DST in both directions', () => {
    // 2021-03-14 03:30 EDT = 07:30Z; 2021-11-07 00:30 EDT = 04:30Z
    expect(
      new Date(
        wallClockToEpoch(
          { year: 2021, month: 3, day: 14, hour: 3, minute: 30, second: 0 },
          'America/New_York',
        ),
      ).toISOString(),
    ).toBe('2021-03-14T07:30:00.000Z');
    expect(
      new Date(
        wallClockToEpoch(
          { year: 2021, month: 11, day: 7, hour: 0, minute: 30, second: 0 },
          'America/New_York',
        ),
      ).toISOString(),
    ).toBe('2021-11-07T04:30:00.000Z');
  });
  it('returns NaN for impossible dates', () => {
    expect(wallClockToEpoch({ year: 2021, month: 2, day: 29, hour: 0, minute: 0, second: 0 })).toBeNaN();
    expect(parseCtime('Fri Feb 30 10:00:00 2021')).toBeNaN();
  });
});
