/**
 * A private MariaDB server for outage tests (src/stack/private-mariadb.ts) in a temp directory on a free port.
 * The test may stop it (SIGTERM) and start it again on the same data directory and port; the shared MariaDB on
 * 3306 is never touched.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PrivateMariaDb as Server } from '../../src/stack/private-mariadb.ts';
import { freePort } from './services.ts';

export interface PrivateMariaDb {
  port: number;
  /** Server URL with `database` as the schema (the sink creates it if missing). */
  url(database: string): string;
  readonly running: boolean;
  /** Graceful shutdown (SIGTERM), resolves once the process has exited. */
  stop(): Promise<void>;
  /** Starts the server again on the same data directory and port; resolves once it accepts connections. */
  start(): Promise<void>;
  /** Stops the server and removes its data directory. */
  destroy(): Promise<void>;
}

export async function startPrivateMariaDb(): Promise<PrivateMariaDb> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tollstream-sink-mariadb-'));
  const server = new Server({ dir, port: await freePort() });
  await server.install();
  await server.start();
  return {
    port: server.port,
    url: (database) => server.url(database),
    get running() {
      return server.running;
    },
    stop: () => server.stop(),
    start: () => server.start(),
    destroy: () => server.destroy(),
  };
}
