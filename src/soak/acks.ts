/**
 * The producers' ack logs (one file per producer incarnation, written by `--ack-log`): counted while the soak
 * runs, read into one set of event ids at the end. A torn last line (a kill -9 in the middle of a write) is
 * not an id; it is dropped.
 */
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import path from 'node:path';

const ID = /^[A-Za-z0-9._:-]{1,64}$/;

export class AckCounter {
  private readonly read = new Map<string, { offset: number; lines: number }>();

  constructor(private readonly dir: string) {}

  /** Acknowledged ids so far (repeats included), reading only what was appended since the last call. */
  count(): number {
    let total = 0;
    for (const name of existsSync(this.dir) ? readdirSync(this.dir) : []) {
      const file = path.join(this.dir, name);
      const seen = this.read.get(file) ?? { offset: 0, lines: 0 };
      const size = statSync(file).size;
      if (size > seen.offset) {
        const fd = openSync(file, 'r');
        try {
          const buf = Buffer.alloc(Math.min(size - seen.offset, 8 * 1024 * 1024));
          const got = readSync(fd, buf, 0, buf.length, seen.offset);
          for (let i = 0; i < got; i++) if (buf[i] === 10) seen.lines += 1;
          seen.offset += got;
        } finally {
          closeSync(fd);
        }
      }
      this.read.set(file, seen);
      total += seen.lines;
    }
    return total;
  }
}

export function readAcked(dir: string): Set<string> {
  const ids = new Set<string>();
  for (const name of existsSync(dir) ? readdirSync(dir).sort() : []) {
    const lines = readFileSync(path.join(dir, name), 'utf8').split('\n');
    lines.pop(); // '' after the last newline, or the torn end of a write cut short by kill -9
    for (const line of lines) if (ID.test(line)) ids.add(line);
  }
  return ids;
}
