/**
 * A private MariaDB server for outage tests: its own data directory and port, initialised with
 * mariadb-install-db, root with an empty password. The test may stop it (SIGTERM) and start it again on the same
 * data directory and port; the shared MariaDB on 3306 is never touched.
 */
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { portOpen } from '../../src/stack/processes.ts';
import { freePort, waitFor } from './services.ts';

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

function run(file: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) =>
    execFile(file, args, { timeout: 120_000 }, (error, _stdout, stderr) =>
      error ? reject(new Error(`${file} failed: ${error.message}\n${stderr}`)) : resolve(),
    ),
  );
}

export async function startPrivateMariaDb(): Promise<PrivateMariaDb> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tollstream-sink-mariadb-'));
  const data = path.join(dir, 'data');
  await run('mariadb-install-db', [
    '--no-defaults',
    `--datadir=${data}`,
    '--user=root',
    '--auth-root-authentication-method=normal',
    '--skip-test-db',
  ]);
  const port = await freePort();
  const args = [
    '--no-defaults',
    `--datadir=${data}`,
    '--user=root',
    `--port=${port}`,
    '--bind-address=127.0.0.1',
    `--socket=${path.join(dir, 'mysqld.sock')}`,
    `--pid-file=${path.join(dir, 'mysqld.pid')}`,
    `--log-error=${path.join(dir, 'error.log')}`,
    '--skip-name-resolve',
    '--innodb-buffer-pool-size=64M',
  ];
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  async function start(): Promise<void> {
    if (child) return;
    const proc = spawn('/usr/sbin/mariadbd', args, { stdio: 'ignore' });
    child = proc;
    exited = new Promise((resolve) => proc.once('exit', () => resolve()));
    void exited.then(() => {
      if (child === proc) child = undefined;
    });
    await waitFor(() => portOpen('127.0.0.1', port, 500), {
      timeoutMs: 60_000,
      what: `private MariaDB on port ${port}`,
    });
  }

  async function stop(): Promise<void> {
    const proc = child;
    if (!proc) return;
    proc.kill('SIGTERM');
    await exited;
    child = undefined;
  }

  await start();
  return {
    port,
    url: (database) => `mysql://root@127.0.0.1:${port}/${database}`,
    get running() {
      return child !== undefined;
    },
    stop,
    start,
    async destroy() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
