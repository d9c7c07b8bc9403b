import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createHourlySource } from '../../../src/sources/hourly.ts';
import { expandHour, type HourCount } from '../../../src/sources/hourly-expand.ts';
import { SourceSpecError } from '../../../src/sources/options.ts';
import { context, countBy, drain, expectAllValid, expectTimeOrdered, MTA_FILE } from './helpers.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'hourly-'));
function file(name: string, text: string): string {
  const f = path.join(dir, name);
  writeFileSync(f, text);
  return f;
}

const hourOfKey = (id: string): string => id.split('-')[2]!;

// Reading the real file is quick alone (~0.5 s) but the shared CI box can be heavily loaded.
describe('hourly replay of the real Queens Midtown Tunnel file', { timeout: 60_000 }, () => {
  // 2015-11-27, from the file: grep ^20151127 Queens_Midtown_Tunnel.csv
  const day = { from: Date.UTC(2015, 10, 27), to: Date.UTC(2015, 10, 28) };
  const expected: Record<string, number> = {
    '2015112700': 522,
    '2015112701': 267,
    '2015112702': 158,
  };

  it('expands each hour of a day into exactly its count, within the hour, valid and in order', async () => {
    const source = createHourlySource(`hourly:${MTA_FILE}`, { file: MTA_FILE }, context(day));
    const { events } = await drain(source);
    const perHour = countBy(events, (e) => hourOfKey(e.passage.eventId));
    expect(Object.keys(perHour)).toHaveLength(24);
    for (const [hour, n] of Object.entries(expected)) expect(perHour[hour]).toBe(n);
    // every hour's count equals the Total column of its row
    const { readFileSync } = await import('node:fs');
    const rows = readFileSync(MTA_FILE, 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('20151127'));
    expect(rows).toHaveLength(24);
    for (const row of rows) {
      const [hour, total] = row.split(',');
      expect(perHour[hour!]).toBe(Number(total));
    }
    for (const e of events) {
      const h = Number(hourOfKey(e.passage.eventId).slice(8));
      expect(new Date(e.passage.passedAt).getUTCHours()).toBe(h);
      expect(e.passage.plazaId).toBe(7);
      expect(e.passage.eventId).toMatch(/^mta-7-20151127\d\d-I-\d+$/);
    }
    expectAllValid(events);
    expectTimeOrdered(events);
    expect(new Set(events.map((e) => e.passage.eventId)).size).toBe(events.length);
    expect(source.progress()).toMatchObject({ read: 61_536, total: 61_536, rejected: 0 });
    expect(await source.plazas()).toEqual([
      {
        v: 1,
        plazaId: 7,
        code: 'MTA7',
        name: 'Queens Midtown Tunnel',
        lanes: 8,
        tariffs: { motorcycle: 225, car: 450, van: 600, bus: 1100, truck: 860 },
        currency: 'USD',
      },
    ]);
    const tariffs = (await source.plazas())[0]!.tariffs!;
    const short = events.filter((e) => !(e.payment!.amountCents >= tariffs[e.passage.vehicleType]!));
    expect(short).toEqual([]);
  });

  it('regenerates identical passages on a second replay, and honours plaza=27 and the time zone', async () => {
    const window = { from: Date.UTC(2015, 10, 27, 8), to: Date.UTC(2015, 10, 27, 10) };
    const a = await drain(createHourlySource('a', { file: MTA_FILE }, context(window)));
    const b = await drain(createHourlySource('b', { file: MTA_FILE }, context(window)));
    expect(b.events).toEqual(a.events);
    const ny = await drain(
      createHourlySource('c', { file: MTA_FILE, plaza: 27 }, context({ ...window, tz: 'America/New_York' })),
    );
    // 08:00-10:00 UTC is 03:00-05:00 EST: hours 03 and 04 of the file
    expect(Object.keys(countBy(ny.events, (e) => hourOfKey(e.passage.eventId)))).toEqual([
      '2015112703',
      '2015112704',
    ]);
    expect(ny.events[0]!.passage.eventId).toMatch(/^mta-27-/);
  });

  it('streams the whole file: the first passages arrive at once, nothing is materialised', async () => {
    const source = createHourlySource('all', { file: MTA_FILE }, context());
    const { events } = await drain(source, { maxEvents: 20_000 });
    expect(events[0]!.passage.eventId).toBe('mta-7-2010010100-I-0');
    // 20k passages are about a day of the file: only a little of its 61,536 rows has been read
    expect(source.progress().read).toBeLessThan(1100);
  });
});

describe('hourly export format and bad rows', () => {
  const exportFile = file(
    'export.csv',
    [
      'Plaza ID,Date,Hour,Direction,# Vehicles - E-ZPass,# Vehicles - VToll',
      '21,11/28/2015,0,I,477,205',
      '21,11/28/2015,0,O,300,"1,000"',
      '27,11/28/2015,0,I,40,2',
      '21,11/28/2015,1,I,12,3',
      '',
    ].join('\n'),
  );

  it('parses the export: plaza from the row, E-ZPass pays e-tag, VToll pays card, hours merged in time order', async () => {
    const source = createHourlySource(`hourly:${exportFile}`, { file: exportFile }, context());
    const { events } = await drain(source);
    const per = countBy(events, (e) => e.passage.eventId.replace(/-\d+$/, ''));
    expect(per).toEqual({
      'mta-21-2015112800-I': 682,
      'mta-21-2015112800-O': 1300,
      'mta-27-2015112800-I': 42,
      'mta-21-2015112801-I': 15,
    });
    const pay = countBy(events, (e) => `${e.passage.eventId.replace(/-\d+$/, '')}/${e.payment!.method}`);
    expect(pay['mta-21-2015112800-I/e-tag']).toBe(477);
    expect(pay['mta-21-2015112800-I/card']).toBe(205);
    expect(pay['mta-21-2015112800-O/card']).toBe(1000);
    expectAllValid(events);
    expectTimeOrdered(events);
    expect((await source.plazas()).map((p) => [p.plazaId, p.name])).toEqual([
      [21, 'Plaza 21'],
      [27, 'Queens Midtown Tunnel'],
    ]);
  });

  it('yields the same passages for a total as for the same total split by payment', () => {
    const hour = { plazaId: 7, year: 2015, month: 11, day: 28, hour: 8, direction: 'I' };
    const total: HourCount = { ...hour, total: 900, otherMethod: 'cash' };
    const split: HourCount = { ...hour, total: 900, eZPass: 700, otherMethod: 'card' };
    const a = expandHour(total, 'UTC', 'hourly');
    const b = expandHour(split, 'UTC', 'http');
    expect(b.map((e) => ({ ...e.passage, source: 'x' }))).toEqual(
      a.map((e) => ({ ...e.passage, source: 'x' })),
    );
    expect(b.filter((e) => e.payment!.method === 'e-tag')).toHaveLength(700);
    const share = a.filter((e) => e.payment!.method === 'e-tag').length / 900;
    expect(share).toBeGreaterThan(0.8);
    expect(share).toBeLessThan(0.9);
  });

  it('reports bad rows with file, line and reason, and replays the rest', async () => {
    const bad = file(
      'bad.csv',
      [
        'Date,Total,Day',
        '2015112700,10,Friday',
        '2015112724,10,Friday',
        '2015113100,10,Tuesday',
        '2015112701,lots,Friday',
        'x',
        '2015112702,99999999,Friday',
        '2015112703,5,Friday',
      ].join('\r\n'),
    );
    const source = createHourlySource(`hourly:${bad}`, { file: bad }, context());
    const { events } = await drain(source);
    expect(events).toHaveLength(15);
    expect(source.progress()).toMatchObject({ read: 7, total: 7, rejected: 5 });
    expect(source.recentRejects().map((r) => [r.where, r.line, r.reason])).toEqual([
      ['bad.csv', 3, 'hour 24 is not 0..23'],
      ['bad.csv', 4, '2015-11-31 is not a date'],
      ['bad.csv', 5, 'Total "lots" is not a count'],
      ['bad.csv', 6, 'expected Date,Total,Day, got 1 field(s)'],
      ['bad.csv', 7, 'Total 99999999 is more than 50000 vehicles in an hour'],
    ]);
  });

  it('resumes after a stop with neither repeats nor gaps', async () => {
    const source = createHourlySource('r', { file: exportFile }, context());
    const first = await drain(source, { maxEvents: 700 });
    const rest = await drain(source);
    const all = await drain(createHourlySource('all', { file: exportFile }, context()));
    expect([...first.events, ...rest.events].map((e) => e.passage.eventId)).toEqual(
      all.events.map((e) => e.passage.eventId),
    );
  });

  it('refuses an unknown header, a missing file, and plaza= on an export', () => {
    const other = file('other.csv', 'a,b,c\n1,2,3\n');
    expect(() => createHourlySource(`hourly:${other}`, { file: other }, context())).toThrow(SourceSpecError);
    expect(() => createHourlySource(`hourly:${other}`, { file: other }, context())).toThrow(
      /unknown header; expected hourly:<file>/,
    );
    expect(() => createHourlySource('hourly:/nope.csv', { file: '/nope.csv' }, context())).toThrow(
      /cannot read \/nope.csv \(ENOENT\)/,
    );
    expect(() => createHourlySource('x', { file: exportFile, plaza: 3 }, context())).toThrow(
      /plaza applies to a Date,Total,Day file only/,
    );
  });
});
