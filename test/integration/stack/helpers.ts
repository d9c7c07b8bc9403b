/**
 * Private stacks for the stack's own integration tests: their own state dir under a temp dir, their own ports,
 * and their own MariaDB (so the reader account of the shared server is never re-keyed). They never touch the
 * shared stack on 2181/9092.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../../src/config/config.ts';
import type { Config } from '../../../src/config/config.ts';
import { startPrivateMariaDb } from '../../helpers/private-mariadb.ts';

const BIN = fileURLToPath(new URL('../../../bin/tollstream.js', import.meta.url));

export interface PrivateStack {
  dir: string;
  stateDir: string;
  env: NodeJS.ProcessEnv;
  config: Config;
}

export function privateStack({
  zookeeperPort,
  brokerPort,
  mysqlUrl,
}: {
  zookeeperPort: number;
  brokerPort: number;
  mysqlUrl: string;
}): PrivateStack {
  const dir = mkdtempSync(path.join(tmpdir(), 'tollstream-stack-'));
  const stateDir = path.join(dir, 'state');
  const settings = {
    TOLLSTREAM_ZOOKEEPER: `127.0.0.1:${zookeeperPort}`,
    TOLLSTREAM_KAFKA_BROKERS: `127.0.0.1:${brokerPort}`,
    TOLLSTREAM_STATE_DIR: stateDir,
    TOLLSTREAM_MYSQL_URL: mysqlUrl,
  };
  const env: NodeJS.ProcessEnv = { ...process.env, ...settings };
  for (const k of ['TOLLSTREAM_CONFIG', 'TOLLSTREAM_MYSQL_READER_URL']) delete env[k];
  const config = loadConfig(
    {
      brokers: settings.TOLLSTREAM_KAFKA_BROKERS,
      zookeeper: settings.TOLLSTREAM_ZOOKEEPER,
      stateDir,
      mysqlUrl,
    },
    {},
    dir,
  );
  return { dir, stateDir, env, config };
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `tollstream <args>` as a user would, from the stack's temp dir. */
export function cli(stack: PrivateStack, args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: stack.dir, env: { ...stack.env, ...env }, timeout: 180_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

export interface PrivateMariadb {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** A throw-away MariaDB (own data dir and port), for tests that must not disturb the shared one. */
export async function privateMariadb(): Promise<PrivateMariadb> {
  const server = await startPrivateMariaDb();
  return { url: server.url('tollstream'), port: server.port, stop: () => server.destroy() };
}
