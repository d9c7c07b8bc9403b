/**
 * A private MariaDB server: its own data directory and port, initialised with mariadb-install-db, root with an
 * empty password, started as /usr/sbin/mariadbd. The fault soak and the outage tests stop, kill and restart it;
 * the machine's own MySQL is never touched, and it refuses to start on a port something else already listens on.
 */
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { sleep } from '../util/backoff.ts';
import { MARIADBD } from './mysql.ts';
import { isAlive, portFree, portOpen } from './processes.ts';

const INSTALL_DB = 'mariadb-install-db';

function run(file: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) =>
    execFile(file, args, { timeout: 120_000 }, (error, _stdout, stderr) =>
      error ? reject(new Error(`${file} failed: ${error.message}\n${stderr}`)) : resolve(),
    ),
  );
}

export interface PrivateMariaDbOptions {
  /** Holds data/, the socket, the PID file and error.log. */
  dir: string;
  port: number;
  /** Small by default: the server shares a 2-core box with Kafka and the pipeline. */
  bufferPoolMb?: number;
}

export class PrivateMariaDb {
  readonly dir: string;
  readonly port: number;
  readonly errorLog: string;
  private readonly args: string[];
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();

  constructor({ dir, port, bufferPoolMb = 64 }: PrivateMariaDbOptions) {
    this.dir = dir;
    this.port = port;
    this.errorLog = path.join(dir, 'error.log');
    this.args = [
      '--no-defaults',
      `--datadir=${this.dataDir}`,
      '--user=root',
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      `--socket=${path.join(dir, 'mysqld.sock')}`,
      `--pid-file=${path.join(dir, 'mysqld.pid')}`,
      `--log-error=${this.errorLog}`,
      '--skip-name-resolve',
      `--innodb-buffer-pool-size=${bufferPoolMb}M`,
    ];
  }

  get dataDir(): string {
    return path.join(this.dir, 'data');
  }

  /** Server URL with `database` as the schema (the pipeline creates it if missing). */
  url(database: string): string {
    return `mysql://root@127.0.0.1:${this.port}/${database}`;
  }

  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  /** Creates the data directory once; later calls keep what it holds. */
  async install(): Promise<void> {
    if (existsSync(path.join(this.dataDir, 'mysql'))) return;
    mkdirSync(this.dir, { recursive: true });
    await run(INSTALL_DB, [
      '--no-defaults',
      `--datadir=${this.dataDir}`,
      '--user=root',
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
    ]);
  }

  /** Starts the server on its data directory; resolves once it accepts connections. */
  async start({ timeoutMs = 60_000 }: { timeoutMs?: number } = {}): Promise<void> {
    if (this.child) return;
    if (!(await portFree('127.0.0.1', this.port))) {
      throw new Error(`cannot start a private MariaDB: port ${this.port} is already in use`);
    }
    // Its own process group: a Ctrl-C in the terminal reaches the caller, which decides when the server stops.
    const proc = spawn(MARIADBD, this.args, { stdio: 'ignore', detached: true });
    this.child = proc;
    this.exited = new Promise((resolve) => proc.once('exit', () => resolve()));
    void this.exited.then(() => {
      if (this.child === proc) this.child = undefined;
    });
    const deadline = Date.now() + timeoutMs;
    while (!(await portOpen('127.0.0.1', this.port, 500))) {
      if (this.child !== proc || Date.now() > deadline) {
        const tail = existsSync(this.errorLog)
          ? readFileSync(this.errorLog, 'utf8').trim().split('\n').slice(-5).join('\n')
          : '';
        if (this.child === proc) await this.kill('SIGKILL');
        throw new Error(`private MariaDB on port ${this.port} did not start (log ${this.errorLog})\n${tail}`);
      }
      await sleep(200);
    }
  }

  /** Sends `signal` (SIGKILL: a crash); for SIGKILL and SIGTERM it resolves once the process has exited. */
  async kill(signal: NodeJS.Signals): Promise<void> {
    const proc = this.child;
    if (!proc?.pid) return;
    try {
      process.kill(proc.pid, signal);
    } catch {
      return; // already gone
    }
    if (signal === 'SIGKILL' || signal === 'SIGTERM') {
      await this.exited;
      while (isAlive(proc.pid)) await sleep(50);
      this.child = undefined;
    }
  }

  /** Lets this process exit while the server keeps running (the soak's --keep). */
  release(): void {
    this.child?.unref();
  }

  /** Graceful shutdown. */
  stop(): Promise<void> {
    return this.kill('SIGTERM');
  }

  /** Stops the server and removes its directory. */
  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
