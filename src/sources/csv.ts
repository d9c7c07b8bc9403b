/**
 * RFC 4180 records over numbered lines: quoted fields may hold delimiters, doubled quotes and line breaks.
 * Written here rather than pulling in a package because replay needs two things parsers rarely give together:
 * the line number of every record (for bad-row reports) and recovery from an unterminated quote (one broken row
 * must not swallow the rest of the file: after `maxRecordLines` lines the record is rejected and the lines after
 * its first are parsed again on their own).
 */
import type { Line } from './lines.ts';

export type CsvResult =
  { ok: true; fields: string[]; line: number } | { ok: false; line: number; reason: string; text: string };

type Split = string[] | { open: true } | { error: string };

/** Splits one record's text into fields; `open` when a quoted field runs past the end of the text. */
export function splitRecord(text: string, delimiter: string, quote: string): Split {
  const fields: string[] = [];
  const n = text.length;
  let i = 0;
  for (;;) {
    if (quote !== '' && text.startsWith(quote, i)) {
      let value = '';
      i += quote.length;
      for (;;) {
        const j = text.indexOf(quote, i);
        if (j < 0) return { open: true };
        value += text.slice(i, j);
        if (text.startsWith(quote, j + quote.length)) {
          value += quote;
          i = j + 2 * quote.length;
          continue;
        }
        i = j + quote.length;
        break;
      }
      // Spaces between a closing quote and the delimiter are a common export quirk, not a data error.
      while (text[i] === ' ' && delimiter !== ' ') i++;
      fields.push(value);
      if (i === n) return fields;
      if (!text.startsWith(delimiter, i)) {
        return { error: `unexpected "${text[i]}" after a closing quote at column ${i + 1}` };
      }
    } else {
      const j = text.indexOf(delimiter, i);
      if (j < 0) {
        fields.push(text.slice(i));
        return fields;
      }
      fields.push(text.slice(i, j));
      i = j;
    }
    i += delimiter.length;
    if (i === n) {
      fields.push('');
      return fields;
    }
  }
}

export interface CsvOptions {
  delimiter?: string;
  /** '' disables quoting (formats like the tolldata TSV that never quote). */
  quote?: string;
  maxRecordLines?: number;
}

export class CsvReader {
  private readonly delimiter: string;
  private readonly quote: string;
  private readonly maxRecordLines: number;
  private pending: Line[] = [];

  constructor({ delimiter = ',', quote = '"', maxRecordLines = 50 }: CsvOptions = {}) {
    if (delimiter === '' || delimiter === quote)
      throw new RangeError('CSV delimiter must be set and differ from the quote');
    this.delimiter = delimiter;
    this.quote = quote;
    this.maxRecordLines = maxRecordLines;
  }

  /** Feeds the next line; returns the records (or errors) it completes, usually zero or one. */
  push(line: Line): CsvResult[] {
    if (this.pending.length === 0 && (this.quote === '' || !line.text.includes(this.quote))) {
      return [{ ok: true, fields: line.text.split(this.delimiter), line: line.no }];
    }
    this.pending.push(line);
    const first = this.pending[0]!;
    const text = this.pending.map((l) => l.text).join('\n');
    const split = splitRecord(text, this.delimiter, this.quote);
    if (Array.isArray(split)) {
      this.pending = [];
      return [{ ok: true, fields: split, line: first.no }];
    }
    if ('error' in split) {
      this.pending = [];
      return [{ ok: false, line: first.no, reason: split.error, text }];
    }
    return this.pending.length > this.maxRecordLines
      ? this.abandon('a quoted field is not closed within ' + `${this.maxRecordLines} lines`)
      : [];
  }

  /** End of input: a record still open is an error; the lines after its first are parsed on their own. */
  end(): CsvResult[] {
    const out: CsvResult[] = [];
    while (this.pending.length)
      out.push(...this.abandon('a quoted field is not closed before the end of the file'));
    return out;
  }

  private abandon(reason: string): CsvResult[] {
    const [first, ...rest] = this.pending;
    this.pending = [];
    const out: CsvResult[] = [{ ok: false, line: first!.no, reason, text: first!.text }];
    for (const l of rest) out.push(...this.push(l));
    return out;
  }
}
