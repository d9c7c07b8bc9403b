/**
 * Running `tollstream` as a separate process, the way a user would, against the soak's private stack: a clean
 * environment (no TOLLSTREAM_* of the caller's shell, which may point at the user's own stack) plus the soak's
 * endpoints, and the soak folder as working directory (so no tollstream.config.* of the caller is picked up).
 */
import { execFile } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT } from '../util/package-root.ts';

export const BIN = path.join(PACKAGE_ROOT, 'bin', 'tollstream.js');

export interface SoakEndpoints {
  zookeeper: string;
  brokers: string[];
  mysqlUrl: string;
  /** The private stack's state dir. */
  stackDir: string;
}

export function soakEnv(e: SoakEndpoints): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('TOLLSTREAM_')) env[k] = v;
  return {
    ...env,
    TOLLSTREAM_ZOOKEEPER: e.zookeeper,
    TOLLSTREAM_KAFKA_BROKERS: e.brokers.join(','),
    TOLLSTREAM_MYSQL_URL: e.mysqlUrl,
    TOLLSTREAM_STATE_DIR: e.stackDir,
  };
}

export interface CliRun {
  code: number;
  output: string;
}

/** Runs `tollstream <args>` to its end; its output is appended to `logFile` and returned. */
export function runCli(
  args: string[],
  {
    env,
    cwd,
    logFile,
    timeoutMs = 300_000,
  }: { env: NodeJS.ProcessEnv; cwd: string; logFile: string; timeoutMs?: number },
): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { env, cwd, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const output = `${stdout}${stderr}`;
        appendFileSync(logFile, `$ tollstream ${args.join(' ')}\n${output}\n`);
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, output });
      },
    );
  });
}

/** The last lines of a command's output, for an error message. */
export const tail = (output: string, lines = 4): string => output.trim().split('\n').slice(-lines).join('\n');
