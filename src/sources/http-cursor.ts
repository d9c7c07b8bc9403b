/**
 * Where an HTTP source got to, persisted under the state directory so a restarted producer resumes exactly
 * there. One JSON file per source URL, replaced atomically (write a temporary file, then rename), so a crash
 * mid-write leaves the previous cursor rather than a torn one. Writes are serialised: the last one wins.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import path from 'node:path';

export interface HttpCursor {
  /** The page request this cursor points into. */
  url: string;
  /** Items of that page fully handed over. */
  item: number;
  /** A partly handed-over group: its length in items (0 when none) and how many of its passages went. */
  groupItems: number;
  skip: number;
  /** The page was read to its end: a later poll of `url` may be conditional. */
  complete: boolean;
  etag?: string;
  lastModified?: string;
}

export function startCursor(url: string): HttpCursor {
  return { url, item: 0, groupItems: 0, skip: 0, complete: false };
}

export class CursorStore {
  readonly file: string;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    stateDir: string,
    private readonly key: string,
  ) {
    const digest = createHash('sha256').update(key).digest('hex').slice(0, 16);
    this.file = path.join(stateDir, 'http-cursors', `${digest}.json`);
  }

  /** The saved cursor, or undefined when there is none (or it belongs to another URL after a hash clash). */
  async load(): Promise<HttpCursor | undefined> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
    const saved = JSON.parse(text) as { key?: string; cursor?: HttpCursor };
    return saved.key === this.key && saved.cursor && typeof saved.cursor.url === 'string'
      ? saved.cursor
      : undefined;
  }

  save(cursor: HttpCursor): Promise<void> {
    const body = `${JSON.stringify({ key: this.key, cursor, savedAt: new Date().toISOString() }, null, 2)}\n`;
    const next = this.writing.then(async () => {
      await mkdir(path.dirname(this.file), { recursive: true });
      const tmp = `${this.file}.${process.pid}.tmp`;
      await writeFile(tmp, body);
      await rename(tmp, this.file);
    });
    // A failed write must not wedge later ones; the caller still sees this one's error.
    this.writing = next.catch(() => undefined);
    return next;
  }
}
