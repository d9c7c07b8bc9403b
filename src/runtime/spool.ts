/**
 * The event ids a run got acknowledged by Kafka, kept on disk rather than in memory so a run of any length
 * reconciles in bounded memory: one id per line in a private temporary file, read back in chunks at the end.
 */
import { closeSync, createReadStream, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';

export class EventIdSpool {
  readonly file: string;
  private fd: number | null;
  private written = 0;

  constructor(dir = os.tmpdir()) {
    const own = mkdtempSync(path.join(dir, 'tollstream-run-'));
    this.file = path.join(own, 'acked-event-ids.txt');
    this.fd = openSync(this.file, 'w', 0o600);
  }

  /** Ids appended so far (repeats included). */
  get count(): number {
    return this.written;
  }

  append(ids: readonly string[]): void {
    if (this.fd === null) throw new Error('event id spool is closed');
    if (!ids.length) return;
    // Synchronous and small (one acknowledged batch): keeps order and needs no buffer that could grow.
    writeSync(this.fd, `${ids.join('\n')}\n`);
    this.written += ids.length;
  }

  /** Stops appending; the ids stay readable. */
  seal(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  chunks(size: number): AsyncGenerator<string[]> {
    this.seal();
    return idChunks(this.file, size);
  }

  remove(): void {
    this.seal();
    rmSync(path.dirname(this.file), { recursive: true, force: true });
  }
}

/** The ids of a file of one id per line (a spool, an --ack-log), `size` at a time; blank lines skipped. */
export async function* idChunks(file: string, size: number): AsyncGenerator<string[]> {
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  let chunk: string[] = [];
  for await (const line of lines) {
    if (!line) continue;
    chunk.push(line);
    if (chunk.length >= size) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length) yield chunk;
}
