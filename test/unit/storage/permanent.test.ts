import { describe, expect, it } from 'vitest';
import { isPermanentStorageError, StorageError } from '../../../src/storage/db.ts';

// Shaped as mysql2 reports server errors: code, errno, sqlState, sqlMessage.
const server = (code: string, errno: number, sqlState: string, message: string): StorageError => {
  const e = Object.assign(new Error(message), { code, errno, sqlState, sqlMessage: message });
  return new StorageError(message, { cause: e });
};

describe('permanent MySQL errors', () => {
  it('a revoked privilege, a dropped table or column, a column made NOT NULL need a fix', () => {
    const denied = server(
      'ER_TABLEACCESS_DENIED_ERROR',
      1142,
      '42000',
      "INSERT command denied to user 'u'@'localhost'",
    );
    expect(denied.retriable).toBe(false);
    expect(isPermanentStorageError(denied)).toBe(true);
    expect(
      isPermanentStorageError(server('ER_NO_SUCH_TABLE', 1146, '42S02', "Table 'x.passages' doesn't exist")),
    ).toBe(true);
    expect(
      isPermanentStorageError(server('ER_BAD_FIELD_ERROR', 1054, '42S22', "Unknown column 'lane'")),
    ).toBe(true);
    expect(isPermanentStorageError(server('ER_ACCESS_DENIED_ERROR', 1045, '28000', 'Access denied'))).toBe(
      true,
    );
    expect(
      isPermanentStorageError(server('ER_NO_DEFAULT_FOR_FIELD', 1364, 'HY000', "Field 'x' has no default")),
    ).toBe(true);
  });

  it('outages, lock waits, deadlocks and errors that are not the server answering are not', () => {
    expect(isPermanentStorageError(server('ER_LOCK_DEADLOCK', 1213, '40001', 'Deadlock found'))).toBe(false);
    expect(isPermanentStorageError(server('ER_LOCK_WAIT_TIMEOUT', 1205, 'HY000', 'Lock wait timeout'))).toBe(
      false,
    );
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED', errno: -111 });
    expect(isPermanentStorageError(new StorageError('connect ECONNREFUSED', { cause: refused }))).toBe(false);
    expect(isPermanentStorageError(new StorageError('fenced', { cause: new Error('fenced') }))).toBe(false);
    expect(isPermanentStorageError(new Error('plain'))).toBe(false);
  });
});
