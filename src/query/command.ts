/**
 * `tollstream query "SQL"` and `tollstream query --saved NAME [--param k=v ...]`: read-only SQL for scripts and
 * people. Rows go to stdout (table, json or csv); every failure is one line on stderr.
 *
 * Exit codes: 0 rows (also when truncated at the row cap — a note says so, on stderr for json/csv);
 * 2 refused or bad usage: not a single read-only statement, denied by the read-only account, unknown saved
 *   query or parameter, bad --format, no read-only account configured;
 * 1 the server could not answer: bad SQL (its message), the time limit, cancelled (Ctrl-C), MySQL unreachable.
 */
import type { CommandContext } from '../cli/main.ts';
import { readerUrl } from '../stack/reader.ts';
import { createQueryExecutor } from './executor.ts';
import { formatRows, parseFormat } from './format.ts';
import type { OutputFormat } from './format.ts';
import { describeFailure, formatDuration } from './outcome.ts';
import type { QueryColumn, QueryOutcome } from './outcome.ts';
import { ParamError, SAVED_QUERIES, findSaved, parseParamFlags, prepareSaved } from './saved.ts';

const USAGE =
  'usage: tollstream query "SQL" | --saved NAME [--param name=value ...] | --saved list  [--format table|json|csv]';

export const EXIT_QUERY = { ok: 0, server: 1, refused: 2 } as const;

export function exitCodeFor(outcome: QueryOutcome): number {
  switch (outcome.kind) {
    case 'rows':
      return EXIT_QUERY.ok;
    case 'refused':
      return EXIT_QUERY.refused;
    case 'timeout':
    case 'cancelled':
    case 'failed':
    case 'unavailable':
      return EXIT_QUERY.server;
    default: {
      const never: never = outcome;
      throw new Error(`unknown outcome ${JSON.stringify(never)}`);
    }
  }
}

const fail = (message: string, code: number): number => {
  process.stderr.write(`tollstream query: ${message}\n`);
  return code;
};

export async function runQueryCommand(ctx: CommandContext): Promise<number> {
  const format = parseFormat(ctx.flags.format);
  if (!format) return fail(`--format must be table, json or csv, not "${String(ctx.flags.format)}"`, 2);
  const saved = ctx.flags.saved as string | undefined;
  const paramItems = (ctx.flags.param as string[] | undefined) ?? [];
  const sqlText = ctx.input.join(' ').trim();

  if (saved === 'list') return listSaved(format);
  if (saved !== undefined && sqlText) return fail(`give SQL or --saved NAME, not both\n${USAGE}`, 2);
  if (saved === undefined && paramItems.length)
    return fail(`--param only applies with --saved NAME\n${USAGE}`, 2);
  if (saved === undefined && !sqlText) return fail(USAGE, 2);

  let sql = sqlText;
  let params: unknown[] | undefined;
  if (saved !== undefined) {
    const query = findSaved(saved);
    if (!query) {
      return fail(
        `no saved query "${saved}"; saved queries: ${SAVED_QUERIES.map((q) => q.name).join(', ')}`,
        2,
      );
    }
    try {
      const prepared = prepareSaved(query, parseParamFlags(paramItems));
      sql = prepared.sql;
      params = prepared.values;
    } catch (e) {
      if (e instanceof ParamError) return fail(e.message, 2);
      throw e;
    }
  }

  let url: string;
  try {
    url = readerUrl(ctx.config);
  } catch (e) {
    return fail((e as Error).message, 2);
  }
  const { config } = ctx;
  const executor = createQueryExecutor({
    url,
    timeoutMs: config.run.queryTimeoutMs,
    rowCap: config.run.rowCap,
    ssl: config.mysql.ssl,
    ...(config.mysql.sslCaFile ? { sslCaFile: config.mysql.sslCaFile } : {}),
  });
  // Ctrl-C stops the statement on the server, not just this process.
  const onInterrupt = (): void => {
    void executor.cancel();
  };
  process.on('SIGINT', onInterrupt);
  let outcome: QueryOutcome;
  try {
    outcome = await executor.run(sql, params ? { params } : {});
  } finally {
    process.off('SIGINT', onInterrupt);
    await executor.close();
  }
  if (outcome.kind !== 'rows') return fail(describeFailure(outcome)!, exitCodeFor(outcome));
  printRows(format, outcome);
  return EXIT_QUERY.ok;
}

function printRows(format: OutputFormat, result: Extract<QueryOutcome, { kind: 'rows' }>): void {
  const { columns, rows, truncated, rowCap, elapsedMs } = result;
  const note = truncated
    ? `truncated at ${rowCap} ${rowCap === 1 ? 'row' : 'rows'} (the row cap; --row-cap raises it)`
    : null;
  process.stdout.write(formatRows(format, columns, rows));
  if (format === 'table') {
    const count = `${rows.length} ${rows.length === 1 ? 'row' : 'rows'} in ${formatDuration(elapsedMs)}`;
    process.stdout.write(`${count}${note ? `; ${note}` : ''}\n`);
  } else if (note) {
    // Machine formats keep stdout clean; the note goes to stderr.
    process.stderr.write(`tollstream query: ${note}\n`);
  }
}

function listSaved(format: OutputFormat): number {
  const columns: QueryColumn[] = ['name', 'description', 'parameters'].map((name) => ({
    name,
    type: 'VARCHAR',
    numeric: false,
  }));
  const rows = SAVED_QUERIES.map((q) => [
    q.name,
    q.description,
    q.params
      .map((p) => (p.default === undefined ? `${p.name} (required)` : `${p.name}=${p.default ?? ''}`))
      .join(' '),
  ]);
  process.stdout.write(formatRows(format, columns, rows, { maxWidth: 80 }));
  return EXIT_QUERY.ok;
}
