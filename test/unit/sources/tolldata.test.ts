import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TollEvent } from '../../../src/domain/types.ts';
import {
  createTolldataSource,
  parsePaymentLine,
  parsePlazaFields,
  parseVehicleFields,
} from '../../../src/sources/tolldata.ts';
import { context, countBy, drain, expectAllValid, expectTimeOrdered, TOLLDATA_DIR } from './helpers.ts';

const spec = `tolldata:${TOLLDATA_DIR}`;

describe('tolldata line parsers', () => {
  it('reads the csv fields, including a space-padded day', () => {
    const row = parseVehicleFields('4,Mon Aug  2 18:23:45 2021,5521221,car,2,VC965'.split(','), 4, 'UTC');
    expect(row).toEqual({
      rowid: 4,
      timeMs: Date.UTC(2021, 7, 2, 18, 23, 45),
      vehicleId: '5521221',
      vehicleType: 'car',
      axles: 2,
      line: 4,
    });
  });

  it('reads the fixed-width payment line by column', () => {
    const row = parsePaymentLine(
      '     1 Thu Aug 19 21:54:38 2021 125094     4856 PC7C042B7 PTE VC965',
      1,
      'UTC',
    );
    expect(row).toMatchObject({
      rowid: 1,
      vehicleId: '125094',
      plazaId: 4856,
      plazaCode: 'PC7C042B7',
      method: 'e-tag',
    });
    expect(
      parsePaymentLine('     1 Thu Aug 19 21:54:38 2021 125094     4856 PC7C042B7 PTX VC965', 1, 'UTC'),
    ).toMatch(/payment code "PTX"/);
  });

  it('explains what is wrong with a bad row', () => {
    expect(parseVehicleFields(['1', 'yesterday', '1', 'car', '2', 'VC'], 1, 'UTC')).toMatch(/not a ctime/);
    expect(parseVehicleFields(['1', 'Thu Aug 19 21:54:38 2021'], 1, 'UTC')).toMatch(/expected 6/);
    expect(parsePlazaFields('1\tThu Aug 19 21:54:38 2021\t1\tcar\t2\tX\tPC'.split('\t'), 1, 'UTC')).toMatch(
      /plaza id "X"/,
    );
  });

  it('reads ctime in the configured time zone', () => {
    const row = parseVehicleFields(
      '1,Thu Aug 19 21:54:38 2021,125094,car,2,VC965'.split(','),
      1,
      'America/New_York',
    );
    expect(typeof row !== 'string' && new Date(row.timeMs).toISOString()).toBe('2021-08-20T01:54:38.000Z');
  });
});

describe('tolldata replay of the real files', { timeout: 60_000 }, () => {
  const source = createTolldataSource(spec, { dir: TOLLDATA_DIR }, context());
  let events: TollEvent[] = [];
  let byRow = new Map<string, TollEvent>();
  beforeAll(async () => {
    events = (await drain(source)).events;
    byRow = new Map(events.map((e) => [e.passage.eventId, e]));
  }, 60_000);

  it('yields all 10,000 passages, each with its payment, all valid, in event-time order', () => {
    expect(events).toHaveLength(10_000);
    expect(events.filter((e) => e.payment)).toHaveLength(10_000);
    expect(new Set(events.map((e) => e.passage.eventId)).size).toBe(10_000);
    expectAllValid(events);
    expectTimeOrdered(events);
    expect(source.progress()).toMatchObject({ read: 10_000, total: 10_000, rejected: 0 });
  });

  it('matches the files row for row', () => {
    // Rows 1 and 4 are the csv's first lines; 9999 and 10000 its last (10000 has no final line end).
    expect(byRow.get('tolldata-1')).toEqual({
      passage: {
        v: 1,
        eventId: 'tolldata-1',
        plazaId: 4856,
        vehicleId: '125094',
        vehicleType: 'car',
        axles: 2,
        passedAt: '2021-08-19T21:54:38.000Z',
        source: 'tolldata',
      },
      payment: {
        v: 1,
        paymentId: 'pay-tolldata-1',
        eventId: 'tolldata-1',
        plazaId: 4856,
        method: 'e-tag',
        amountCents: 450,
        currency: 'USD',
        paidAt: '2021-08-19T21:54:38.000Z',
      },
    });
    expect(byRow.get('tolldata-4')?.passage).toMatchObject({
      plazaId: 4095,
      vehicleId: '5521221',
      passedAt: '2021-08-02T18:23:45.000Z',
    });
    expect(byRow.get('tolldata-4')?.payment?.method).toBe('prepaid');
    expect(byRow.get('tolldata-9999')?.passage).toMatchObject({
      plazaId: 4311,
      vehicleId: '2601682',
      passedAt: '2021-08-17T18:41:00.000Z',
    });
    expect(byRow.get('tolldata-9999')?.payment?.method).toBe('cash');
    expect(byRow.get('tolldata-10000')?.passage).toMatchObject({
      plazaId: 4260,
      vehicleId: '4833266',
      vehicleType: 'car',
    });
  });

  it('maps payment codes PTE/PTC/PTP as the file counts them', () => {
    // cut -c59-61 payment-data.txt | sort | uniq -c
    expect(countBy(events, (e) => e.payment!.method)).toEqual({ 'e-tag': 3376, cash: 3281, prepaid: 3343 });
  });

  it('charges by vehicle type and axles from the shared tariff', () => {
    const amounts = countBy(
      events,
      (e) => `${e.passage.vehicleType}/${e.passage.axles}/${e.payment!.amountCents}`,
    );
    expect(amounts).toEqual({ 'car/2/450': 6438, 'truck/4/1720': 2368, 'van/2/600': 1194 });
  });

  it('publishes one plaza record per plaza id, with the code from the tsv and the tariffs it charges', async () => {
    const plazas = await source.plazas();
    expect(plazas).toHaveLength(1011);
    expect(plazas.find((p) => p.plazaId === 4856)).toEqual({
      v: 1,
      plazaId: 4856,
      code: 'PC7C042B7',
      name: 'Plaza 4856',
      lanes: 4,
      tariffs: { motorcycle: 225, car: 450, van: 600, bus: 1100, truck: 860 },
      currency: 'USD',
    });
    const tariffs = new Map(plazas.map((p) => [p.plazaId, p.tariffs!]));
    const short = events.filter(
      (e) => e.payment!.amountCents < tariffs.get(e.passage.plazaId)![e.passage.vehicleType]!,
    );
    expect(short).toEqual([]);
  });

  it('has nothing more after the end', async () => {
    expect((await drain(source)).events).toHaveLength(0);
  });
});

describe('tolldata replay options and bad rows', { timeout: 60_000 }, () => {
  it('honours a half-open from/to window', async () => {
    const from = Date.UTC(2021, 7, 10);
    const to = Date.UTC(2021, 7, 11);
    const { events } = await drain(createTolldataSource(spec, { dir: TOLLDATA_DIR }, context({ from, to })));
    expect(events.length).toBeGreaterThan(300);
    expect(events.length).toBeLessThan(600);
    for (const e of events) {
      const t = Date.parse(e.passage.passedAt);
      expect(t >= from && t < to).toBe(true);
    }
  });

  it('resumes after a stop without repeating or losing a passage', async () => {
    const source = createTolldataSource(spec, { dir: TOLLDATA_DIR }, context());
    const first = await drain(source, { maxEvents: 1200 });
    const rest = await drain(source);
    const ids = [...first.events, ...rest.events].map((e) => e.passage.eventId);
    expect(ids).toHaveLength(10_000);
    expect(new Set(ids).size).toBe(10_000);
  });

  it('rejects unparsable and unjoinable rows with file, line and reason, and replays the rest', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tolldata-'));
    writeFileSync(
      path.join(dir, 'vehicle-data.csv'),
      [
        '1,Thu Aug 19 21:54:38 2021,125094,car,2,VC965',
        '2,Sat Jul 31 04:09:44 2021,174434,car,2,VC965',
        'garbage line',
        '3,Sat Aug 14 17:19:04 2021,8538286,truck,4,VC965',
        '5,Sat Aug 14 17:19:05 2021,999,car,2,VC965',
      ].join('\r\n'),
    );
    writeFileSync(
      path.join(dir, 'tollplaza-data.tsv'),
      [
        '1\tThu Aug 19 21:54:38 2021\t125094\tcar\t2\t4856\tPC7C042B7',
        '2\tSat Jul 31 04:09:44 2021\t174434\tcar\t2\t4154\tPC2C2EF9E',
        '3\tSat Aug 14 17:19:04 2021\t8538286\ttruck\t4\t4070\tPCEECA8B2',
        '5\tSat Aug 14 17:19:05 2021\t111\tcar\t2\t4070\tPCEECA8B2',
      ].join('\r\n'),
    );
    writeFileSync(
      path.join(dir, 'payment-data.txt'),
      [
        '     1 Thu Aug 19 21:54:38 2021 125094     4856 PC7C042B7 PTE VC965',
        '     3 Sat Aug 14 17:19:04 2021 8538286    4070 PCEECA8B2 PTC VC965',
        '     5 Sat Aug 14 17:19:05 2021 111        4070 PCEECA8B2 PTC VC965',
        '',
      ].join('\n'),
    );
    const source = createTolldataSource(`tolldata:${dir}`, { dir }, context());
    const { events } = await drain(source);
    expect(events.map((e) => e.passage.eventId)).toEqual(['tolldata-3', 'tolldata-1']);
    expect(source.progress().rejected).toBe(3);
    const rejects = source.recentRejects();
    expect(rejects).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          where: 'vehicle-data.csv',
          line: 3,
          reason: expect.stringMatching(/expected 6/),
        }),
        expect.objectContaining({
          where: 'tollplaza-data.tsv',
          line: 2,
          reason: expect.stringMatching(/Rowid 2 has no row in payment-data.txt/),
        }),
        expect.objectContaining({
          where: 'tollplaza-data.tsv',
          line: 4,
          reason: expect.stringMatching(/vehicle number differs from vehicle-data.csv line 5/),
        }),
      ]),
    );
    expectAllValid(events);
  });
});
