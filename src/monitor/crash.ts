/**
 * An uncaught error must not leave a broken terminal or vanish: it is written with its stack and the last log
 * lines to <stateDir>/monitor-crash.log, and summarised on the restored screen.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { LogEntry } from '../util/log.ts';

export function crashFile(stateDir: string): string {
  return path.join(stateDir, 'monitor-crash.log');
}

/** Appends the report; returns the file, or null when even that failed (the summary then says so). */
export function writeCrashReport(
  stateDir: string,
  error: unknown,
  recentLogs: readonly LogEntry[],
): string | null {
  const file = crashFile(stateDir);
  const err = error instanceof Error ? error : new Error(String(error));
  const logs = recentLogs
    .slice(0, 50)
    .reverse()
    .map((e) => `  ${new Date(e.at).toISOString()} ${e.level.toUpperCase()} [${e.namespace}] ${e.message}`)
    .join('\n');
  const report = [
    `=== ${new Date().toISOString()} tollstream monitor crashed (pid ${process.pid})`,
    err.stack ?? `${err.name}: ${err.message}`,
    ...(err.cause
      ? [`cause: ${err.cause instanceof Error ? (err.cause.stack ?? err.cause.message) : String(err.cause)}`]
      : []),
    'last log lines:',
    logs || '  (none)',
    '',
  ].join('\n');
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    appendFileSync(file, report);
    return file;
  } catch {
    return null;
  }
}

export function crashSummary(error: unknown, file: string | null): string {
  const message = error instanceof Error ? error.message : String(error);
  return `tollstream: the monitor crashed: ${message}\n${file ? `details in ${file}` : 'the crash report could not be written'}\n`;
}
