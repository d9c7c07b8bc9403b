/**
 * The HTTP endpoint: GET /metrics (Prometheus text format, from the registry) and GET /healthz (200 or 503 with a
 * JSON report). Anything else is 404, any other method 405. Listens on one host and port; a port that is taken
 * is reported at once, before the run starts.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { HealthReport } from './health.ts';
import type { Logger } from '../util/log.ts';

export interface MetricsServerOptions {
  host: string;
  port: number;
  registry: Registry;
  health: () => Promise<HealthReport>;
  logger: Logger;
}

export interface MetricsServer {
  /** e.g. http://127.0.0.1:9464 */
  readonly url: string;
  close(): Promise<void>;
}

export class MetricsListenError extends Error {
  constructor(host: string, port: number, cause: NodeJS.ErrnoException) {
    const why =
      cause.code === 'EADDRINUSE'
        ? 'the port is in use'
        : cause.code === 'EACCES'
          ? 'permission denied'
          : cause.code === 'EADDRNOTAVAIL' || cause.code === 'ENOTFOUND'
            ? 'no such address on this machine'
            : cause.message;
    super(`cannot serve metrics on ${host}:${port}: ${why} (--metrics-port, --metrics-host)`, { cause });
    this.name = 'MetricsListenError';
  }
}

function send(res: http.ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const { registry, health, logger } = options;
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
      return;
    }
    const answer =
      path === '/metrics'
        ? registry.metrics().then((text) => send(res, 200, registry.contentType, text))
        : path === '/healthz'
          ? health().then((report) =>
              send(
                res,
                report.status === 'ok' ? 200 : 503,
                'application/json',
                `${JSON.stringify(report)}\n`,
              ),
            )
          : Promise.resolve(
              send(res, 404, 'text/plain; charset=utf-8', 'not found: try /metrics or /healthz\n'),
            );
    answer.catch((e: unknown) => {
      logger.error(`${path} failed: ${(e as Error).message}`);
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', `${(e as Error).message}\n`);
      else res.destroy();
    });
  });
  // Prometheus keeps its connection open between scrapes; close() must not wait for it.
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(new MetricsListenError(options.host, options.port, e)),
    );
    server.listen(options.port, options.host, () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  const url = `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
  logger.info(`serving ${url}/metrics and ${url}/healthz`);
  let closing: Promise<void> | undefined;
  return {
    url,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
