/**
 * `tollstream bench` (`npm run bench`): end-to-end benchmark against the running stack; see run.ts. Prints the
 * table on stdout, progress and logs on stderr. Targets are reported, not asserted: exit 0 when every phase
 * reconciled exactly once, 1 otherwise, 2 for bad usage. `--events N` sets the passages at full speed, with and
 * without the monitor (default 500,000); the sink alone drains min(N, 300,000).
 */
import type { CommandContext } from '../cli/main.ts';
import { createLogger, setLogSink, stderrSink } from '../util/log.ts';
import { allReconciled, formatReport } from './report.ts';
import { runBench } from './run.ts';

export const DEFAULT_BENCH_EVENTS = 500_000;

export async function runBenchCommand(ctx: CommandContext): Promise<number> {
  const { config } = ctx;
  // Logs would tear the progress line; only warnings and errors are worth it during a benchmark.
  const logLevel = config.logLevel === 'debug' ? 'debug' : 'warn';
  setLogSink(stderrSink, logLevel);
  // The monitor phases draw the app as on a terminal, whatever this process's own stdout is. Each of these is read
  // once, when React, Ink or chalk first loads (after this): React's development build does several times the
  // work per render (the monitor command chooses production too), Ink draws only the last frame when CI is set,
  // and chalk colours nothing unless stdout is a terminal.
  process.env.NODE_ENV ??= 'production';
  process.env.CI = '0';
  process.env.FORCE_COLOR ??= '1';
  if (ctx.input.length) {
    process.stderr.write(`tollstream bench: unexpected argument "${ctx.input[0]}" (options: --events N)\n`);
    return 2;
  }
  const stop = new AbortController();
  const onSignal = (): void => {
    process.stderr.write('\ntollstream bench: stopping (the run is cleaned up)\n');
    stop.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const result = await runBench(config, {
      events: config.run.events ?? DEFAULT_BENCH_EVENTS,
      log: createLogger('bench'),
      logSink: { sink: stderrSink, level: logLevel },
      signal: stop.signal,
    });
    process.stdout.write(`${formatReport(result)}\n`);
    return allReconciled(result) ? 0 : 1;
  } catch (e) {
    const message = (e as Error).message;
    const hint = /connect|ECONNREFUSED|reach MySQL/i.test(message)
      ? ' (is the stack up? npm run stack:up)'
      : '';
    process.stderr.write(`tollstream bench: ${message}${hint}\n`);
    return 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
