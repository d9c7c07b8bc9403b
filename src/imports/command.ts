/**
 * `tollstream import <source>`: loads a finite source (a file, a tolldata or hourly replay, an HTTP range) into Kafka
 * and MySQL and says exactly what it did: rows read, passages produced, rows rejected by reason, rows written.
 * It is the headless pipeline with role all and one source, which must end by itself.
 *
 *   --dry-run [--rows N]  read and map the whole source, print the first N rows (default 20) as they would be
 *                         produced and the rejects by reason; produce nothing
 *   --max-rejects N|N%    rows the import may reject (default 0 for files)
 *   --format table|json   a table for people (default on a terminal) or the headless NDJSON lines
 *
 * Exit codes: 0 everything read was produced and persisted exactly once (within --max-rejects); 1 the import failed
 * its checks (rejects over the limit, not reconciled); 2 bad usage (a bad spec, an ambiguous date format, an
 * endless source). A dry run exits 1 when the import would fail on its rejects.
 */
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import type { CommandContext } from '../cli/main.ts';
import type { Config } from '../config/config.ts';
import { createSource, SourceSpecError } from '../sources/index.ts';
import type { SourceContext, TollSource } from '../sources/source.ts';
import { setLogSink, stderrSink } from '../util/log.ts';
import { createPlazaRegistry } from '../engines/producer/plaza-codes.ts';
import { runHeadless } from '../headless/run.ts';
import type { RunSummary } from '../headless/status.ts';
import { rejectLimit, rejectProblem } from '../headless/verdict.ts';
import { formatTable } from '../query/format.ts';
import { previewSource, previewTable, wallClock } from './preview.ts';
import type { PreviewResult } from './preview.ts';
import { formatCount as num } from '../../components/format/format.ts';

const USAGE =
  'usage: tollstream import <source> [--dry-run [--rows N]] [--replace] [--max-rejects N|N%] [--from DATE] [--to DATE] [--format table|json]';

const fail = (message: string, code = 2): number => {
  process.stderr.write(`tollstream import: ${message}\n`);
  return code;
};

export function sourceContext(config: Config, stateDir: string): SourceContext {
  return {
    // Plaza codes are shown with the ids they are registered under; a preview registers nothing new.
    plazaRegistry: createPlazaRegistry(config, { topic: config.topics.plazas, preview: true }),
    tz: config.tz,
    pace: { kind: 'speed', factor: 'max' },
    ...(config.run.from !== undefined ? { from: config.run.from } : {}),
    ...(config.run.to !== undefined ? { to: config.run.to } : {}),
    stateDir,
  };
}

export async function runImportCommand(ctx: CommandContext): Promise<number> {
  const { config, flags } = ctx;
  // A preview prints its rejects by reason with examples; a warning per rejected row would bury them.
  setLogSink(stderrSink, flags.dryRun && flags.logLevel === undefined ? 'error' : config.logLevel);
  const specs = ctx.input;
  if (specs.length !== 1) return fail(`give exactly one source\n${USAGE}`);
  const spec = specs[0]!;
  const format =
    flags.format === undefined ? (process.stdout.isTTY ? 'table' : 'json') : String(flags.format);
  if (format !== 'table' && format !== 'json') return fail(`--format must be table or json, not "${format}"`);
  if (config.run.role !== 'all')
    return fail('an import produces and persists in one process; for --role producer use --headless');
  const rows = flags.rows === undefined ? 20 : Number(flags.rows);
  if (!Number.isInteger(rows) || rows < 0 || rows > 10_000)
    return fail(`--rows must be a whole number 0..10000, not "${String(flags.rows)}"`);
  if (flags.rows !== undefined && !flags.dryRun) return fail('--rows goes with --dry-run');

  // A preview must not move an HTTP source's saved position, so it keeps its state in a folder of its own.
  const scratch = flags.dryRun ? mkdtempSync(path.join(os.tmpdir(), 'tollstream-preview-')) : undefined;
  let source: TollSource;
  let sctx: SourceContext;
  try {
    sctx = sourceContext(config, scratch ?? config.stateDir);
    source = createSource(spec, sctx);
  } catch (e) {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
    return fail((e as Error).message);
  }
  if (!source.finite) {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
    return fail(
      `${spec} does not end by itself; an import needs a file, a tolldata or hourly replay, or an HTTP source with --to (or once=true). For endless sources use tollstream --headless`,
    );
  }
  if (scratch) {
    try {
      return await dryRun(source, config, rows, format, () => sctx.plazaRegistry?.registeredThisRun() ?? []);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }
  return runImport(spec, config, format);
}

async function dryRun(
  source: TollSource,
  config: Config,
  rows: number,
  format: string,
  newPlazas: () => { code: string; plazaId: number }[],
): Promise<number> {
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.once('SIGINT', onSignal);
  const progress = progressLine(() => {
    const p = source.progress();
    return `reading ${num(p.read)}${p.total !== undefined ? ` of ${num(p.total)}` : ''} rows, ${num(p.rejected)} rejected${p.note ? ` (${p.note})` : ''}`;
  });
  let result: PreviewResult;
  try {
    result = await previewSource(source, { rows, signal: stop.signal, onProgress: progress.update });
  } catch (e) {
    progress.done();
    const code = e instanceof SourceSpecError || (e as Error).name === 'SourceSpecError' ? 2 : 1;
    return fail((e as Error).message, code);
  } finally {
    process.off('SIGINT', onSignal);
  }
  progress.done();
  const subject = { spec: result.spec, sourceKind: result.kind, finite: true, progress: result.progress };
  const limit = rejectLimit(subject, config.run.maxRejects);
  const problem = rejectProblem([subject], config.run.maxRejects);
  if (format === 'json') {
    process.stdout.write(
      `${JSON.stringify({
        type: 'preview',
        source: result.spec,
        read: result.progress.read,
        ...(result.progress.total !== undefined ? { total: result.progress.total } : {}),
        wouldProduce: result.passages,
        payments: result.payments,
        rejected: result.progress.rejected,
        rejectedByReason: result.progress.rejectedByReason ?? {},
        maxRejects: Number.isFinite(limit) ? limit : null,
        from: result.firstMs === null ? null : new Date(result.firstMs).toISOString(),
        to: result.lastMs === null ? null : new Date(result.lastMs).toISOString(),
        plazas: result.plazas.map((p) => ({ plazaId: p.plazaId, code: p.code })),
        newPlazaCodes: newPlazas(),
        rows: result.rows,
        rejects: result.rejects,
        wouldFail: problem,
      })}\n`,
    );
  } else {
    process.stdout.write(renderPreview(result, config.tz, limit, problem, newPlazas()));
  }
  return problem ? 1 : 0;
}

function renderPreview(
  p: PreviewResult,
  tz: string,
  limit: number,
  problem: string | null,
  newPlazas: { code: string; plazaId: number }[],
): string {
  const out: string[] = [];
  const table = previewTable(p, tz);
  out.push(`Preview of ${p.spec} (nothing produced)\n\n`);
  if (table.rows.length) {
    out.push(`First ${table.rows.length} of ${num(p.passages)} passages as they would be produced:\n`);
    out.push(formatTable(table.columns, table.rows, { maxWidth: 40 }));
    out.push('\n');
  }
  const range =
    p.firstMs === null || p.lastMs === null
      ? 'nothing'
      : `${wallClock(p.firstMs, tz)} … ${wallClock(p.lastMs, tz)} (${tz})`;
  const total = p.progress.total !== undefined ? ` of ${num(p.progress.total)}` : '';
  out.push(`  read          ${num(p.progress.read)}${total} rows\n`);
  out.push(
    `  would produce ${num(p.passages)} passages, ${num(p.payments)} payments, ${p.plazas.length} plazas\n`,
  );
  out.push(`  event time    ${range}\n`);
  if (newPlazas.length) {
    const list = newPlazas.map((x) => `${x.code} → ${x.plazaId}`);
    out.push(
      `  new plazas    ${list.slice(0, 8).join(', ')}${list.length > 8 ? ` and ${list.length - 8} more` : ''} (registered on import)\n`,
    );
  }
  out.push(
    `  rejected      ${num(p.progress.rejected)}${
      Number.isFinite(limit) ? ` (the import may reject ${num(limit)})` : ''
    }\n`,
  );
  const reasons = Object.entries(p.progress.rejectedByReason ?? {}).sort(([, a], [, b]) => b - a);
  if (reasons.length) {
    out.push('\nRejected rows by reason:\n');
    out.push(
      formatTable(
        [
          { name: 'reason', type: 'VARCHAR', numeric: false },
          { name: 'rows', type: 'INT', numeric: true },
        ],
        reasons,
      ),
    );
  }
  if (p.rejects.length) {
    out.push('\nExamples:\n');
    for (const r of p.rejects)
      out.push(`  ${r.line === undefined ? r.where : `${r.where}:${r.line}`}: ${r.reason}\n`);
  }
  out.push(problem ? `\nThe import would fail: ${problem}\n` : '\nThe import would pass its checks.\n');
  return out.join('');
}

async function runImport(spec: string, config: Config, format: string): Promise<number> {
  const runConfig: Config = { ...config, run: { ...config.run, sources: [spec], role: 'all' } };
  const lines: string[] = [];
  const progress =
    format === 'table'
      ? progressLine(() => {
          const line = lastStatus;
          const p = (line?.producers as Record<string, unknown>[] | undefined)?.[0];
          const pr = p?.progress as Record<string, unknown> | undefined;
          if (!line || !pr) return 'starting';
          const total = pr.total !== undefined ? ` of ${num(pr.total as number)}` : '';
          const note = pr.note ? ` (${String(pr.note)})` : '';
          return `${String(line.phase)}: read ${num(pr.read as number)}${total}, produced ${num(
            (line.produced as number) ?? 0,
          )}, rejected ${num(pr.rejected as number)}, persisted ${num((line.persisted as number) ?? 0)}${note}`;
        })
      : null;
  let lastStatus: Record<string, unknown> | undefined;
  const result = await runHeadless(runConfig, {
    signals: true,
    out: (line) => {
      if (format === 'json') process.stdout.write(`${line}\n`);
      else lines.push(line);
    },
    onStatus: (line) => {
      lastStatus = line;
      progress?.update();
    },
  });
  progress?.done();
  if (result.usageError) return fail(result.usageError);
  if (format === 'table' && result.summary) process.stdout.write(renderSummary(result.summary));
  if (result.exitCode !== 0 && result.summary?.reason)
    process.stderr.write(`tollstream import: ${result.summary.reason}\n`);
  return result.exitCode;
}

export function renderSummary(s: RunSummary): string {
  const out: string[] = [];
  for (const src of s.sources) {
    const total = src.total !== undefined ? ` of ${num(src.total)}` : '';
    out.push(`Import of ${src.source}\n`);
    out.push(`  read       ${num(src.read)}${total} rows\n`);
    out.push(`  produced   ${num(src.produced)} passages, ${num(src.payments)} payments\n`);
    const reasons = Object.entries(src.rejectedByReason)
      .sort(([, a], [, b]) => b - a)
      .map(([code, n]) => `${code} ${num(n)}`)
      .join(', ');
    out.push(
      `  rejected   ${num(src.rejected)}${reasons ? ` (${reasons})` : ''}${
        src.maxRejects !== null ? `; may reject ${num(src.maxRejects)}` : ''
      }\n`,
    );
  }
  if (s.replaced) {
    const r = s.replaced;
    out.push(
      `  replaced   ${num(r.removed)} passages and ${num(r.paymentsRemoved)} payments of the earlier import of ${r.importId} by this run's ${num(r.inserted)} and ${num(r.paymentsInserted)}, in one transaction\n`,
    );
  } else if (s.rows) {
    const thisRun = s.rows.thisRun;
    out.push(
      `  persisted  ${num(s.rows.passages)} passages, ${num(s.rows.payments)} payments written${
        thisRun
          ? ` (of this import: ${num(thisRun.written)} new, ${num(thisRun.alreadyPresent)} already present)`
          : ''
      }${s.rows.backlog ? `; ${num(s.rows.backlog)} from earlier runs' backlog` : ''}\n`,
    );
  }
  if (s.plazasRegistered.length) {
    const list = s.plazasRegistered.map((p) => `${p.code} → ${p.plazaId}`);
    out.push(
      `  new plazas ${list.slice(0, 8).join(', ')}${list.length > 8 ? ` and ${list.length - 8} more` : ''}\n`,
    );
  }
  if (s.deadLettered) out.push(`  dead-lettered ${num(s.deadLettered)}\n`);
  out.push(
    `  result     ${s.reconciled ? 'reconciled: every produced passage is in MySQL exactly once' : (s.reason ?? 'not reconciled')} (${s.durationS} s)\n`,
  );
  return out.join('');
}

/** One line of progress on stderr: redrawn in place on a terminal, every 5 s otherwise. */
function progressLine(text: () => string): { update: () => void; done: () => void } {
  const tty = process.stderr.isTTY;
  let last = 0;
  let shown = false;
  return {
    update() {
      const now = Date.now();
      if (now - last < (tty ? 200 : 5000)) return;
      last = now;
      shown = true;
      if (tty) process.stderr.write(`\r\x1b[K${text()}`);
      else process.stderr.write(`${text()}\n`);
    },
    done() {
      if (tty && shown) process.stderr.write('\r\x1b[K');
    },
  };
}
