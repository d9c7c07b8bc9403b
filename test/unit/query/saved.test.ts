import { describe, expect, it } from 'vitest';
import {
  ParamError,
  SAVED_QUERIES,
  findSaved,
  parseParamFlags,
  prepareSaved,
  resolveParams,
} from '../../../src/query/saved.ts';
import { checkStatement } from '../../../src/query/statement.ts';

const saved = (name: string) => findSaved(name)!;

describe('saved queries', () => {
  it('cover the classic questions', () => {
    expect(SAVED_QUERIES.map((q) => q.name)).toEqual([
      'traffic-per-hour',
      'vehicle-mix',
      'busiest-plazas',
      'vehicle-passages',
      'revenue',
      'livetolldata',
      'traffic-per-minute',
      'revenue-per-hour',
      'anomalies-per-rule-per-day',
      'top-plazas-by-unpaid-amount',
    ]);
  });

  it.each(SAVED_QUERIES.map((q) => [q.name, q] as const))(
    '%s is one read-only statement once bound',
    (_, q) => {
      const given: Record<string, string> = q.params.some((p) => p.name === 'vehicle')
        ? { vehicle: 'v1' }
        : {};
      const prepared = prepareSaved(q, given);
      expect(checkStatement(prepared.sql).ok).toBe(true);
      expect(prepared.sql).not.toMatch(/:[a-z]/);
      expect(prepared.sql.split('?').length - 1).toBe(prepared.values.length);
    },
  );

  it('binds values, never SQL text: a hostile vehicle id stays a value', () => {
    const hostile = "x' OR '1'='1";
    const prepared = prepareSaved(saved('vehicle-passages'), { vehicle: hostile, limit: '5' });
    expect(prepared.sql).not.toContain(hostile);
    expect(prepared.values).toEqual([hostile, 5]);
  });

  it('fills defaults and parses typed values', () => {
    expect(
      resolveParams(saved('busiest-plazas'), { from: '2021-08-19', to: '2021-08-20T06:30:00+02:00' }),
    ).toEqual({
      hours: 24,
      from: new Date('2021-08-19T00:00:00Z'),
      to: new Date('2021-08-20T04:30:00Z'),
      limit: 10,
    });
  });

  it('names what is wrong with a parameter', () => {
    const q = saved('busiest-plazas');
    expect(() => resolveParams(q, { limit: 'ten' })).toThrow(
      new ParamError('--param limit=ten: expected an integer from 1 to 100000'),
    );
    expect(() => resolveParams(q, { limit: '0' })).toThrow(/from 1 to 100000/);
    expect(() => resolveParams(q, { from: 'yesterday' })).toThrow(/--param from=yesterday: expected a date/);
    expect(() => resolveParams(q, { plaza: '4000' })).toThrow(
      'busiest-plazas has no parameter "plaza" (parameters: hours, from, to, limit)',
    );
    expect(() => resolveParams(saved('vehicle-passages'), {})).toThrow(
      'vehicle-passages needs --param vehicle=... (the vehicle id)',
    );
  });

  it('parses --param name=value items (values may hold "=")', () => {
    expect(parseParamFlags(['vehicle=a=b', ' limit =3'])).toEqual({ vehicle: 'a=b', limit: '3' });
    expect(() => parseParamFlags(['novalue'])).toThrow('--param "novalue": expected name=value');
  });

  it('reads zone-less dates as UTC and refuses dates that do not exist', () => {
    const q = saved('busiest-plazas');
    expect(resolveParams(q, { from: '2021-08-19 21:54' }).from).toEqual(new Date('2021-08-19T21:54:00Z'));
    expect(() => resolveParams(q, { from: '2021-02-30' })).toThrow(
      '--param from=2021-02-30: February 2021 has 28 days; expected a date like 2021-08-19',
    );
    expect(() => resolveParams(q, { to: '19/08/2021' })).toThrow(
      /--param to=19\/08\/2021: expected a date like/,
    );
  });
});
