/**
 * `tollstream --headless`: the pipeline without a UI. NDJSON status lines and the final summary go to stdout,
 * logs to stderr. Exit codes: 0 everything produced in the run is persisted exactly once (or, for a producer- or
 * consumer-only process, its own side is complete; see verdict.ts), 1 the run failed its checks, 2 bad usage.
 */
import type { CommandContext } from '../cli/main.ts';
import { setLogSink, stderrSink } from '../util/log.ts';
import { runHeadless } from './run.ts';

export async function runHeadlessCommand(ctx: CommandContext): Promise<number> {
  const { config } = ctx;
  setLogSink(stderrSink, config.logLevel);
  const { role } = config.run;
  if ((role === 'consumer' || role === 'anomalies') && config.run.events !== undefined) {
    process.stderr.write(
      `tollstream: --events counts produced passages; a --role ${role} run stops on SIGINT/SIGTERM or after --duration\n`,
    );
    return 2;
  }
  const result = await runHeadless(config, { signals: true });
  if (result.usageError) {
    process.stderr.write(`tollstream: ${result.usageError}\n`);
    return 2;
  }
  if (result.exitCode !== 0 && result.summary?.reason)
    process.stderr.write(`tollstream: ${result.summary.reason}\n`);
  return result.exitCode;
}
