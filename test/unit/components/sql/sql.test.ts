import { describe, expect, test } from 'vitest';
import { decodeInput } from '../../../../components/keys/decode.ts';
import { sqlKeys } from '../../../../components/sql/keys.ts';
import { fitResult, tableWidth } from '../../../../components/sql/resultTable.ts';
import {
  HISTORY_LIMIT,
  initialSqlState,
  isComplete,
  pushHistory,
  sqlReducer,
} from '../../../../components/sql/state.ts';
import type { SqlAction, SqlState } from '../../../../components/sql/state.ts';

const key = (s: string) => decodeInput(s)[0]!;

function typeText(state: SqlState, text: string): SqlState {
  let s = state;
  for (const k of decodeInput(text)) for (const a of sqlKeys(s, k, 0, 1).actions) s = sqlReducer(s, a);
  return s;
}

describe('SQL prompt state', () => {
  test('a statement is complete when it ends with ";"', () => {
    expect(isComplete('select 1;')).toBe(true);
    expect(isComplete('select 1;  \n')).toBe(true);
    expect(isComplete('select 1')).toBe(false);
    expect(isComplete(' ; ')).toBe(false);
  });

  test('Enter before ";" starts a new line; Enter after it runs the whole statement', () => {
    let s = typeText(initialSqlState(), 'select plaza_id\r');
    expect(s.text).toBe('select plaza_id\n');
    s = typeText(s, 'from passages;');
    const r = sqlKeys(s, key('\r'), 42, 1);
    expect(r.effects).toEqual([{ kind: 'runSql', sql: 'select plaza_id\nfrom passages;' }]);
    s = sqlReducer(s, r.actions[0]!);
    expect(s).toMatchObject({
      text: '',
      running: { startedAt: 42 },
      history: ['select plaza_id\nfrom passages;'],
    });
  });

  test('editing in the middle: left, insert, backspace, delete, home/end per line', () => {
    let s = typeText(initialSqlState(), 'selct');
    s = sqlReducer(s, { type: 'cursor', to: 'left' });
    s = sqlReducer(s, { type: 'cursor', to: 'left' });
    s = typeText(s, 'e');
    expect(s.text).toBe('select');
    s = sqlReducer(s, { type: 'cursor', to: 'home' });
    s = sqlReducer(s, { type: 'deleteForward' });
    expect(s.text).toBe('elect');
    s = sqlReducer(s, { type: 'cursor', to: 'end' });
    s = sqlReducer(s, { type: 'backspace' });
    expect(s.text).toBe('elec');
  });

  test('↑/↓ browse history and come back to what was being typed', () => {
    let s = initialSqlState(['select 1;', 'select 2;']);
    s = typeText(s, 'sel');
    const up: SqlAction = { type: 'historyPrev' };
    s = sqlReducer(s, up);
    expect(s.text).toBe('select 2;');
    s = sqlReducer(sqlReducer(s, up), up);
    expect(s.text).toBe('select 1;');
    s = sqlReducer(s, { type: 'historyNext' });
    s = sqlReducer(s, { type: 'historyNext' });
    expect(s.text).toBe('sel');
  });

  test('history is bounded and skips an immediate repeat', () => {
    expect(pushHistory(['a;'], 'a;')).toEqual(['a;']);
    const full = Array.from({ length: HISTORY_LIMIT }, (_, i) => `q${i};`);
    const next = pushHistory(full, 'new;');
    expect(next).toHaveLength(HISTORY_LIMIT);
    expect(next[0]).toBe('q1;');
    expect(next.at(-1)).toBe('new;');
  });

  test('Ctrl-C cancels a running query, else clears the input, else quits', () => {
    const running = { ...initialSqlState(), running: { label: 'x', startedAt: 0, cancelling: false } };
    expect(sqlKeys(running, key('\x03'), 0, 1).effects).toEqual([{ kind: 'cancelSql' }]);
    expect(sqlKeys({ ...initialSqlState(), text: 'sel' }, key('\x03'), 0, 1).actions).toEqual([
      { type: 'clearText' },
    ]);
    expect(sqlKeys(initialSqlState(), key('\x03'), 0, 1).effects).toEqual([{ kind: 'quit' }]);
  });

  test('Esc closes a result first, then leaves the prompt', () => {
    const withResult = {
      ...initialSqlState(),
      result: { label: 'x', outcome: { kind: 'refused' as const, reason: 'r' } },
    };
    expect(sqlKeys(withResult, key('\x1b'), 0, 1).actions).toEqual([{ type: 'clearResult' }]);
    expect(sqlKeys(initialSqlState(), key('\x1b'), 0, 1).effects).toEqual([{ kind: 'leavePane' }]);
  });
});

describe('result table fitting', () => {
  test('fits the pane: widest columns shrink first, then trailing columns are left out and counted', () => {
    const columns = ['plaza_id', 'description', 'n'];
    const rows = [['4000', 'x'.repeat(60), '12']];
    const wide = fitResult(columns, rows, 200);
    expect(wide.data[0]!.description).toHaveLength(40);
    const narrow = fitResult(columns, rows, 40);
    expect(
      tableWidth(narrow.keys.map((k, i) => Math.max(k.length, narrow.data[0]![k]!.length, i < 0 ? 0 : 1))),
    ).toBeLessThanOrEqual(40);
    expect(narrow.hiddenColumns).toBe(0);
    expect(narrow.data[0]!.description).toMatch(/…$/);
    const tiny = fitResult(columns, rows, 20);
    expect(tiny.hiddenColumns).toBeGreaterThan(0);
  });

  test('NULL, line breaks, repeated column names, numbers aligned right', () => {
    const r = fitResult(['n', 'n'], [[null, 'a\nb']], 80, [true, false]);
    expect(r.keys).toEqual(['n', 'n~2']);
    expect(r.align).toEqual(['right', 'left']);
    expect(r.data[0]).toEqual({ n: 'NULL', 'n~2': 'a b' });
  });
});
