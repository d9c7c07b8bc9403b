/**
 * SQL prompt history kept across runs in <stateDir>/sql-history: one JSON string per line (statements span
 * lines), appended as they run, trimmed to the newest HISTORY_LIMIT when the file grows to twice that.
 */
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { HISTORY_LIMIT } from '../../components/sql/state.ts';
import type { Logger } from '../util/log.ts';

export interface SqlHistory {
  initial: readonly string[];
  append(sql: string): void;
}

export function historyFile(stateDir: string): string {
  return path.join(stateDir, 'sql-history');
}

function readLines(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const v: unknown = JSON.parse(line);
      if (typeof v === 'string' && v.trim()) out.push(v);
    } catch {
      // A line from a crashed write or a hand edit: skip it, keep the rest.
    }
  }
  return out;
}

export function openHistory(stateDir: string, logger: Logger, limit = HISTORY_LIMIT): SqlHistory {
  const file = historyFile(stateDir);
  const all = readLines(file);
  let lines = all.length;
  return {
    initial: all.slice(-limit),
    append(sql) {
      const entry = sql.trim();
      if (!entry) return;
      try {
        mkdirSync(path.dirname(file), { recursive: true });
        appendFileSync(file, `${JSON.stringify(entry)}\n`, { mode: 0o600 });
        lines++;
        if (lines >= 2 * limit) {
          const kept = readLines(file).slice(-limit);
          writeFileSync(file, kept.map((s) => `${JSON.stringify(s)}\n`).join(''), { mode: 0o600 });
          lines = kept.length;
        }
      } catch (e) {
        logger.warn(`cannot save SQL history to ${file}: ${(e as Error).message}`);
      }
    },
  };
}
