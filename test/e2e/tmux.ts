/**
 * Drives the real terminal app in tmux, as a person at a terminal does: start it in a detached session of a
 * given size, send keys, read the screen with capture-pane, resize the window. Every session is killed by
 * `kill()`; nothing here is left running.
 */
import { execFileSync } from 'node:child_process';
import { waitFor } from '../helpers/services.ts';

export interface TmuxSession {
  name: string;
  screen(): string;
  /** Named keys (Enter, Escape, F3, Space, PageDown ...) or single characters, one tmux key each. */
  keys(...keys: string[]): void;
  /** Literal text. tmux reads a trailing ";" as a command separator, so ";" is sent as its byte. */
  type(text: string): void;
  resize(columns: number, rows: number): void;
  /** The pid of the shell running in the pane (the app is its child). */
  pid(): number;
  /** True while the application has the terminal in the alternate screen. */
  alternateScreen(): boolean;
  waitFor(predicate: (screen: string) => boolean, what: string, timeoutMs?: number): Promise<string>;
  kill(): void;
}

function tmux(...args: string[]): string {
  return execFileSync('tmux', args, { encoding: 'utf8' });
}

function quote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Starts `command` (argv) with `env` in a new detached session; the shell line ends by printing the exit code. */
export function startSession(
  name: string,
  size: { columns: number; rows: number },
  cwd: string,
  env: Record<string, string>,
  argv: string[],
): TmuxSession {
  const envPart = Object.entries(env)
    .map(([k, v]) => `${k}=${quote(v)}`)
    .join(' ');
  // The pane stays open after the app exits so the restored screen and the exit code can be read.
  const line = `cd ${quote(cwd)} && env ${envPart} ${argv.map(quote).join(' ')}; echo "EXIT=$?"; sleep 600`;
  tmux('new-session', '-d', '-s', name, '-x', String(size.columns), '-y', String(size.rows), line);
  const session: TmuxSession = {
    name,
    screen: () => tmux('capture-pane', '-p', '-t', name),
    keys: (...keys) => {
      for (const k of keys) tmux('send-keys', '-t', name, k);
    },
    type: (text) => {
      for (const part of text.split(/(;)/)) {
        if (part === ';') tmux('send-keys', '-t', name, '-H', '3b');
        else if (part) tmux('send-keys', '-t', name, '-l', part);
      }
    },
    resize: (columns, rows) => {
      tmux('resize-window', '-t', name, '-x', String(columns), '-y', String(rows));
    },
    pid: () => Number(tmux('display-message', '-p', '-t', name, '#{pane_pid}').trim()),
    alternateScreen: () => tmux('display-message', '-p', '-t', name, '#{alternate_on}').trim() === '1',
    waitFor: async (predicate, what, timeoutMs = 15_000) => {
      let last = '';
      try {
        return await waitFor(
          () => {
            last = session.screen();
            return predicate(last) ? last : null;
          },
          { timeoutMs, intervalMs: 100, what },
        );
      } catch (e) {
        throw new Error(`${(e as Error).message}\n--- screen ---\n${last}`);
      }
    },
    kill: () => {
      try {
        tmux('kill-session', '-t', name);
      } catch {
        // Already gone.
      }
    },
  };
  return session;
}
