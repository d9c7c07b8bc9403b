/**
 * A terminal nobody looks at, for drawing the monitor during the benchmark: a stdout that says it is an 80×24 TTY
 * (so Ink draws as on a screen) and counts what it is sent instead of showing it, and a stdin that says it is a
 * TTY with raw mode (so the app's key handling subscribes as it does on a terminal) but never types anything.
 * Writing to it costs less than a real terminal's write(2), so the monitor's measured cost is React, Yoga, Ink's
 * output and the app's own work, not the terminal emulator's.
 */
import { Readable, Writable } from 'node:stream';

/** How much of the newest output is kept, enough for a few 80×24 frames with their escape codes. */
const TAIL_CHARS = 32 * 1024;

export class OffscreenStdout extends Writable {
  readonly isTTY = true;
  bytes = 0;
  writes = 0;
  private tail = '';

  constructor(
    readonly columns = 80,
    readonly rows = 24,
  ) {
    super({ decodeStrings: false });
  }

  override _write(
    chunk: string | Buffer,
    _encoding: BufferEncoding,
    callback: (error?: Error | null) => void,
  ): void {
    const text = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    this.bytes += Buffer.byteLength(text);
    this.writes++;
    this.tail = (this.tail + text).slice(-TAIL_CHARS);
    callback();
  }

  /** The newest output, escape codes included. */
  get recent(): string {
    return this.tail;
  }
}

export class OffscreenStdin extends Readable {
  readonly isTTY = true;
  isRaw = false;

  override _read(): void {
    // Nobody types: the stream stays open and empty.
  }

  setRawMode(mode: boolean): this {
    this.isRaw = mode;
    return this;
  }

  ref(): this {
    return this;
  }

  unref(): this {
    return this;
  }
}

export interface OffscreenTerminal {
  stdout: OffscreenStdout;
  stdin: OffscreenStdin;
}

export function offscreenTerminal(columns = 80, rows = 24): OffscreenTerminal {
  return { stdout: new OffscreenStdout(columns, rows), stdin: new OffscreenStdin() };
}
