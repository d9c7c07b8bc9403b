import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createFileSource, parseFileOptions } from '../../../src/sources/file.ts';
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

/** The identity a file's event ids start with, computed here from its bytes. */
const contentId = (file: string): string =>
  `file-${createHash('sha256').update(readFileSync(file)).digest('hex').slice(0, 12)}`;

/** The FASTag file's dashed dates are month-first like its slashed ones (ids 1-7 run 01-06-23 ... 01-12-23, then 1/13/2023). */
const FASTAG_MAPPING =
  'plaza=TollBoothID&vehicle=Vehicle_Plate_Number&type=Vehicle_Type&time=Timestamp&timeFormat=MM-DD-YY HH:mm|M/D/YYYY HH:mm';

describe(
  'file source on the FASTag data (mixed timestamps, trailing spaces, quoted commas)',
  { timeout: 60_000 },
  () => {
    it('maps all 5,000 rows to valid passages, with hashed plaza ids for names like A-101', async () => {
      const s = source(FASTAG_FILE, FASTAG_MAPPING);
      expect(s.importId?.()).toBeUndefined();
      const { events } = await drain(s);
      expect(s.importId?.()).toBe(contentId(FASTAG_FILE));
      expect(events).toHaveLength(5000);
      expect(s.progress()).toMatchObject({ read: 5000, total: 5000, rejected: 0 });
      expectAllValid(events);
      const first = events[0]!.passage;
      expect(first).toEqual({
        v: 1,
        eventId: `${contentId(FASTAG_FILE)}-2`,
        plazaId: HASHED_PLAZA_BASE + (hash32('A-101') % 25_536),
        vehicleId: 'KA11AB1234',
        vehicleType: 'bus', // "Bus " in the file
        passedAt: '2023-01-06T11:20:00.000Z', // "01-06-23 11:20", month first
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
        where: FASTAG_FILE,
        reason: 'vehicle: column FastagID is empty',
        code: 'vehicle',
      });
      expect(s.progress().rejectedByReason).toEqual({ vehicle: emptyAt.length });
      const byId = new Map(events.map((e) => [e.passage.eventId, e]));
      expect(byId.get(`${contentId(FASTAG_FILE)}-id-1`)).toMatchObject({
        passage: { plazaId: 101, vehicleId: 'FTG-001-ABC-121' },
        payment: { amountCents: 12000, currency: 'INR', method: 'e-tag' },
      });
      expect(byId.get(`${contentId(FASTAG_FILE)}-id-2`)?.passage.plazaId).toBe(102);
      expectAllValid(events);
    });

    it('carries the amount due of each transaction (due=Transaction_Amount) beside the amount paid', async () => {
      const rows = readFileSync(FASTAG_FILE, 'utf8')
        .split(/\r?\n/)
        .slice(1)
        .filter((l) => l !== '' && l.split(',')[3] !== '');
      const s = source(
        FASTAG_FILE,
        FASTAG_MAPPING.replace('Vehicle_Plate_Number', 'FastagID') +
          '&id=Transaction_ID&amount=Amount_paid&due=Transaction_Amount&currency=INR',
      );
      const { events } = await drain(s);
      expect(events).toHaveLength(rows.length);
      const short = events.filter((e) => e.payment!.amountCents < e.payment!.dueCents!);
      // The file's own columns, read independently: rows paying less than the transaction amount.
      const expected = rows.filter((l) => {
        const c = l.split(',');
        return Number(c[8]) < Number(c[7]);
      });
      expect(short.length).toBe(expected.length);
      const first = events.find((e) => e.passage.eventId === `${contentId(FASTAG_FILE)}-id-1`);
      expect(first).toMatchObject({ payment: { amountCents: 12000, dueCents: 35000 } });
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
      eventId: `${contentId(f)}-3`,
    });
    expect(events[2]!.passage.lane).toBeUndefined();
    expect(s.recentRejects().map((r) => [r.line, r.code, r.reason])).toEqual([
      [5, 'plaza', 'plaza: column booth is empty'],
      [6, 'time', 'time "yesterday" in column at matches none of the formats iso'],
      [7, 'fields', 'expected 5 fields as in the header, got 6'],
      [8, 'lane', 'lane "99" in column lane is not a whole number in 1..64'],
      [
        9,
        'type',
        'vehicle type "Car!" in column kind is not a lower-case token like "car"; map it with typeMap=Car!:car',
      ],
      [10, 'csv', 'a quoted field is not closed before the end of the file'],
    ]);
    expect(s.recentRejects().every((r) => r.where === f)).toBe(true);
    expect(s.progress()).toMatchObject({
      read: 10,
      total: 10,
      rejected: 6,
      rejectedByReason: { plaza: 1, time: 1, fields: 1, lane: 1, type: 1, csv: 1 },
    });
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

describe('file source: messages that say what to fix', () => {
  it('names the value, the column and the typeMap entry for a vehicle type the sink cannot take', async () => {
    const f = write('types.csv', 'p,v,t,k\n7,A,2024-05-01T00:00Z,Mini-Bus/Van\n7,B,2024-05-01T00:01Z,Car\n');
    const s = source(f, 'plaza=p&vehicle=v&time=t&type=k');
    expect((await drain(s)).events).toHaveLength(1);
    expect(s.recentRejects()[0]).toMatchObject({
      code: 'type',
      reason:
        'vehicle type "Mini-Bus/Van" in column k is not a lower-case token like "car"; map it with typeMap=Mini-Bus/Van:mini-bus-van',
    });
    const fixed = source(f, 'plaza=p&vehicle=v&time=t&type=k&typeMap=Mini-Bus/Van:van');
    expect((await drain(fixed)).events.map((e) => e.passage.vehicleType)).toEqual(['van', 'car']);
  });

  it('says what is impossible about a date, and which values are ambiguous', async () => {
    const f = write(
      'dates.csv',
      'p,v,t\n7,A,2/30/2023 10:00\n7,B,1/13/2023 24:30\n7,C,1/13/2023 10:00\n7,D,1/32/2023 10:00\n',
    );
    const s = source(f, 'plaza=p&vehicle=v&time=t&timeFormat=M/D/YYYY HH:mm');
    expect((await drain(s)).events.map((e) => e.passage.passedAt)).toEqual(['2023-01-13T10:00:00.000Z']);
    expect(s.recentRejects().map((r) => r.reason)).toEqual([
      'time "2/30/2023 10:00" in column t: February 2023 has 28 days',
      'time "1/13/2023 24:30" in column t: hour 24 is out of range',
      'time "1/32/2023 10:00" in column t: day 32 is out of range',
    ]);
    const g = write('twice.csv', 'p,v,t\n7,A,01/06/2023\n7,B,13/06/2023\n7,C,06/13/2023\n');
    const both = source(g, 'plaza=p&vehicle=v&time=t&timeFormat=DD/MM/YYYY|MM/DD/YYYY');
    expect((await drain(both)).events.map((e) => e.passage.vehicleId)).toEqual(['B', 'C']);
    expect(both.progress().rejectedByReason).toEqual({ 'time-ambiguous': 1 });
  });
});

describe('file source: day/month order settled from the whole file before anything is produced', () => {
  it('refuses the FASTag file under a day-first dashed format, naming the column, an example and both readings', async () => {
    const s = source(FASTAG_FILE, FASTAG_MAPPING.replace('MM-DD-YY', 'DD-MM-YY'));
    const refused = await s.plazas().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(SourceSpecError);
    expect((refused as Error).message).toContain(
      'column Timestamp: "01-06-23 11:20" is 1 June 2023 under DD-MM-YY HH:mm (day-first) but 6 January 2023 month-first',
    );
    expect((refused as Error).message).toContain('timeFormat=MM-DD-YY HH:mm|M/D/YYYY HH:mm');
    await expect(drain(s)).rejects.toThrow(SourceSpecError);
    expect(s.progress().read).toBe(0);
  });

  it('dayFirst=false reads the FASTag day-first format month first', async () => {
    const s = source(
      FASTAG_FILE,
      `${FASTAG_MAPPING.replace('MM-DD-YY', 'DD-MM-YY')}&dayFirst=false&id=Transaction_ID`,
    );
    const { events } = await drain(s);
    expect(events).toHaveLength(5000);
    const at = (id: number) => events.find((e) => e.passage.eventId === `${contentId(FASTAG_FILE)}-id-${id}`);
    expect(at(1)?.passage.passedAt).toBe('2023-01-06T11:20:00.000Z');
    expect(at(7)?.passage.passedAt).toBe('2023-01-12T15:40:00.000Z');
    expect(at(8)?.passage.passedAt).toBe('2023-01-13T20:15:00.000Z');
  });

  it('rejects each row of a form the file contradicts, saying the file looks month-first', async () => {
    const f = write('contradicts.csv', 'p,v,t\n7,A,01-06-23 10:00\n7,B,01-13-23 10:00\n7,C,05-05-23 10:00\n');
    const s = source(f, 'plaza=p&vehicle=v&time=t&timeFormat=DD-MM-YY HH:mm');
    expect((await drain(s)).events.map((e) => e.passage.vehicleId)).toEqual(['C']);
    expect(s.recentRejects().map((r) => r.reason)).toEqual([
      'time "01-06-23 10:00" in column t would be 1 June 2023 under DD-MM-YY HH:mm, but the file\'s dates of this form look month-first (e.g. "01-13-23 10:00"): write timeFormat=MM-DD-YY HH:mm',
      'time "01-13-23 10:00" in column t is not a date under DD-MM-YY HH:mm (month 13 is out of range); the file\'s dates of this form look month-first (e.g. "01-13-23 10:00"): write timeFormat=MM-DD-YY HH:mm',
    ]);
  });
});

describe('file source: an import is identified by its content', () => {
  const rows = (plates: string[]): string =>
    `p,v,t,n\n${plates.map((v, i) => `7,${v},2024-05-01T00:0${i}Z,${i + 1}`).join('\n')}\n`;

  async function ids(file: string, mapping = 'plaza=p&vehicle=v&time=t'): Promise<string[]> {
    return (await drain(source(file, mapping))).events.map((e) => e.passage.eventId);
  }

  it('gives the same bytes under another name the same ids, and other bytes under the same name other ids', async () => {
    const a = path.join(mkdtempSync(path.join(tmpdir(), 'month-a-')), 'export.csv');
    const b = path.join(mkdtempSync(path.join(tmpdir(), 'month-b-')), 'export.csv');
    writeFileSync(a, rows(['A1', 'A2']));
    writeFileSync(b, rows(['B1', 'B2']));
    const copy = write('renamed-copy.csv', readFileSync(a, 'utf8'));
    const first = await ids(a);
    expect(first).toEqual([`${contentId(a)}-2`, `${contentId(a)}-3`]);
    expect(await ids(copy)).toEqual(first);
    const other = await ids(b);
    expect(other).toHaveLength(2);
    expect(other.filter((id) => first.includes(id))).toEqual([]);
    // With an id field, the default prefix comes from the content too; an explicit idPrefix stays as given.
    expect(await ids(a, 'plaza=p&vehicle=v&time=t&id=n')).toEqual([
      `${contentId(a)}-id-1`,
      `${contentId(a)}-id-2`,
    ]);
    expect(await ids(b, 'plaza=p&vehicle=v&time=t&id=n')).toEqual([
      `${contentId(b)}-id-1`,
      `${contentId(b)}-id-2`,
    ]);
    expect(await ids(a, 'plaza=p&vehicle=v&time=t&id=n&idPrefix=x-')).toEqual(['x-1', 'x-2']);
  });
});
