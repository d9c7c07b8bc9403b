import { describe, expect, it } from 'vitest';
import { bindNamed, checkStatement, lex } from '../../../src/query/statement.ts';

const reason = (sql: string): string => {
  const r = checkStatement(sql);
  return r.ok ? 'ok' : r.reason;
};

describe('statement lexer', () => {
  it('skips strings, quoted identifiers and all three comment styles', () => {
    const { tokens } = lex(
      "SELECT 'it''s; DELETE', \"a\\\"b\", `we``ird` -- DROP TABLE x\n# INSERT\n/* UPDATE */ FROM t",
    );
    expect(tokens.map((t) => [t.kind, t.text])).toEqual([
      ['word', 'SELECT'],
      ['string', "'it''s; DELETE'"],
      ['punct', ','],
      ['string', '"a\\"b"'],
      ['punct', ','],
      ['identifier', '`we``ird`'],
      ['word', 'FROM'],
      ['word', 't'],
    ]);
  });

  it('"--" starts a comment only when followed by a space, as in MySQL', () => {
    expect(lex('SELECT 1--1').tokens.map((t) => t.text)).toEqual(['SELECT', '1', '-', '-', '1']);
  });

  it('reports executable comments and unterminated strings', () => {
    expect(lex('SELECT 1 /*!50000 , 2 */').executableComment).toBe(true);
    expect(lex('SELECT 1 /*M! , 2 */').executableComment).toBe(true);
    expect(lex("SELECT 'abc").unterminated).toBe('a string starting at line 1, column 8 is never closed');
  });
});

describe('checkStatement', () => {
  it.each([
    'SELECT * FROM passages',
    'select 1;',
    '  WITH t AS (SELECT 1 AS a) SELECT a FROM t ;  ',
    '(SELECT 1) UNION (SELECT 2)',
    'SHOW TABLES',
    'SHOW CREATE TABLE passages',
    'DESCRIBE passages',
    'DESC passages',
    'EXPLAIN SELECT * FROM passages',
    "SELECT REPLACE(vehicle_id, 'a', 'b'), TRUNCATE(1.25, 1) FROM passages",
    "SELECT * FROM passages WHERE source = 'delete me; drop table x'",
    'SELECT updated_at, `update` FROM plazas -- DELETE',
    'SELECT 1; ;',
  ])('accepts %s', (sql) => {
    expect(reason(sql)).toBe('ok');
  });

  it('returns the statement without the trailing semicolon', () => {
    expect(checkStatement(' SELECT 1 ; ')).toEqual({ ok: true, verb: 'SELECT', sql: 'SELECT 1' });
  });

  it.each([
    [
      'DELETE FROM passages',
      /^refused: DELETE statements are not allowed; only SELECT, WITH, SHOW, DESCRIBE, EXPLAIN/,
    ],
    ['insert into plazas values (1)', /^refused: INSERT statements are not allowed/],
    ['TRUNCATE passages', /^refused: TRUNCATE statements are not allowed/],
    ['SET @a = 1', /^refused: SET statements are not allowed/],
    ['SELECT 1; DELETE FROM passages', /^refused: multiple statements/],
    ['SELECT * FROM passages INTO OUTFILE "/tmp/x"', /^refused: INTO writes a file or variables/],
    ['SELECT * FROM passages FOR UPDATE', /^refused: UPDATE writes rows/],
    ['SELECT * FROM passages LOCK IN SHARE MODE', /^refused: LOCK takes locks/],
    ['SELECT * FROM passages FOR SHARE', /^refused: FOR SHARE takes locks/],
    ['EXPLAIN DELETE FROM passages', /^refused: DELETE deletes rows/],
    ['WITH x AS (SELECT 1) DELETE FROM passages', /^refused: DELETE deletes rows/],
    ['(DELETE FROM passages)', /^refused: DELETE statements are not allowed/],
    ['SELECT 1 /*!50000 ; DROP TABLE passages */', /^refused: executable comments/],
    ["SELECT 'oops", /^bad SQL: a string starting at line 1, column 8 is never closed/],
    ['  -- only a comment', /^nothing to run/],
    ['', /^nothing to run/],
  ])('refuses %s', (sql, expected) => {
    expect(reason(sql)).toMatch(expected);
  });
});

describe('named parameters', () => {
  it('become positional placeholders with values in order, repeated names included', () => {
    expect(bindNamed('SELECT :a, :b, :a', { a: 1, b: 'x' })).toEqual({
      sql: 'SELECT ?, ?, ?',
      values: [1, 'x', 1],
    });
  });

  it('are not recognised inside strings, comments, identifiers or := assignments', () => {
    const sql = "SELECT ':a', `:a`, @v := 1 /* :a */ FROM t WHERE x = :a -- :a";
    expect(bindNamed(sql, { a: 7 })).toEqual({
      sql: "SELECT ':a', `:a`, @v := 1 /* :a */ FROM t WHERE x = ? -- :a",
      values: [7],
    });
  });

  it('refuse a placeholder without a value', () => {
    expect(() => bindNamed('SELECT :missing', {})).toThrow('no value for the parameter :missing');
  });
});
