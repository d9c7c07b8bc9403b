/**
 * `tollstream audit [--from T] [--to T] [--topic passages|payments|legacy|all] [--format table|json] [--limit N]`:
 * did we lose anything? Compares what Kafka holds in a stretch of message time with MySQL and the dead-letter
 * topic, beside a running pipeline (read-only on both sides). Progress goes to stderr, the report to stdout.
 *
 * Exit codes: 0 every message Kafka holds in the range is in MySQL or the dead-letter topic (or taken care of by
 * a --replace run); 1 some are missing or not persisted yet, or Kafka or MySQL could not be read; 2 bad usage or
 * configuration (a bad flag, --from not before --to, an audited topic that does not exist, a reader URL that
 * cannot read the database).
 */
import type { CommandContext } from '../cli/main.ts';
import { ProgressLine } from '../bench/progress.ts';
import { setLogSink, stderrSink } from '../util/log.ts';
import { AuditConfigError } from './mysql.ts';
import { AuditUsageError, parseAuditOptions } from './options.ts';
import type { AuditOptions } from './options.ts';
import { formatJson, formatTable, progressText } from './report.ts';
import type { AuditProgress, AuditReport } from './run.ts';
import { runAudit } from './run.ts';

export const EXIT_AUDIT = { ok: 0, notOk: 1, usage: 2 } as const;

const fail = (message: string, code: number): number => {
  process.stderr.write(`tollstream audit: ${message}\n`);
  return code;
};

export async function runAuditCommand(ctx: CommandContext): Promise<number> {
  const { config } = ctx;
  // stderr carries the progress line: only warnings and errors besides it.
  setLogSink(stderrSink, config.logLevel === 'debug' ? 'debug' : 'warn');
  let options: AuditOptions;
  try {
    options = parseAuditOptions(ctx.input, ctx.flags, {
      ...(config.run.from !== undefined ? { from: config.run.from } : {}),
      ...(config.run.to !== undefined ? { to: config.run.to } : {}),
    });
  } catch (e) {
    if (e instanceof AuditUsageError) return fail(e.message, EXIT_AUDIT.usage);
    throw e;
  }
  const line = new ProgressLine(process.stderr);
  let last: AuditProgress | undefined;
  let report: AuditReport;
  try {
    report = await runAudit(config, options, {
      onProgress: (p) => {
        last = p;
        line.update(progressText(p, Date.now()));
      },
    });
  } catch (e) {
    line.done();
    if (e instanceof AuditConfigError) return fail(e.message, EXIT_AUDIT.usage);
    return fail(`cannot finish the audit: ${(e as Error).message}`, EXIT_AUDIT.notOk);
  }
  if (process.stderr.isTTY) line.done();
  else if (last) process.stderr.write(`${progressText(last, Date.now())}\n`);
  process.stdout.write(options.format === 'json' ? formatJson(report) : formatTable(report));
  return report.ok ? EXIT_AUDIT.ok : EXIT_AUDIT.notOk;
}
