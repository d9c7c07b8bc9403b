/**
 * `<stateDir>/stack.json`: what `stack up` started — PIDs, ports, broker count, start times. It outlives `down`
 * (with the PIDs cleared) so the state dir remembers its topology; `down --purge` removes it.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { BrokerCount, Endpoint } from './layout.ts';
import { isBrokerCount } from './layout.ts';

export interface ProcessRecord extends Endpoint {
  pid: number | null;
  startedAt: string | null;
}

export interface StackRecord {
  version: 1;
  stateDir: string;
  brokerCount: BrokerCount;
  /** When the current run of the stack began (the first process started), null while stopped. */
  startedAt: string | null;
  zookeeper: ProcessRecord;
  brokers: (ProcessRecord & { id: number })[];
}

export function readRecord(file: string): StackRecord | null {
  if (!existsSync(file)) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return null; // A torn or hand-edited file is treated as no record; the processes are checked anyway.
  }
  return isRecord(parsed) ? parsed : null;
}

function isProcessRecord(v: unknown): v is ProcessRecord {
  const r = v as ProcessRecord;
  return (
    !!r &&
    typeof r.host === 'string' &&
    Number.isInteger(r.port) &&
    (r.pid === null || Number.isInteger(r.pid))
  );
}

function isRecord(v: unknown): v is StackRecord {
  const r = v as StackRecord;
  return (
    !!r &&
    r.version === 1 &&
    isBrokerCount(r.brokerCount) &&
    isProcessRecord(r.zookeeper) &&
    Array.isArray(r.brokers) &&
    r.brokers.every((b) => isProcessRecord(b) && Number.isInteger(b.id))
  );
}

/** Writes atomically (temp file + rename) so a reader never sees half a record. */
export function writeRecord(file: string, record: StackRecord): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(record, null, 2)}\n`);
  renameSync(tmp, file);
}
