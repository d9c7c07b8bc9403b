/**
 * Streams a text file as numbered lines, in chunks, without holding the file in memory (the MTA file expands to
 * ~100M passages; user files can be large). Accepts LF and CRLF, a missing final line end, and a UTF-8 BOM.
 * The same read can feed a hash of the file's bytes, so a source learns its content's identity in passing.
 */
import type { Hash } from 'node:crypto';
import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';

export interface Line {
  text: string;
  /** 1-based. */
  no: number;
}

const CHUNK_LINES = 1000;

/** `digest`, when given, is fed every byte of the file as it is read. */
export async function* readLines(
  path: string,
  chunkLines = CHUNK_LINES,
  digest?: Hash,
): AsyncGenerator<Line[]> {
  const stream = createReadStream(path, { highWaterMark: 1 << 16 });
  // A multi-byte character split across two reads is held back until its last byte arrives.
  const decoder = new StringDecoder('utf8');
  let carry = '';
  let no = 0;
  let out: Line[] = [];
  const push = (raw: string): void => {
    no++;
    let text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (no === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    out.push({ text, no });
  };
  try {
    for await (const bytes of stream as AsyncIterable<Buffer>) {
      digest?.update(bytes);
      const parts = (carry + decoder.write(bytes)).split('\n');
      carry = parts.pop()!;
      for (const p of parts) push(p);
      if (out.length >= chunkLines) {
        yield out;
        out = [];
      }
    }
    carry += decoder.end();
    if (carry !== '') push(carry);
    if (out.length) yield out;
  } finally {
    stream.destroy();
  }
}

/** Number of lines as readLines numbers them (a final line end does not start another line). */
export async function countLines(path: string): Promise<number> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 16);
    let lines = 0;
    let last = -1;
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      for (let i = 0; i < bytesRead; i++) if (buf[i] === 10) lines++;
      last = buf[bytesRead - 1]!;
    }
    return last === -1 ? 0 : last === 10 ? lines : lines + 1;
  } finally {
    await fh.close();
  }
}

/**
 * The first line of a file (no line end, no BOM), read synchronously so a source factory can check a header and
 * fail fast with a usage error before anything runs.
 */
export function firstLineSync(path: string, maxBytes = 1 << 16): string {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(maxBytes);
    const n = readSync(fd, buf, 0, maxBytes, 0);
    const text = buf.subarray(0, n).toString('utf8');
    const line = text.split('\n', 1)[0]!.replace(/\r$/, '');
    return line.charCodeAt(0) === 0xfeff ? line.slice(1) : line;
  } finally {
    closeSync(fd);
  }
}
