/**
 * Bad input rows: counted, logged with where they came from, and kept in a bounded list a person can inspect.
 * A file with a million broken rows must neither flood the log nor stop the replay, so after the first hundred
 * rows only every thousandth is logged (with the running count).
 */
import type { Logger } from '../util/log.ts';
import { Ring } from '../util/ring.ts';

export interface RejectedRow {
  /** File name or URL the row came from. */
  where: string;
  /** 1-based line of a file, or item index of an API page. */
  line?: number;
  reason: string;
  /** The start of the offending text, for the person fixing the data. */
  text?: string;
}

const LOG_ALL_FIRST = 100;
const THEN_LOG_EVERY = 1000;
const TEXT_PREVIEW = 200;

export class RejectLog {
  count = 0;
  private readonly ring: Ring<RejectedRow>;

  constructor(
    private readonly log: Logger,
    capacity = 100,
  ) {
    this.ring = new Ring(capacity);
  }

  reject(where: string, line: number | undefined, reason: string, text?: string): void {
    this.count++;
    const row: RejectedRow = { where, reason };
    if (line !== undefined) row.line = line;
    if (text !== undefined) row.text = text.length > TEXT_PREVIEW ? `${text.slice(0, TEXT_PREVIEW)}…` : text;
    this.ring.push(row);
    if (this.count <= LOG_ALL_FIRST || this.count % THEN_LOG_EVERY === 0) {
      const at = line === undefined ? where : `${where}:${line}`;
      const more = this.count > LOG_ALL_FIRST ? ` (${this.count} rejected so far)` : '';
      this.log.warn(`rejected row at ${at}: ${reason}${more}`, { where, line, reason });
    }
  }

  /** The most recent rejected rows, oldest first. */
  recent(): RejectedRow[] {
    return this.ring.toArray();
  }
}
