/**
 * Inside the full-screen app nothing may write to the terminal but Ink. Engine and Kafka logs go to a bounded
 * buffer shown in the footer and the log overlay; stray console output and Node warnings written to stderr are
 * caught into the same buffer while the UI is up.
 */
import { LogBuffer, setLogSink } from '../util/log.ts';
import type { LogEntry, LogLevel } from '../util/log.ts';
import { ThrottledStore } from '../util/store.ts';

export const SHOWN_LOG_ENTRIES = 200;

export interface MonitorLogs {
  buffer: LogBuffer;
  store: ThrottledStore<readonly LogEntry[]>;
  /** Routes console.* and process.stderr into the buffer; returns the function that undoes it. */
  captureConsole(): () => void;
  dispose(): void;
}

export function createMonitorLogs(level: LogLevel): MonitorLogs {
  const buffer = new LogBuffer();
  const store = new ThrottledStore<readonly LogEntry[]>(() => buffer.ring.newest(SHOWN_LOG_ENTRIES), 250);
  const push = (entry: LogEntry): void => {
    buffer.sink(entry);
    store.touch();
  };
  setLogSink(push, level);

  const captured = (level: LogLevel, namespace: string) => (message: string) => {
    const text = message.replace(/\s+$/, '');
    if (text) push({ at: Date.now(), level, namespace, message: text });
  };

  return {
    buffer,
    store,
    captureConsole() {
      const original = {
        log: console.log,
        info: console.info,
        warn: console.warn,
        error: console.error,
        debug: console.debug,
        stderrWrite: process.stderr.write.bind(process.stderr),
      };
      const format = (args: unknown[]): string =>
        args
          .map((a) =>
            a instanceof Error ? (a.stack ?? a.message) : typeof a === 'string' ? a : JSON.stringify(a),
          )
          .join(' ');
      console.log = (...a: unknown[]) => captured('info', 'console')(format(a));
      console.info = (...a: unknown[]) => captured('info', 'console')(format(a));
      console.debug = (...a: unknown[]) => captured('debug', 'console')(format(a));
      console.warn = (...a: unknown[]) => captured('warn', 'console')(format(a));
      console.error = (...a: unknown[]) => captured('error', 'console')(format(a));
      const toBuffer = captured('warn', 'stderr');
      process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
        toBuffer(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
        const done = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
        done?.();
        return true;
      }) as typeof process.stderr.write;
      return () => {
        console.log = original.log;
        console.info = original.info;
        console.warn = original.warn;
        console.error = original.error;
        console.debug = original.debug;
        process.stderr.write = original.stderrWrite;
      };
    },
    dispose() {
      store.dispose();
    },
  };
}
