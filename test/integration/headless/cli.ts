/** Runs `tollstream` as a child process, the way a user does, and reads its NDJSON lines. */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Storage } from '../../../src/storage/db.ts';
import { eventIds, readTopic } from '../../helpers/read-topic.ts';
import type { TestKafka } from '../../helpers/services.ts';

export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = path.join(REPO, 'bin', 'tollstream.js');

export interface CliRun {
  child: ChildProcess;
  lines: Record<string, unknown>[];
  stderr: () => string;
  exited: Promise<number | null>;
  summary: () => Record<string, unknown> | undefined;
}

export function tollstream(args: string[], env: Record<string, string> = {}): CliRun {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: REPO,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  let err = '';
  let partial = '';
  child.stdout!.on('data', (d: Buffer) => {
    partial += d.toString();
    const parts = partial.split('\n');
    partial = parts.pop() ?? '';
    for (const p of parts) if (p.trim()) lines.push(JSON.parse(p) as Record<string, unknown>);
  });
  child.stderr!.on('data', (d: Buffer) => {
    err = (err + d.toString()).slice(-50_000);
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return {
    child,
    lines,
    stderr: () => err,
    exited,
    summary: () => lines.find((l) => l.type === 'summary'),
  };
}

/** What a finished `tollstream` process printed, kept whole (for commands whose output is not NDJSON). */
export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `tollstream` to its end; `env` values of undefined remove the variable from the child's environment. */
export function tollstreamToEnd(
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<Finished> {
  const childEnv: Record<string, string | undefined> = { ...process.env };
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) delete childEnv[name];
    else childEnv[name] = value;
  }
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: REPO,
      env: childEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Event ids on a topic once at least `atLeast` are there (kcat, or our consumer without it). */
export async function eventIdsOnTopic(k: TestKafka, topic: string, atLeast: number): Promise<string[]> {
  const records = await readTopic(
    k.kafka,
    k.config.kafka.brokers,
    topic,
    (r) => r.length >= atLeast,
    `${atLeast} passages on ${topic}`,
  );
  return eventIds(records);
}

export async function passageIds(storage: Storage): Promise<string[]> {
  const rows = await storage.query<{ event_id: string }>('SELECT event_id FROM passages');
  return rows.map((r) => r.event_id);
}

export async function passageCount(storage: Storage): Promise<number> {
  const rows = await storage.query<{ n: number | string }>('SELECT COUNT(*) AS n FROM passages');
  return Number(rows[0]?.n ?? 0);
}

/** MySQL holds exactly the passages Kafka has: same ids, each once. */
export function expectExactlyOnce(kafkaIds: string[], mysqlIds: string[]): { kafka: number; mysql: number } {
  const kafka = new Set(kafkaIds);
  const mysql = new Set(mysqlIds);
  if (mysql.size !== mysqlIds.length) throw new Error(`MySQL holds duplicate event ids`);
  const missing = [...kafka].filter((id) => !mysql.has(id));
  const extra = [...mysql].filter((id) => !kafka.has(id));
  if (missing.length || extra.length) {
    throw new Error(
      `MySQL and Kafka differ: ${missing.length} missing (e.g. ${missing.slice(0, 3).join(', ')}), ${extra.length} extra (e.g. ${extra.slice(0, 3).join(', ')})`,
    );
  }
  return { kafka: kafka.size, mysql: mysql.size };
}
