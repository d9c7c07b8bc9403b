/**
 * What running a read-only query can end in, as one union the CLI and the SQL prompt switch over, plus the
 * mapping from server errors to those outcomes and the words a person reads.
 */

export interface QueryColumn {
  name: string;
  /** SQL type as the server reports it (INT, VARCHAR, DATETIME, DECIMAL ...). */
  type: string;
  /** Numbers are right-aligned in tables. */
  numeric: boolean;
}

export type QueryOutcome =
  | {
      kind: 'rows';
      columns: QueryColumn[];
      /** At most rowCap rows, in column order (duplicate column names survive). */
      rows: unknown[][];
      /** True when the statement returned more than rowCap rows. */
      truncated: boolean;
      rowCap: number;
      elapsedMs: number;
    }
  /** Refused before or by the server: not a single read-only statement, or the account may not do it. */
  | { kind: 'refused'; reason: string }
  | { kind: 'timeout'; limitMs: number; elapsedMs: number }
  | { kind: 'cancelled'; elapsedMs: number }
  /** The server ran it and said no: bad SQL, unknown table ... */
  | { kind: 'failed'; message: string; code?: string; elapsedMs: number }
  /** No connection: the server is down, or the read-only account cannot log in. */
  | { kind: 'unavailable'; message: string };

/** MySQL protocol column types. */
const TYPES: Record<number, [string, boolean]> = {
  0: ['DECIMAL', true],
  1: ['TINYINT', true],
  2: ['SMALLINT', true],
  3: ['INT', true],
  4: ['FLOAT', true],
  5: ['DOUBLE', true],
  6: ['NULL', false],
  7: ['TIMESTAMP', false],
  8: ['BIGINT', true],
  9: ['MEDIUMINT', true],
  10: ['DATE', false],
  11: ['TIME', false],
  12: ['DATETIME', false],
  13: ['YEAR', true],
  14: ['DATE', false],
  15: ['VARCHAR', false],
  16: ['BIT', false],
  245: ['JSON', false],
  246: ['DECIMAL', true],
  247: ['ENUM', false],
  248: ['SET', false],
  249: ['TINYBLOB', false],
  250: ['MEDIUMBLOB', false],
  251: ['LONGBLOB', false],
  252: ['BLOB', false],
  253: ['VARCHAR', false],
  254: ['CHAR', false],
  255: ['GEOMETRY', false],
};

export function columnOf(name: string, typeCode: number | undefined): QueryColumn {
  const [type, numeric] = TYPES[typeCode ?? -1] ?? [`TYPE ${typeCode ?? '?'}`, false];
  return { name, type, numeric };
}

/** Server errors the read-only account or transaction raises: the guard did its job. */
const PERMISSION_ERRNOS = new Set([
  1044, // ER_DBACCESS_DENIED_ERROR
  1142, // ER_TABLEACCESS_DENIED_ERROR
  1143, // ER_COLUMNACCESS_DENIED_ERROR
  1227, // ER_SPECIFIC_ACCESS_DENIED_ERROR
  1290, // ER_OPTION_PREVENTS_STATEMENT (read-only server)
  1370, // ER_PROCACCESS_DENIED_ERROR
  1792, // ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION
]);
const TIMEOUT_ERRNOS = new Set([1969 /* MariaDB max_statement_time */, 3024 /* MySQL max_execution_time */]);
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'PROTOCOL_CONNECTION_LOST',
  'ER_ACCESS_DENIED_ERROR',
  'ER_BAD_DB_ERROR',
  'ER_CON_COUNT_ERROR',
]);

export interface ServerErrorLike {
  message: string;
  errno?: number;
  code?: string;
  sqlMessage?: string;
}

/** The driver error inside a StorageError (or the error itself). */
export function serverError(e: unknown): ServerErrorLike {
  let cur: unknown = e;
  for (let depth = 0; cur && typeof cur === 'object' && depth < 4; depth++) {
    const x = cur as ServerErrorLike & { cause?: unknown };
    if (typeof x.errno === 'number' || typeof x.code === 'string') return x;
    cur = x.cause;
  }
  return { message: e instanceof Error ? e.message : String(e) };
}

export interface FailureContext {
  cancelled: boolean;
  timedOut: boolean;
  limitMs: number;
  elapsedMs: number;
}

export function classifyFailure(error: unknown, ctx: FailureContext): QueryOutcome {
  const e = serverError(error);
  const text = e.sqlMessage ?? e.message;
  if (ctx.cancelled) return { kind: 'cancelled', elapsedMs: ctx.elapsedMs };
  if (ctx.timedOut || (e.errno !== undefined && TIMEOUT_ERRNOS.has(e.errno))) {
    return { kind: 'timeout', limitMs: ctx.limitMs, elapsedMs: ctx.elapsedMs };
  }
  if (e.errno !== undefined && PERMISSION_ERRNOS.has(e.errno)) {
    return { kind: 'refused', reason: `refused: read-only account: ${text}` };
  }
  if (e.code && CONNECTION_CODES.has(e.code)) return { kind: 'unavailable', message: unavailableMessage(e) };
  return {
    kind: 'failed',
    message: text,
    ...(e.code ? { code: e.code } : {}),
    elapsedMs: ctx.elapsedMs,
  };
}

export function unavailableMessage(e: ServerErrorLike): string {
  const text = e.sqlMessage ?? e.message;
  switch (e.code) {
    case 'ER_ACCESS_DENIED_ERROR':
      return `the read-only account cannot log in (${text}); run "tollstream stack up" to (re)create it, or set mysql.readerUrl`;
    case 'ER_BAD_DB_ERROR':
      return `${text}; run "tollstream stack up" to create the schema`;
    default:
      return `cannot reach MySQL: ${text}`;
  }
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${Math.round(ms / 100) / 10} s`;
}

/** One line for stderr or the prompt's status line; null for rows. */
export function describeFailure(outcome: QueryOutcome): string | null {
  switch (outcome.kind) {
    case 'rows':
      return null;
    case 'refused':
      return outcome.reason;
    case 'timeout':
      return `query exceeded the ${formatDuration(outcome.limitMs)} limit`;
    case 'cancelled':
      return `query cancelled after ${formatDuration(outcome.elapsedMs)}`;
    case 'failed':
      return `MySQL error: ${outcome.message}`;
    case 'unavailable':
      return outcome.message;
    default: {
      const never: never = outcome;
      throw new Error(`unknown outcome ${JSON.stringify(never)}`);
    }
  }
}
