/**
 * `tollstream`: the full-screen monitor. Producers and the sink run in-process (src/runtime/pipeline.ts); the
 * Ink app (components/) shows them; screen.ts owns the terminal and the shutdown path.
 */
import type { CommandContext } from '../cli/main.ts';
import { createPipeline } from '../runtime/pipeline.ts';
import type { Pipeline } from '../runtime/pipeline.ts';
import { startMetricsEndpoint } from '../metrics/index.ts';
import type { MetricsEndpoint } from '../metrics/index.ts';
import { createLogger } from '../util/log.ts';
import { createMonitorLogs } from './logs.ts';

export async function runMonitorCommand(ctx: CommandContext): Promise<number> {
  const { config } = ctx;
  if (config.run.replace) {
    process.stderr.write(
      'tollstream: --replace swaps an import at the end of a run that checked it; use tollstream import SOURCE --replace\n',
    );
    return 2;
  }
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    process.stderr.write('tollstream: the monitor needs a terminal; use --headless for scripts and pipes\n');
    return 2;
  }
  // React's development build does several times the work per render; it is chosen when React is first
  // loaded, hence the dynamic import of the screen below.
  process.env.NODE_ENV ??= 'production';
  const logs = createMonitorLogs(config.logLevel);
  let pipeline: Pipeline;
  try {
    pipeline = createPipeline(config, {
      role: config.run.role,
      sources: config.run.sources,
      logger: createLogger('pipeline'),
      ...(config.run.events !== undefined ? { maxPassages: config.run.events } : {}),
      // The lag pane is the one people watch drain; a sample a second is cheap (two admin requests).
      lagIntervalMs: 1000,
      clusterMonitor: true,
    });
  } catch (e) {
    // A bad --source is a usage error, reported before the screen is taken over.
    process.stderr.write(`tollstream: ${(e as Error).message}\n`);
    logs.dispose();
    return 2;
  }
  let metrics: MetricsEndpoint | null;
  try {
    metrics = await startMetricsEndpoint(config, pipeline, createLogger('metrics'));
  } catch (e) {
    process.stderr.write(`tollstream: ${(e as Error).message}\n`);
    await pipeline.shutdown();
    logs.dispose();
    return 2;
  }
  const { runScreen } = await import('./screen.ts');
  try {
    return await runScreen(config, pipeline, logs);
  } finally {
    await metrics?.close();
  }
}
