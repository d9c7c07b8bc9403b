/** Runs sink-child.ts as a separate process and follows its NDJSON snapshots. */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { SinkOptions } from '../../../src/engines/sink/index.ts';

const SCRIPT = fileURLToPath(new URL('./sink-child.ts', import.meta.url));

export interface ChildLine {
  started?: boolean;
  persisted?: number;
  status?: string;
  assignment?: Record<string, number[]>;
}

export interface SinkChild {
  process: ChildProcess;
  /** The newest snapshot line (empty until the first one). */
  last: ChildLine;
  started: boolean;
  exited: Promise<number | null>;
  /** SIGKILL: a crash, no clean-up of any kind. */
  kill(): Promise<void>;
}

export function spawnSinkChild(mysqlUrl: string, options: SinkOptions): SinkChild {
  const proc = spawn(process.execPath, ['--import', 'tsx', SCRIPT], {
    env: { ...process.env, SINK_CHILD: JSON.stringify({ mysqlUrl, options }) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const child: SinkChild = {
    process: proc,
    last: {},
    started: false,
    exited,
    async kill() {
      proc.kill('SIGKILL');
      await exited;
    },
  };
  createInterface({ input: proc.stdout! }).on('line', (line) => {
    try {
      const parsed = JSON.parse(line) as ChildLine;
      if (parsed.started) child.started = true;
      else child.last = parsed;
    } catch {
      // Not ours (a stray library line); ignore.
    }
  });
  return child;
}
