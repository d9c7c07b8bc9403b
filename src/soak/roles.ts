/**
 * The pipeline's processes under test: one `--role producer` and two `--role consumer` headless processes,
 * each a real `tollstream` process the soak kills, pauses and restarts. Every (re)start is a new incarnation
 * with its own log file; a producer incarnation also gets its own ack log (--ack-log), which survives kill -9.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { isAlive } from '../stack/processes.ts';
import { sleep } from '../util/backoff.ts';
import { BIN } from './cli.ts';

export interface RoleOptions {
  /** "producer", "sink a", ... */
  name: string;
  /** Arguments after `tollstream`; `incarnation` is 1 for the first start. */
  args: (incarnation: number) => string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  logsDir: string;
}

/** One tollstream process and its restarts. */
export class RoleProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<string> = Promise.resolve('not started');
  private generation = 0;
  /** The last NDJSON status line of the current incarnation. */
  lastStatus: Record<string, unknown> | null = null;
  /** How earlier incarnations ended ("exit code 0", "killed by SIGKILL"). */
  readonly endings: string[] = [];

  constructor(readonly options: RoleOptions) {}

  get incarnation(): number {
    return this.generation;
  }

  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  start(): void {
    if (this.child) return;
    this.generation += 1;
    const file = path.join(
      this.options.logsDir,
      `${this.options.name.replace(/\s+/g, '-')}.${this.generation}.log`,
    );
    const log = openSync(file, 'a');
    // Own process group: a Ctrl-C in the terminal reaches the soak only, which stops the roles in order.
    const child = spawn(process.execPath, [BIN, ...this.options.args(this.generation)], {
      cwd: this.options.cwd,
      env: this.options.env,
      detached: true,
      stdio: ['ignore', 'pipe', log],
    });
    closeSync(log);
    this.child = child;
    this.lastStatus = null;
    const out = openSync(file, 'a');
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      try {
        const parsed = JSON.parse(line) as Record<string, unknown>;
        if (parsed.type === 'status' && this.child === child) this.lastStatus = parsed;
      } catch {
        // Not a status line; it is in the log all the same.
      }
    });
    child.stdout!.on('data', (chunk: Buffer) => {
      try {
        writeSync(out, chunk);
      } catch {
        // The log is best effort; the status lines are parsed all the same.
      }
    });
    this.exited = new Promise((resolve) => {
      // 'close' comes after the last stdout chunk; closing the log on 'exit' could write into a reused fd.
      child.once('close', () => closeSync(out));
      child.once('exit', (code, signal) => {
        const how = signal ? `killed by ${signal}` : `exit code ${code}`;
        this.endings.push(how);
        if (this.child === child) this.child = undefined;
        resolve(how);
      });
    });
  }

  /** SIGKILL: a crash. Resolves once the process is gone. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child?.pid) return;
    child.kill('SIGKILL');
    await this.exited;
  }

  pause(): void {
    this.signal('SIGSTOP');
  }

  resume(): void {
    this.signal('SIGCONT');
  }

  /** A signal to the current incarnation; one that has just ended is not an error. */
  private signal(signal: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (!pid) return;
    try {
      process.kill(pid, signal);
    } catch {
      // gone already: the supervisor notes and restarts it
    }
  }

  /** SIGTERM (the process's own graceful stop), SIGKILL after `graceMs`; resolves with how it ended. */
  async stop(graceMs = 60_000): Promise<string> {
    const child = this.child;
    if (!child?.pid) return 'not running';
    const pid = child.pid;
    this.signal('SIGCONT'); // a paused process cannot act on SIGTERM
    child.kill('SIGTERM');
    // Cancelled once the process ends, so no timer keeps the soak alive after its table.
    const cancel = new AbortController();
    const timer = sleep(graceMs, cancel.signal).then(() => (cancel.signal.aborted ? 'ended' : 'timeout'));
    const how = await Promise.race([this.exited, timer]);
    cancel.abort();
    if (how === 'timeout') {
      child.kill('SIGKILL');
      return `${await this.exited} after ${graceMs / 1000} s without stopping`;
    }
    while (isAlive(pid)) await sleep(20);
    return how;
  }
}
