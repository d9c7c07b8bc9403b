/**
 * Runs one read-only statement at a time for `tollstream query` and the SQL prompt. Layers, outermost first:
 *   1. checkStatement: a single SELECT/WITH/SHOW/DESCRIBE/EXPLAIN, or a refusal with the reason;
 *   2. the SELECT-only account (readerUrl) — the real guard, whatever gets past the lexer;
 *   3. a read-only session and transaction (SET SESSION TRANSACTION READ ONLY, START TRANSACTION READ ONLY);
 *   4. a statement time limit: MariaDB max_statement_time (seconds), MySQL max_execution_time (ms, SELECT only),
 *      backed by our own watchdog that runs KILL QUERY a second after the limit (it covers what the server's
 *      limit does not, e.g. SHOW on MySQL);
 *   5. a row cap: sql_select_limit = cap + 1 lets the server stop early; rows are streamed and anything past
 *      cap + 1 is dropped on arrival, so an explicit large LIMIT never fills memory.
 * `cancel()` works at any moment of a run: before the statement reaches the server it only marks the run, which
 * then stops before sending it; once it is on the wire it runs KILL QUERY <connection id> on a second connection of
 * the pool, again every half second until the statement ends (a kill that lands before the server has read the
 * statement would otherwise be lost). A server that does not answer at all (a network partition, a hung host) cannot
 * hang the caller: a KILL QUERY waits at most KILL_ANSWER_MS, and a statement still running ABANDON_AFTER_MS after
 * the first kill is given up: its connection is dropped and the run ends as cancelled or timed out. A connection
 * that was interrupted is destroyed rather than reused, so a late kill can never hit the next statement.
 */
import { Storage } from '../storage/db.ts';
import type { Pool } from '../storage/db.ts';
import { createLogger } from '../util/log.ts';
import type { Logger } from '../util/log.ts';
import { TimeoutError, withTimeout } from '../util/timeout.ts';
import { checkStatement } from './statement.ts';
import { classifyFailure, columnOf, serverError, unavailableMessage } from './outcome.ts';
import type { QueryColumn, QueryOutcome } from './outcome.ts';

export interface ExecutorOptions {
  /** The SELECT-only account's URL (readerUrl(config)). */
  url: string;
  timeoutMs: number;
  rowCap: number;
  ssl?: boolean;
  sslCaFile?: string;
  logger?: Logger;
}

export interface ServerInfo {
  version: string;
  flavour: 'mariadb' | 'mysql';
}

export interface QueryExecutor {
  /** `params` bind `?` placeholders (saved queries); raw SQL from people is run without them. */
  run(sql: string, options?: { params?: unknown[] }): Promise<QueryOutcome>;
  /** Asks the server to stop the running statement; false when nothing was running. */
  cancel(): Promise<boolean>;
  readonly busy: boolean;
  server(): Promise<ServerInfo>;
  close(): Promise<void>;
}

type Connection = Awaited<ReturnType<Pool['getConnection']>>;

interface FieldLike {
  name: string;
  columnType?: number;
  type?: number;
}

/** The streaming side of mysql2's query object, as far as we use it. */
interface RowStream {
  on(event: 'fields', listener: (fields: FieldLike[]) => void): RowStream;
  on(event: 'result', listener: (row: unknown[]) => void): RowStream;
  on(event: 'error', listener: (error: Error) => void): RowStream;
  on(event: 'end', listener: () => void): RowStream;
}

interface Running {
  /** Known once the run holds a connection. */
  threadId?: number;
  cancelled: boolean;
  timedOut: boolean;
  /** The statement has been handed to the connection and has not ended. */
  inFlight: boolean;
  /** Ends the run at once (the statement is given up; its connection is destroyed afterwards). */
  abandon?: (reason: Error) => void;
}

/** How often a cancelled statement that is still running is killed again. */
const KILL_REPEAT_MS = 500;

/** How long one KILL QUERY may take to answer. */
const KILL_ANSWER_MS = 2000;

/** How long a statement may outlive the first kill before its connection is dropped. */
export const ABANDON_AFTER_MS = 5000;

/** The watchdog's grace after the server's own limit. */
const WATCHDOG_GRACE_MS = 1000;

export function limitStatement(server: ServerInfo, rowCap: number, timeoutMs: number): [string, unknown[]] {
  return server.flavour === 'mariadb'
    ? ['SET SESSION sql_select_limit = ?, max_statement_time = ?', [rowCap + 1, timeoutMs / 1000]]
    : ['SET SESSION sql_select_limit = ?, max_execution_time = ?', [rowCap + 1, Math.ceil(timeoutMs)]];
}

export function createQueryExecutor(options: ExecutorOptions): QueryExecutor {
  const log = options.logger ?? createLogger('query');
  const { rowCap, timeoutMs } = options;
  let storage: Promise<Storage> | undefined;
  let info: ServerInfo | undefined;
  let current: Running | undefined;

  const open = (): Promise<Storage> =>
    (storage ??= Storage.open({
      url: options.url,
      ...(options.ssl ? { ssl: true } : {}),
      ...(options.sslCaFile ? { sslCaFile: options.sslCaFile } : {}),
      // One for the statement, one for KILL QUERY.
      connectionLimit: 2,
    }));

  async function detect(conn: Connection): Promise<ServerInfo> {
    if (!info) {
      const [rows] = await conn.query('SELECT VERSION() AS version');
      const version = String((rows as { version?: unknown }[])[0]?.version ?? '');
      info = { version, flavour: /mariadb/i.test(version) ? 'mariadb' : 'mysql' };
    }
    return info;
  }

  async function kill(threadId: number | undefined): Promise<void> {
    if (threadId === undefined) return;
    const attempt = (async () => {
      await (await open()).execute('KILL QUERY ?', [threadId]);
    })();
    try {
      await withTimeout(attempt, KILL_ANSWER_MS, `KILL QUERY for connection ${threadId}`);
    } catch (e) {
      if (e instanceof TimeoutError) {
        log.warn(`KILL QUERY for connection ${threadId} got no answer in ${KILL_ANSWER_MS / 1000} s`);
        attempt.catch(() => {});
      } else log.warn(`could not stop query on connection ${threadId}: ${serverError(e).message}`);
    }
  }

  /**
   * After a first kill: kills again every KILL_REPEAT_MS while the statement runs, and gives the run up when it
   * still has not ended ABANDON_AFTER_MS later (the server is not answering).
   */
  async function stopStatement(state: Running): Promise<void> {
    const since = Date.now();
    while (current === state) {
      await new Promise((r) => setTimeout(r, KILL_REPEAT_MS));
      if (current !== state) return;
      if (Date.now() - since >= ABANDON_AFTER_MS) {
        log.warn(
          `connection ${state.threadId ?? '(opening)'} still busy ${ABANDON_AFTER_MS / 1000} s after KILL QUERY; dropping it`,
        );
        state.abandon?.(
          new Error(`the server did not stop the statement within ${ABANDON_AFTER_MS / 1000} s`),
        );
        return;
      }
      if (state.inFlight) await kill(state.threadId);
    }
  }

  function stream(conn: Connection, sql: string, params: unknown[] | undefined) {
    return new Promise<{ columns: QueryColumn[]; rows: unknown[][]; truncated: boolean }>(
      (resolve, reject) => {
        let columns: QueryColumn[] = [];
        const rows: unknown[][] = [];
        let truncated = false;
        const core = conn.connection as unknown as { query(options: object, values?: unknown[]): RowStream };
        const query = params
          ? core.query({ sql, rowsAsArray: true }, params)
          : core.query({ sql, rowsAsArray: true });
        query
          .on('fields', (fields) => {
            columns = fields.map((f) => columnOf(f.name, f.columnType ?? f.type));
          })
          .on('result', (row) => {
            if (rows.length < rowCap) rows.push(row);
            else truncated = true;
          })
          .on('error', reject)
          .on('end', () => resolve({ columns, rows, truncated }));
      },
    );
  }

  async function execute(conn: Connection, sql: string, params: unknown[] | undefined, state: Running) {
    const server = await detect(conn);
    await conn.query('SET SESSION TRANSACTION READ ONLY');
    const [limits, values] = limitStatement(server, rowCap, timeoutMs);
    await conn.query(limits, values);
    await conn.query('START TRANSACTION READ ONLY');
    const watchdog = setTimeout(() => {
      state.timedOut = true;
      void kill(state.threadId).then(() => stopStatement(state));
    }, timeoutMs + WATCHDOG_GRACE_MS);
    const started = performance.now();
    try {
      // Checked and marked in the same tick as stream() hands the statement over: cancel() sees one or the other.
      if (state.cancelled) throw new Error('cancelled');
      state.inFlight = true;
      const result = await stream(conn, sql, params);
      return { ...result, elapsedMs: performance.now() - started };
    } catch (e) {
      throw Object.assign(new Error('query failed', { cause: e }), {
        elapsedMs: performance.now() - started,
      });
    } finally {
      state.inFlight = false;
      clearTimeout(watchdog);
    }
  }

  return {
    get busy() {
      return current !== undefined;
    },

    async run(sql, { params } = {}) {
      if (current) return { kind: 'refused', reason: 'another query is still running; cancel it first' };
      const check = checkStatement(sql);
      if (!check.ok) return { kind: 'refused', reason: check.reason };
      // Current from here, so a cancel while the connection is still being opened is not lost.
      const state: Running = { cancelled: false, timedOut: false, inFlight: false };
      current = state;
      let conn: Connection;
      try {
        conn = await (await open()).pool.getConnection();
      } catch (e) {
        current = undefined;
        return { kind: 'unavailable', message: unavailableMessage(serverError(e)) };
      }
      state.threadId = conn.threadId;
      const startedAt = performance.now();
      const abandoned = new Promise<never>((_, reject) => {
        state.abandon = (reason) =>
          reject(Object.assign(reason, { elapsedMs: performance.now() - startedAt }));
      });
      let reusable = true;
      try {
        const result = await Promise.race([execute(conn, check.sql, params, state), abandoned]);
        const elapsedMs = Math.round(result.elapsedMs);
        // An interrupted SLEEP() on MySQL ends without an error: the kill, not the result, is the answer.
        if (state.cancelled || state.timedOut) {
          reusable = false;
          return classifyFailure(new Error('interrupted'), { ...state, limitMs: timeoutMs, elapsedMs });
        }
        return { kind: 'rows', ...result, elapsedMs, rowCap };
      } catch (e) {
        const elapsedMs = Math.round((e as { elapsedMs?: number }).elapsedMs ?? 0);
        const outcome = classifyFailure(e, { ...state, limitMs: timeoutMs, elapsedMs });
        if (outcome.kind !== 'failed' && outcome.kind !== 'refused') reusable = false;
        return outcome;
      } finally {
        current = undefined;
        if (reusable) await conn.query('ROLLBACK').catch(() => (reusable = false));
        if (reusable && !state.cancelled && !state.timedOut) conn.release();
        else conn.destroy();
      }
    },

    async cancel() {
      const state = current;
      if (!state || state.cancelled) return false;
      state.cancelled = true;
      // Not on the wire yet: the run stops before sending it. On the wire: kill it until it ends or is given up.
      if (state.inFlight) await kill(state.threadId);
      void stopStatement(state);
      return true;
    },

    async server() {
      if (info) return info;
      const conn = await (await open()).pool.getConnection();
      try {
        return await detect(conn);
      } finally {
        conn.release();
      }
    },

    async close() {
      const s = storage;
      storage = undefined;
      if (s) await (await s).close();
    },
  };
}
