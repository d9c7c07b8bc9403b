import { describe, expect, it } from 'vitest';
import {
  findingQuery,
  plazaQuery,
  sqlDatetime,
  sqlString,
  vehiclePassagesQuery,
} from '../../../src/query/findings.ts';
import { checkStatement, lex } from '../../../src/query/statement.ts';

const AT = Date.UTC(2021, 7, 19, 21, 53, 12, 250);

describe('the SQL a finding leads to', () => {
  it('a vehicle finding loads the vehicle, a plaza finding the plaza traffic, p the plaza findings', () => {
    const unpaid = { rule: 'unpaid', plazaId: 4001, vehicleId: 'V1', observedAtMs: AT };
    expect(findingQuery(unpaid)?.label).toBe('passages of V1 20:53-22:53 UTC');
    expect(plazaQuery(unpaid)?.label).toBe('findings at plaza 4001 20:53-22:53 UTC');
    const surge = { rule: 'surge', plazaId: 4003, vehicleId: null, observedAtMs: AT };
    expect(findingQuery(surge)?.label).toBe('plaza 4003 passages per minute 20:53-22:53 UTC');
    expect(findingQuery({ ...surge, plazaId: null })).toBeNull();
    expect(plazaQuery({ ...surge, plazaId: null })).toBeNull();
  });

  it('each is one read-only statement, ends with ";" (Enter runs it) and shows its subject in its last 3 lines', () => {
    const f = { rule: 'unpaid', plazaId: 4001, vehicleId: 'V1', observedAtMs: AT };
    for (const q of [findingQuery(f)!, plazaQuery(f)!, findingQuery({ ...f, vehicleId: null })!]) {
      expect(checkStatement(q.sql)).toMatchObject({ ok: true, verb: 'SELECT' });
      expect(q.sql.endsWith(';')).toBe(true);
      const last3 = q.sql.split('\n').slice(-3);
      expect(last3.join('\n')).toMatch(/(vehicle_id = 'V1'|plaza_id = 4001)/);
      expect(last3.every((line) => line.length <= 71)).toBe(true);
    }
  });

  it('the time range is an hour either side, widened to whole seconds', () => {
    expect(vehiclePassagesQuery('V1', AT).sql).toContain(
      "AND p.passed_at BETWEEN '2021-08-19 20:53:12' AND '2021-08-19 22:53:13'",
    );
    expect(sqlDatetime(Date.UTC(2021, 0, 2, 3, 4, 5, 999))).toBe("'2021-01-02 03:04:05'");
  });

  it('a hostile vehicle id stays one string literal', () => {
    expect(sqlString("O'Brien\\7")).toBe("'O''Brien\\\\7'");
    const hostile = "x' OR '1'='1'; DELETE FROM passages; -- \\";
    const sql = vehiclePassagesQuery(hostile, AT).sql;
    expect(checkStatement(sql).ok).toBe(true);
    const strings = lex(sql).tokens.filter((t) => t.kind === 'string');
    expect(strings[0]!.text).toBe(sqlString(hostile));
    expect(lex(sql).tokens.filter((t) => t.kind === 'word' && /^DELETE$/i.test(t.text))).toEqual([]);
  });
});
