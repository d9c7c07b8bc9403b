import { describe, expect, it } from 'vitest';
import { classifyFailure, columnOf, describeFailure } from '../../../src/query/outcome.ts';
import { limitStatement } from '../../../src/query/executor.ts';
import { exitCodeFor } from '../../../src/query/command.ts';

const ctx = { cancelled: false, timedOut: false, limitMs: 10_000, elapsedMs: 42 };
const mysqlError = (errno: number, code: string, sqlMessage: string) =>
  Object.assign(new Error(sqlMessage), { errno, code, sqlMessage });

describe('server errors become outcomes', () => {
  it('a time limit from either server is a timeout with the limit in the message', () => {
    for (const e of [
      mysqlError(
        1969,
        'ER_STATEMENT_TIMEOUT',
        'Query execution was interrupted (max_statement_time exceeded)',
      ),
      mysqlError(
        3024,
        'ER_QUERY_TIMEOUT',
        'Query execution was interrupted, maximum statement execution time exceeded',
      ),
    ]) {
      const outcome = classifyFailure(e, ctx);
      expect(outcome).toEqual({ kind: 'timeout', limitMs: 10_000, elapsedMs: 42 });
      expect(describeFailure(outcome)).toBe('query exceeded the 10 s limit');
    }
  });

  it('our own cancel wins over the interruption error it causes', () => {
    const e = mysqlError(1317, 'ER_QUERY_INTERRUPTED', 'Query execution was interrupted');
    expect(classifyFailure(e, { ...ctx, cancelled: true })).toEqual({ kind: 'cancelled', elapsedMs: 42 });
    expect(classifyFailure(e, { ...ctx, timedOut: true }).kind).toBe('timeout');
  });

  it('permission denied is a refusal by the read-only account', () => {
    const e = mysqlError(
      1142,
      'ER_TABLEACCESS_DENIED_ERROR',
      "DELETE command denied to user 'tollstream_reader'",
    );
    const wrapped = new Error('wrapped', { cause: e });
    const outcome = classifyFailure(wrapped, ctx);
    expect(outcome.kind).toBe('refused');
    expect(describeFailure(outcome)).toBe(
      "refused: read-only account: DELETE command denied to user 'tollstream_reader'",
    );
    expect(classifyFailure(mysqlError(1792, 'ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION', 'x'), ctx).kind).toBe(
      'refused',
    );
  });

  it('bad SQL is a failure with the server message; login problems say what to do', () => {
    const outcome = classifyFailure(
      mysqlError(1064, 'ER_PARSE_ERROR', 'You have an error in your SQL syntax'),
      ctx,
    );
    expect(describeFailure(outcome)).toBe('MySQL error: You have an error in your SQL syntax');
    const login = classifyFailure(mysqlError(1045, 'ER_ACCESS_DENIED_ERROR', 'Access denied'), ctx);
    expect(login.kind).toBe('unavailable');
    expect(describeFailure(login)).toMatch(/tollstream stack up/);
  });

  it('exit codes: 2 refused, 1 server-side failures, 0 rows', () => {
    expect(exitCodeFor({ kind: 'refused', reason: 'x' })).toBe(2);
    expect(exitCodeFor({ kind: 'timeout', limitMs: 1, elapsedMs: 1 })).toBe(1);
    expect(exitCodeFor({ kind: 'failed', message: 'x', elapsedMs: 1 })).toBe(1);
    expect(exitCodeFor({ kind: 'cancelled', elapsedMs: 1 })).toBe(1);
    expect(exitCodeFor({ kind: 'unavailable', message: 'x' })).toBe(1);
    expect(
      exitCodeFor({ kind: 'rows', columns: [], rows: [], truncated: false, rowCap: 1, elapsedMs: 1 }),
    ).toBe(0);
  });
});

describe('limits per server', () => {
  it('MariaDB takes seconds in max_statement_time, MySQL milliseconds in max_execution_time; cap + 1 rows', () => {
    expect(limitStatement({ flavour: 'mariadb', version: '10.11.6-MariaDB' }, 1000, 1500)).toEqual([
      'SET SESSION sql_select_limit = ?, max_statement_time = ?',
      [1001, 1.5],
    ]);
    expect(limitStatement({ flavour: 'mysql', version: '8.4.0' }, 50, 10_000)).toEqual([
      'SET SESSION sql_select_limit = ?, max_execution_time = ?',
      [51, 10_000],
    ]);
  });

  it('names column types and marks numbers', () => {
    expect(columnOf('n', 8)).toEqual({ name: 'n', type: 'BIGINT', numeric: true });
    expect(columnOf('at', 12)).toEqual({ name: 'at', type: 'DATETIME', numeric: false });
    expect(columnOf('x', 999)).toEqual({ name: 'x', type: 'TYPE 999', numeric: false });
  });
});
