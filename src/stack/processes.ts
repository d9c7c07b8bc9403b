/**
 * The stack's JVMs as operating-system processes: started detached (they outlive the CLI), recognised by their
 * command line before anything is signalled (a recorded PID may have been reused), stopped gently then firmly.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { sleep } from '../util/backoff.ts';

export interface Started {
  pid: number;
  /** Resolves with the exit code (or signal) if the process ends while this CLI still runs. */
  exited: Promise<string>;
  /** Non-null once the process has ended. */
  exitReason(): string | null;
}

/** Starts `command` in its own process group with stdout/stderr appended to `outFile`. */
export function spawnDetached(
  command: string,
  args: string[],
  { outFile, cwd }: { outFile: string; cwd: string },
): Started {
  const fd = openSync(outFile, 'a');
  try {
    const child = spawn(command, args, { cwd, detached: true, stdio: ['ignore', fd, fd] });
    let reason: string | null = null;
    const exited = new Promise<string>((resolve) => {
      child.once('exit', (code, signal) => {
        reason = signal ? `killed by ${signal}` : `exit code ${code}`;
        resolve(reason);
      });
      child.once('error', (e) => {
        reason = e.message;
        resolve(reason);
      });
    });
    child.unref();
    if (child.pid === undefined) throw new Error(`cannot start ${command}`);
    return { pid: child.pid, exited, exitReason: () => reason };
  } finally {
    closeSync(fd);
  }
}

function procStat(pid: number): string | null {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
}

/** True while `pid` exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  const stat = procStat(pid);
  if (stat === null) return false;
  // Field 3 (after the parenthesised name, which may itself contain spaces) is the state.
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return state !== 'Z' && state !== 'X';
}

export function commandLine(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

/** The marker argument every JVM of a stack carries: it ties a PID to one state dir. */
export const stackMarker = (stateDir: string): string => `-Dtollstream.stack=${stateDir}`;

/** True when `pid` is alive and is the process that carries `argument` (our marker or properties file). */
export function isOurProcess(pid: number | null | undefined, ...arguments_: string[]): pid is number {
  if (!pid || !isAlive(pid)) return false;
  const argv = commandLine(pid);
  return arguments_.every((a) => argv.includes(a));
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves to how it ended. */
export async function stopProcess(
  pid: number,
  { graceMs = 20_000, pollMs = 100 }: { graceMs?: number; pollMs?: number } = {},
): Promise<'stopped' | 'killed' | 'gone'> {
  if (!signal(pid, 'SIGTERM')) return 'gone';
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return 'stopped';
    await sleep(pollMs);
  }
  signal(pid, 'SIGKILL');
  const killDeadline = Date.now() + 5000;
  while (isAlive(pid) && Date.now() < killDeadline) await sleep(pollMs);
  return 'killed';
}

function signal(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}

/** True when nothing listens on host:port (checked by binding it, the way the JVM will). */
export function portFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** True when a TCP connection to host:port succeeds within `timeoutMs`. */
export function portOpen(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** A process as a person recognises it: its program and main class / last arguments, or the stack it belongs to. */
export function describeProcess(pid: number): string {
  const argv = commandLine(pid);
  const stack = argv.find((a) => a.startsWith('-Dtollstream.stack='));
  const main = argv.findIndex((a) => a === 'kafka.Kafka' || a.endsWith('QuorumPeerMain'));
  const program = path.basename(argv[0] ?? '?');
  const what = main >= 0 ? `${program} ${argv.slice(main).join(' ')}` : argv.join(' ').slice(0, 160);
  return stack ? `${what}; a tollstream stack with state dir ${stack.slice(stack.indexOf('=') + 1)}` : what;
}

/** The process listening on a TCP port, from /proc (best effort: other users' processes may be hidden). */
export function whoListens(port: number): { pid: number; command: string } | null {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      const local = f[1];
      if (!local || f[3] !== '0A') continue; // 0A = LISTEN
      if (parseInt(local.slice(local.lastIndexOf(':') + 1), 16) === port && f[9]) inodes.add(f[9]);
    }
  }
  if (!inodes.size) return null;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`/proc/${entry}/fd/${fd}`);
      } catch {
        continue;
      }
      const m = /^socket:\[(\d+)\]$/.exec(target);
      if (m?.[1] && inodes.has(m[1])) {
        const pid = Number(entry);
        return { pid, command: commandLine(pid).join(' ') };
      }
    }
  }
  return null;
}

export function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/**
 * The last meaningful lines of a log: stack-trace frames ("\tat ...", "... 12 more") are skipped so an
 * exception's message stays visible.
 */
export async function tailLog(
  file: string,
  { lines = 8, bytes = 16_384, fromByte = 0 }: { lines?: number; bytes?: number; fromByte?: number } = {},
): Promise<string[]> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch {
    return [];
  }
  try {
    const { size } = await handle.stat();
    // Lines before `fromByte` belong to an earlier run (unless the log rotated meanwhile and is shorter now).
    const start = Math.max(size < fromByte ? 0 : fromByte, size - bytes);
    const buf = Buffer.alloc(size - start);
    await handle.read(buf, 0, buf.length, start);
    return meaningfulTail(buf.toString('utf8'), lines);
  } finally {
    await handle.close();
  }
}

export function meaningfulTail(text: string, lines: number): string[] {
  const meaningful = text
    .split('\n')
    .map((l) => l.replace(/\s+$/, ''))
    .filter((l) => l && !/^\s+at /.test(l) && !/^\s*\.\.\. \d+ more$/.test(l));
  // Shutdown chatter follows a fatal error; the error and the exception under it are what explain a failure.
  const lastError = meaningful.findLastIndex((l) => /\b(ERROR|FATAL)\b|^Error:|^Exception in thread/.test(l));
  if (lastError >= 0)
    return meaningful.slice(Math.max(0, lastError - 1), lastError + lines - 1).slice(0, lines);
  return meaningful.slice(-lines);
}
