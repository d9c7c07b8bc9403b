import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CsvReader, splitRecord, type CsvResult } from '../../../src/sources/csv.ts';
import { countLines, firstLineSync, readLines, type Line } from '../../../src/sources/lines.ts';
import { TOLLDATA_DIR } from './helpers.ts';

const lines = (...texts: string[]): Line[] => texts.map((text, i) => ({ text, no: i + 1 }));

function parseAll(reader: CsvReader, input: Line[]): CsvResult[] {
  return [...input.flatMap((l) => reader.push(l)), ...reader.end()];
}

describe('splitRecord', () => {
  it('splits plain, quoted and empty fields', () => {
    expect(splitRecord('a,b,,d', ',', '"')).toEqual(['a', 'b', '', 'd']);
    expect(splitRecord('a,', ',', '"')).toEqual(['a', '']);
    expect(splitRecord('"13.05, 77.77",x', ',', '"')).toEqual(['13.05, 77.77', 'x']);
    expect(splitRecord('"say ""hi""",2', ',', '"')).toEqual(['say "hi"', '2']);
    expect(splitRecord('"",""', ',', '"')).toEqual(['', '']);
  });

  it('keeps a quote inside an unquoted field, and spaces after a closing quote', () => {
    expect(splitRecord('5" pipe,x', ',', '"')).toEqual(['5" pipe', 'x']);
    expect(splitRecord('"a"  ,b', ',', '"')).toEqual(['a', 'b']);
  });

  it('reports text after a closing quote, and an open quote', () => {
    expect(splitRecord('"a"b,c', ',', '"')).toEqual({
      error: 'unexpected "b" after a closing quote at column 4',
    });
    expect(splitRecord('"a,b', ',', '"')).toEqual({ open: true });
  });

  it('splits on tabs without quoting', () => {
    expect(splitRecord('a\t"b\tc', '\t', '')).toEqual(['a', '"b', 'c']);
  });
});

describe('CsvReader', () => {
  it('joins a quoted field that spans lines, numbering the record by its first line', () => {
    const out = parseAll(new CsvReader(), lines('h1,h2', '1,"two', 'lines"', '3,x'));
    expect(out).toEqual([
      { ok: true, fields: ['h1', 'h2'], line: 1 },
      { ok: true, fields: ['1', 'two\nlines'], line: 2 },
      { ok: true, fields: ['3', 'x'], line: 4 },
    ]);
  });

  it('gives up on an unterminated quote after maxRecordLines and re-reads the lines after it', () => {
    const input = lines('1,"broken', '2,ok', '3,ok', '4,ok');
    const out = parseAll(new CsvReader({ maxRecordLines: 2 }), input);
    expect(out[0]).toMatchObject({
      ok: false,
      line: 1,
      reason: expect.stringMatching(/not closed within 2 lines/),
    });
    expect(out.slice(1)).toEqual([
      { ok: true, fields: ['2', 'ok'], line: 2 },
      { ok: true, fields: ['3', 'ok'], line: 3 },
      { ok: true, fields: ['4', 'ok'], line: 4 },
    ]);
  });

  it('reports a quote still open at the end of the file', () => {
    const out = parseAll(new CsvReader(), lines('1,ok', '2,"open'));
    expect(out).toEqual([
      { ok: true, fields: ['1', 'ok'], line: 1 },
      {
        ok: false,
        line: 2,
        reason: 'a quoted field is not closed before the end of the file',
        text: '2,"open',
      },
    ]);
  });
});

describe('readLines', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'lines-'));

  it('handles CRLF, a BOM and a missing final line end', async () => {
    const file = path.join(dir, 'crlf.csv');
    writeFileSync(file, '\uFEFFa,b\r\n1,2\r\n\r\n3,4');
    const got: Line[] = [];
    for await (const chunk of readLines(file, 2)) got.push(...chunk);
    expect(got).toEqual([
      { text: 'a,b', no: 1 },
      { text: '1,2', no: 2 },
      { text: '', no: 3 },
      { text: '3,4', no: 4 },
    ]);
    expect(await countLines(file)).toBe(4);
    expect(firstLineSync(file)).toBe('a,b');
  });

  it('does not invent a line after a final line end, and keeps multi-byte characters across chunks', async () => {
    const file = path.join(dir, 'lf.txt');
    const long = 'é'.repeat(70_000);
    writeFileSync(file, `x\n${long}\n`);
    const got: Line[] = [];
    for await (const chunk of readLines(file)) got.push(...chunk);
    expect(got.map((l) => l.text.length)).toEqual([1, 70_000]);
    expect(got[1]!.text).toBe(long);
    expect(await countLines(file)).toBe(2);
  });

  it('counts the real files as wc does, plus their unterminated last line', async () => {
    expect(await countLines(path.join(TOLLDATA_DIR, 'vehicle-data.csv'))).toBe(10_000);
    expect(await countLines(path.join(TOLLDATA_DIR, 'payment-data.txt'))).toBe(10_000);
  });
});
