import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createFileSource, fileIdPrefix, parseFileOptions } from '../../../src/sources/file.ts';
import { optionBag, SourceSpecError } from '../../../src/sources/options.ts';
import { HASHED_PLAZA_BASE } from '../../../src/sources/record-mapping.ts';
import { hash32 } from '../../../src/sources/random.ts';
import type { SourceContext } from '../../../src/sources/source.ts';
import { context, countBy, drain, expectAllValid, expectTimeOrdered, FASTAG_FILE } from './helpers.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'file-source-'));
function write(name: string, text: string): string {
  const f = path.join(dir, name);
  writeFileSync(f, text);
  return f;
}

function source(file: string, mapping: string, ctx: Partial<SourceContext> = {}) {
  const spec = `file:${file}#${mapping}`;
  const options = parseFileOptions(optionBag(spec, 'file:<path>#<mapping>', mapping), file);
  return createFileSource(spec, options, context(ctx));
}

const FASTAG_MAPPING =
  'plaza=TollBoothID&vehicle=Vehicle_Plate_Number&type=Vehicle_Type&time=Timestamp&timeFormat=DD-MM-YY HH:mm|M/D/YYYY HH:mm';

describe(
  'file source on the FASTag data (mixed timestamps, trailing spaces, quoted commas)',
  { timeout: 60_000 },
  () => {
    it('maps all 5,000 rows to valid passages, with hashed plaza ids for names like A-101', async () => {
      const s = source(FASTAG_FILE, FASTAG_MAPPING);
      const { events } = await drain(s);
      expect(events).toHaveLength(5000);
      expect(s.progress()).toMatchObject({ read: 5000, total: 5000, rejected: 0 });
      expectAllValid(events);
      const first = events[0]!.passage;
      expect(first).toEqual({
        v: 1,
        eventId: `${fileIdPrefix(FASTAG_FILE)}-2`,
        plazaId: HASHED_PLAZA_BASE + (hash32('A-101') % 25_536),
        vehicleId: 'KA11AB1234',
        vehicleType: 'bus', // "Bus " in the file
        passedAt: '2023-06-01T11:20:00.000Z',
        source: 'file',
      });
      expect(countBy(events, (e) => e.passage.vehicleType)).toEqual({
        bus: 716,
        car: 714,
        motorcycle: 714,
        suv: 714,
        sedan: 714,
        truck: 714,
        van: 714,
      });
      const plazas = await s.plazas();
      expect(plazas.map((p) => p.code).sort()).toEqual([
        'A-101',
        'B-102',
        'C-103',
        'D-104',
        'D-105',
        'D-106',
      ]);
      expect(new Set(plazas.map((p) => p.plazaId)).size).toBe(6);
      expect(plazas.find((p) => p.code === 'A-101')).toMatchObject({
        plazaId: first.plazaId,
        name: 'Plaza A-101',
        lanes: 4,
      });
    });

    it('rejects exactly the rows with an empty FastagID when that is the vehicle field, with their lines', async () => {
      const lines = readFileSync(FASTAG_FILE, 'utf8').split(/\r?\n/);
      const emptyAt = lines.flatMap((l, i) => (i > 0 && l.split(',')[3] === '' ? [i + 1] : []));
      expect(emptyAt.length).toBeGreaterThan(500);
      const s = source(
        FASTAG_FILE,
        FASTAG_MAPPING.replace('Vehicle_Plate_Number', 'FastagID') +
          '&id=Transaction_ID&amount=Amount_paid&currency=INR&plazaMap=A-101:101,B-102:102',
      );
      const { events } = await drain(s);
      expect(events).toHaveLength(5000 - emptyAt.length);
      expect(s.progress().rejected).toBe(emptyAt.length);
      const recent = s.recentRejects();
      expect(recent).toHaveLength(100);
      expect(recent.map((r) => r.line)).toEqual(emptyAt.slice(-100));
      expect(recent[0]).toMatchObject({
        where: 'FastagFraudDetection.csv',
        reason: 'field "FastagID" is empty',
      });
      const byId = new Map(events.map((e) => [e.passage.eventId, e]));
      expect(byId.get(`${fileIdPrefix(FASTAG_FILE)}-id-1`)).toMatchObject({
        passage: { plazaId: 101, vehicleId: 'FTG-001-ABC-121' },
        payment: { amountCents: 12000, currency: 'INR', method: 'e-tag' },
      });
      expect(byId.get(`${fileIdPrefix(FASTAG_FILE)}-id-2`)?.passage.plazaId).toBe(102);
      expectAllValid(events);
    });

    it('sorts by time with order=time, and honours the half-open window', async () => {
      const from = Date.UTC(2023, 0, 1);
      const to = Date.UTC(2023, 1, 1);
      const { events } = await drain(source(FASTAG_FILE, `${FASTAG_MAPPING}&order=time`, { from, to }));
      expect(events.length).toBeGreaterThan(100);
      expectTimeOrdered(events);
      for (const e of events)
        expect(Date.parse(e.passage.passedAt) >= from && Date.parse(e.passage.passedAt) < to).toBe(true);
    });
  },
);

describe('file source on small broken files', () => {
  it('reports each broken row with line and reason and replays every good row', async () => {
    const f = write(
      'broken.csv',
      [
        'booth,plate,kind,at,lane',
        '7,AB 123,Car,2024-05-01T08:00:00Z,2',
        '7,"quoted, plate",car ,2024-05-01T08:00:01Z,1',
        '7,"say ""hi""",van,2024-05-01T08:00:02Z,',
        ',NOPLAZA,car,2024-05-01T08:00:03Z,1',
        '7,LATE,car,yesterday,1',
        '7,TOOMANY,car,2024-05-01T08:00:04Z,1,extra',
        '7,BADLANE,car,2024-05-01T08:00:05Z,99',
        '7,BADTYPE,Car!,2024-05-01T08:00:06Z,1',
        '7,"unterminated,car,2024-05-01T08:00:07Z,1',
        '8,LAST,truck,2024-05-01T08:00:08Z,3',
      ].join('\n'),
    );
    const s = source(f, 'plaza=booth&vehicle=plate&type=kind&time=at&lane=lane');
    const { events } = await drain(s);
    expect(events.map((e) => e.passage.vehicleId)).toEqual(['AB 123', 'quoted, plate', 'say "hi"', 'LAST']);
    expect(events[1]!.passage).toMatchObject({
      vehicleType: 'car',
      lane: 1,
      eventId: `${fileIdPrefix(f)}-3`,
    });
    expect(events[2]!.passage.lane).toBeUndefined();
    expect(s.recentRejects().map((r) => [r.line, r.reason])).toEqual([
      [5, 'field "booth" is empty'],
      [6, 'time "yesterday" matches none of the formats iso'],
      [7, 'expected 5 fields as in the header, got 6'],
      [8, '"lane" is 99, expected 1..64'],
      [9, '"vehicleType" must be a lower-case token like "car"'],
      [10, 'a quoted field is not closed before the end of the file'],
    ]);
    expect(s.progress()).toMatchObject({ read: 10, total: 10, rejected: 6 });
    expectAllValid(events);
  });

  it('reads NDJSON with nested fields and a type map; a bad line is skipped', async () => {
    const f = write(
      'events.ndjson',
      [
        '{"id":"e1","plaza":{"id":12},"car":{"plate":"X1","class":"SUV"},"ts":1714550400}',
        '{not json',
        '[1,2]',
        '{"id":"e2","plaza":{"id":12},"car":{"plate":"X2","class":"semi"},"ts":1714550401}',
        '',
      ].join('\n'),
    );
    const s = source(
      f,
      'id=id&idPrefix=ev-&plaza=plaza.id&vehicle=car.plate&type=car.class&time=ts&timeFormat=epoch&typeMap=suv:car,semi:truck',
    );
    const { events } = await drain(s);
    expect(events.map((e) => [e.passage.eventId, e.passage.plazaId, e.passage.vehicleType])).toEqual([
      ['ev-e1', 12, 'car'],
      ['ev-e2', 12, 'truck'],
    ]);
    expect(s.recentRejects().map((r) => [r.line, r.reason.slice(0, 17)])).toEqual([
      [2, 'not JSON: Expecte'],
      [3, 'not a JSON object'],
    ]);
  });

  it('refers to columns by number without a header', async () => {
    const f = write('plain.tsv', '3\tP1\tbus\t2024-05-01 10:00\n3\tP2\tcar\t2024-05-01 10:05\n');
    const { events } = await drain(
      source(f, 'header=false&plaza=1&vehicle=2&type=3&time=4', { tz: 'Europe/Paris' }),
    );
    expect(events.map((e) => [e.passage.vehicleId, e.passage.passedAt])).toEqual([
      ['P1', '2024-05-01T08:00:00.000Z'],
      ['P2', '2024-05-01T08:05:00.000Z'],
    ]);
  });

  it('gives a second plaza name whose hash lands on a taken id the next free id; plazaMap still pins', async () => {
    const seen = new Map<number, string>();
    let pair: [string, string] | undefined;
    for (let i = 0; !pair; i++) {
      const name = `P-${i}`;
      const id = hash32(name) % 25_536;
      if (seen.has(id)) pair = [seen.get(id)!, name];
      else seen.set(id, name);
    }
    const hashed = HASHED_PLAZA_BASE + (hash32(pair[0]) % 25_536);
    const f = write('collide.csv', `p,v,t\n${pair[0]},A,2024-05-01T00:00Z\n${pair[1]},B,2024-05-01T00:01Z\n`);
    const s = source(f, 'plaza=p&vehicle=v&time=t');
    expect((await drain(s)).events.map((e) => e.passage.plazaId)).toEqual([hashed, hashed + 1]);
    expect(s.recentRejects()).toEqual([]);
    expect((await s.plazas()).map((p) => [p.code, p.plazaId])).toEqual([
      [pair[0], hashed],
      [pair[1], hashed + 1],
    ]);
    const fixed = source(f, `plaza=p&vehicle=v&time=t&plazaMap=${pair[1]}:77`);
    expect((await drain(fixed)).events.map((e) => e.passage.plazaId)).toEqual([hashed, 77]);
  });

  it('fails fast naming the spec for an unknown column, a missing mapping key or option, or a missing file', () => {
    const f = write('ok.csv', 'a,b,c\n1,2,2024-05-01\n');
    expect(() => source(f, 'plaza=a&vehicle=b&time=zzz')).toThrow(SourceSpecError);
    expect(() => source(f, 'plaza=a&vehicle=b&time=zzz')).toThrow(
      /column "zzz" is not in the header .* \(a, b, c\); expected file:<path>/,
    );
    expect(() => source(f, 'plaza=a&time=c')).toThrow(/the mapping needs vehicle=<field>/);
    expect(() => source(f, 'plaza=a&vehicle=b&time=c&colour=red')).toThrow(/unknown option colour/);
    expect(() => source(f, 'plaza=a&vehicle=b&time=c&timeFormat=HH:mm')).toThrow(/needs a year/);
    expect(() => source('/no/such.csv', 'plaza=a&vehicle=b&time=c')).toThrow(
      /cannot read \/no\/such.csv \(ENOENT\)/,
    );
  });
});
