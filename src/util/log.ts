/**
 * Namespaced, replaceable logging. Inside the full-screen app the sink is the log pane's ring buffer; headless
 * it writes to stderr (stdout carries NDJSON status). Nothing ever writes to the console over the UI.
 */
import { Ring } from './ring.ts';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface LogEntry {
  at: number;
  level: LogLevel;
  namespace: string;
  message: string;
  extra?: Record<string, unknown>;
}

export type LogSink = (entry: LogEntry) => void;

export interface Logger {
  debug(message: string, extra?: Record<string, unknown>): void;
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
  child(namespace: string): Logger;
}

let sink: LogSink = () => {};
let minLevel: LogLevel = 'info';

export function setLogSink(next: LogSink, level: LogLevel = minLevel): void {
  sink = next;
  minLevel = level;
}

/** The level below which entries are dropped (a worker thread logs at the same level). */
export const logLevel = (): LogLevel => minLevel;

/** Passes an entry made elsewhere (a worker thread's log) through this thread's level and sink. */
export function emitLogEntry(entry: LogEntry): void {
  if (RANK[entry.level] >= RANK[minLevel]) sink(entry);
}

export const stderrSink: LogSink = (e) => {
  const extra = e.extra && Object.keys(e.extra).length ? ` ${JSON.stringify(e.extra)}` : '';
  process.stderr.write(
    `${new Date(e.at).toISOString()} ${e.level.toUpperCase()} [${e.namespace}] ${e.message}${extra}\n`,
  );
};

/** A bounded in-memory log for the UI, with a change counter the log pane can poll. */
export class LogBuffer {
  readonly ring = new Ring<LogEntry>(500);
  version = 0;
  readonly sink: LogSink = (e) => {
    this.ring.push(e);
    this.version++;
  };
}

export function createLogger(namespace: string): Logger {
  const emit =
    (level: LogLevel) =>
    (message: string, extra?: Record<string, unknown>): void => {
      if (RANK[level] < RANK[minLevel]) return;
      sink({ at: Date.now(), level, namespace, message, ...(extra ? { extra } : {}) });
    };
  return {
    debug: emit('debug'),
    info: emit('info'),
    warn: emit('warn'),
    error: emit('error'),
    child: (ns) => createLogger(`${namespace}:${ns}`),
  };
}
