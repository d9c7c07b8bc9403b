/**
 * The SQL prompt's query service: the read-only executor (src/query) in the prompt's terms. Saved queries run
 * with their defaults; one that needs a value (a vehicle id) is offered as SQL with a placeholder to edit.
 */
import type { Config } from '../config/config.ts';
import { createQueryExecutor } from '../query/executor.ts';
import type { QueryExecutor } from '../query/executor.ts';
import { textValue } from '../query/format.ts';
import { describeFailure } from '../query/outcome.ts';
import type { QueryOutcome as ExecutorOutcome } from '../query/outcome.ts';
import { SAVED_QUERIES, prepareSaved } from '../query/saved.ts';
import type { SavedQuery } from '../query/saved.ts';
import { lex } from '../query/statement.ts';
import { readerUrl } from '../stack/reader.ts';
import type { Logger } from '../util/log.ts';
import type { QueryOutcome, QueryService, SavedQueryInfo } from '../../components/sql/types.ts';

export function toPromptOutcome(o: ExecutorOutcome): QueryOutcome {
  switch (o.kind) {
    case 'rows':
      return {
        kind: 'rows',
        columns: o.columns.map((c) => c.name),
        numeric: o.columns.map((c) => c.numeric),
        rows: o.rows.map((r) => r.map((v) => textValue(v))),
        rowCount: o.rows.length,
        truncated: o.truncated,
        elapsedMs: o.elapsedMs,
      };
    case 'refused':
      return { kind: 'refused', reason: o.reason.replace(/^refused:\s*/i, '') };
    case 'cancelled':
      return { kind: 'cancelled', elapsedMs: o.elapsedMs };
    case 'timeout':
    case 'failed':
    case 'unavailable':
      return { kind: 'error', message: describeFailure(o) ?? o.kind };
    default: {
      const never: never = o;
      return never;
    }
  }
}

function literal(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number') return String(value);
  return `'${String(value).replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

/** The saved SQL with its defaults written in, and `'<name>'` where the person has to supply a value. */
export function editableSql(query: SavedQuery): string {
  const { tokens } = lex(query.sql, { namedPlaceholders: true });
  const params = new Map(query.params.map((p) => [p.name, p]));
  let out = '';
  let from = 0;
  for (const t of tokens) {
    if (t.kind !== 'placeholder') continue;
    const p = params.get(t.text.slice(1));
    out +=
      query.sql.slice(from, t.start) +
      (p && p.default !== undefined ? literal(p.default) : `'<${t.text.slice(1)}>'`);
    from = t.end;
  }
  return `${(out + query.sql.slice(from)).trim().replace(/;?$/, ';')}`;
}

export function savedInfo(query: SavedQuery): SavedQueryInfo {
  return {
    name: query.name,
    description: query.description,
    sql: editableSql(query),
    runnable: query.params.every((p) => p.default !== undefined),
  };
}

export interface MonitorQueryService extends QueryService {
  close(): Promise<void>;
}

export function createMonitorQueryService(config: Config, logger: Logger): MonitorQueryService {
  let executor: QueryExecutor | null = null;
  let unavailable: string | null = null;
  try {
    executor = createQueryExecutor({
      url: readerUrl(config),
      timeoutMs: config.run.queryTimeoutMs,
      rowCap: config.run.rowCap,
      ssl: config.mysql.ssl,
      ...(config.mysql.sslCaFile ? { sslCaFile: config.mysql.sslCaFile } : {}),
      logger,
    });
  } catch (e) {
    // No reader account yet: the prompt still opens and says how to get one.
    unavailable = (e as Error).message;
  }
  const run = async (sql: string, params?: unknown[]): Promise<QueryOutcome> => {
    if (!executor) return { kind: 'error', message: unavailable ?? 'no query service' };
    try {
      return toPromptOutcome(await executor.run(sql, params ? { params } : {}));
    } catch (e) {
      return { kind: 'error', message: (e as Error).message };
    }
  };
  return {
    saved: SAVED_QUERIES.map(savedInfo),
    run: (sql) => run(sql),
    async runSaved(name) {
      const query = SAVED_QUERIES.find((q) => q.name === name);
      if (!query) return { kind: 'error', message: `no saved query "${name}"` };
      try {
        const prepared = prepareSaved(query, {});
        return await run(prepared.sql, prepared.values);
      } catch (e) {
        return { kind: 'error', message: (e as Error).message };
      }
    },
    async cancel() {
      await executor?.cancel();
    },
    async close() {
      await executor?.close();
    },
  };
}
