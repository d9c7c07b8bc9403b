/** The monitor command's own pieces: SQL history on disk, the query service's translation, crash reports. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { crashFile, crashSummary, writeCrashReport } from '../../../../src/monitor/crash.ts';
import { historyFile, openHistory } from '../../../../src/monitor/history.ts';
import { editableSql, savedInfo, toPromptOutcome } from '../../../../src/monitor/query-service.ts';
import { SAVED_QUERIES } from '../../../../src/query/saved.ts';
import type { SavedQuery } from '../../../../src/query/saved.ts';
import { createLogger } from '../../../../src/util/log.ts';

const dirs: string[] = [];
const tempDir = (): string => {
  const d = mkdtempSync(path.join(tmpdir(), 'tollstream-monitor-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const log = createLogger('test');

describe('SQL history file', () => {
  test('statements (multi-line too) survive a restart, oldest first', () => {
    const dir = tempDir();
    const first = openHistory(dir, log);
    expect(first.initial).toEqual([]);
    first.append('SELECT 1;');
    first.append('SELECT plaza_id\nFROM passages;');
    expect(openHistory(dir, log).initial).toEqual(['SELECT 1;', 'SELECT plaza_id\nFROM passages;']);
  });

  test('bounded: trimmed to the newest entries, and a damaged line does not lose the rest', () => {
    const dir = tempDir();
    writeFileSync(historyFile(dir), '"SELECT 0;"\n{broken\n');
    const h = openHistory(dir, log, 5);
    expect(h.initial).toEqual(['SELECT 0;']);
    for (let i = 1; i <= 12; i++) h.append(`SELECT ${i};`);
    const again = openHistory(dir, log, 5);
    expect(again.initial).toEqual(['SELECT 8;', 'SELECT 9;', 'SELECT 10;', 'SELECT 11;', 'SELECT 12;']);
    expect(readFileSync(historyFile(dir), 'utf8').split('\n').filter(Boolean).length).toBeLessThan(10);
  });
});

describe('query service translation', () => {
  test('rows become text cells with NULL kept apart; refusals lose the redundant prefix', () => {
    const rows = toPromptOutcome({
      kind: 'rows',
      columns: [
        { name: 'plaza_id', type: 'INT', numeric: true },
        { name: 'name', type: 'VARCHAR', numeric: false },
      ],
      rows: [
        [4000, 'Plaza 4000'],
        [4001, null],
      ],
      truncated: true,
      rowCap: 2,
      elapsedMs: 12,
    });
    expect(rows).toEqual({
      kind: 'rows',
      columns: ['plaza_id', 'name'],
      numeric: [true, false],
      rows: [
        ['4000', 'Plaza 4000'],
        ['4001', null],
      ],
      rowCount: 2,
      truncated: true,
      elapsedMs: 12,
    });
    expect(
      toPromptOutcome({ kind: 'refused', reason: 'refused: DELETE statements are not allowed' }),
    ).toEqual({
      kind: 'refused',
      reason: 'DELETE statements are not allowed',
    });
    expect(toPromptOutcome({ kind: 'timeout', limitMs: 10_000, elapsedMs: 11_000 })).toEqual({
      kind: 'error',
      message: 'query exceeded the 10 s limit',
    });
    expect(toPromptOutcome({ kind: 'cancelled', elapsedMs: 900 })).toEqual({
      kind: 'cancelled',
      elapsedMs: 900,
    });
  });

  test('a saved query that needs a value is offered as editable SQL with a visible placeholder', () => {
    const q: SavedQuery = {
      name: 'x',
      description: '',
      params: [
        { name: 'vehicle', kind: 'text', description: '' },
        { name: 'limit', kind: 'int', description: '', default: 100 },
        { name: 'from', kind: 'datetime', description: '', default: null },
      ],
      sql: "SELECT * FROM passages WHERE vehicle_id = :vehicle AND note <> ':not' AND (:from IS NULL) LIMIT :limit",
    };
    expect(editableSql(q)).toBe(
      "SELECT * FROM passages WHERE vehicle_id = '<vehicle>' AND note <> ':not' AND (NULL IS NULL) LIMIT 100;",
    );
    expect(savedInfo(q).runnable).toBe(false);
  });

  test('every saved query is listed; those with only defaulted parameters run directly', () => {
    const infos = SAVED_QUERIES.map(savedInfo);
    expect(infos.map((i) => i.name)).toEqual(SAVED_QUERIES.map((q) => q.name));
    expect(infos.find((i) => i.name === 'vehicle-passages')?.runnable).toBe(false);
    expect(infos.find((i) => i.name === 'busiest-plazas')?.runnable).toBe(true);
    for (const i of infos) expect(i.sql).toMatch(/;$/);
  });
});

describe('crash report', () => {
  test('the stack and the last log lines go to a file under the state directory; the summary names it', () => {
    const dir = tempDir();
    const error = new Error('render exploded', { cause: new Error('deeper') });
    const file = writeCrashReport(dir, error, [
      { at: 2, level: 'warn', namespace: 'sink', message: 'second' },
      { at: 1, level: 'info', namespace: 'sink', message: 'first' },
    ]);
    expect(file).toBe(crashFile(dir));
    const text = readFileSync(file!, 'utf8');
    expect(text).toMatch(/tollstream monitor crashed/);
    expect(text).toMatch(/Error: render exploded\n\s+at /);
    expect(text).toMatch(/cause: Error: deeper/);
    expect(text.indexOf('first')).toBeLessThan(text.indexOf('second'));
    expect(crashSummary(error, file)).toBe(
      `tollstream: the monitor crashed: render exploded\ndetails in ${file}\n`,
    );
  });
});
