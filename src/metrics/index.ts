/**
 * Prometheus metrics and a health check for a running pipeline (headless runs and the monitor), served when a
 * metrics port is configured (`--metrics-port`, TOLLSTREAM_METRICS_PORT, `metrics.port`); off otherwise.
 */
import type { Config } from '../config/config.ts';
import type { Pipeline } from '../runtime/pipeline.ts';
import type { Logger } from '../util/log.ts';
import { HealthCheck, realProbes } from './health.ts';
import { createMetricsRegistry } from './registry.ts';
import { startMetricsServer } from './server.ts';

export type { HealthReport } from './health.ts';
export { MetricsListenError } from './server.ts';

export interface MetricsEndpoint {
  readonly url: string;
  close(): Promise<void>;
}

/** Starts the endpoint for `pipeline`; null when no metrics port is configured. Throws MetricsListenError. */
export async function startMetricsEndpoint(
  config: Config,
  pipeline: Pipeline,
  logger: Logger,
): Promise<MetricsEndpoint | null> {
  const { port, host } = config.metrics;
  if (port === undefined) return null;
  const { producers, sink, lag } = pipeline;
  const registry = createMetricsRegistry({
    topics: pipeline.topics,
    ...(producers ? { producers: () => producers.store.getSnapshot() } : {}),
    ...(sink ? { sink: () => sink.store.getSnapshot() } : {}),
    ...(lag ? { lag: () => lag.store.getSnapshot() } : {}),
  });
  const health = new HealthCheck(
    realProbes(config, () => sink?.store.getSnapshot().status ?? null, logger.child('health')),
  );
  try {
    const server = await startMetricsServer({
      host,
      port,
      registry,
      health: () => health.report(),
      logger,
    });
    return {
      url: server.url,
      async close() {
        await server.close();
        await health.close();
      },
    };
  } catch (e) {
    await health.close();
    throw e;
  }
}
