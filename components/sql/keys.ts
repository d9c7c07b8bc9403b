/**
 * SQL prompt keys (the prompt captures all printable keys while focused). Enter runs the statement once it ends
 * with ";" and otherwise starts a new line; ↑/↓ browse the history; PgUp/PgDn page the result; Ctrl-C cancels
 * a running statement, else clears the input, else quits; Esc closes the result, else leaves the prompt.
 */
import { isCtrl, isNamed } from '../keys/decode.ts';
import type { KeyPress } from '../keys/decode.ts';
import { routed } from '../app/effects-types.ts';
import type { Routed } from '../app/effects-types.ts';
import { isComplete } from './state.ts';
import type { SqlAction, SqlState } from './state.ts';

export function sqlKeys(state: SqlState, key: KeyPress, now: number, pages: number): Routed<SqlAction> {
  if (isCtrl(key, 'c')) {
    if (state.running) {
      return state.running.cancelling
        ? routed()
        : routed([{ type: 'cancelRequested' }], [{ kind: 'cancelSql' }]);
    }
    if (state.text) return routed([{ type: 'clearText' }]);
    return routed([], [{ kind: 'quit' }]);
  }
  if (isNamed(key, 'escape')) {
    return state.result && !state.running
      ? routed([{ type: 'clearResult' }])
      : routed([], [{ kind: 'leavePane' }]);
  }
  if (isNamed(key, 'enter')) {
    if (isComplete(state.text)) {
      if (state.running) return routed();
      const sql = state.text.trim();
      return routed([{ type: 'submitted', sql, at: now }], [{ kind: 'runSql', sql }]);
    }
    return state.text.trim() ? routed([{ type: 'insert', text: '\n' }]) : routed();
  }
  if (isNamed(key, 'backspace')) return routed([{ type: 'backspace' }]);
  if (isNamed(key, 'delete') || isCtrl(key, 'd')) return routed([{ type: 'deleteForward' }]);
  if (isNamed(key, 'left')) return routed([{ type: 'cursor', to: 'left' }]);
  if (isNamed(key, 'right')) return routed([{ type: 'cursor', to: 'right' }]);
  if (isNamed(key, 'home') || isCtrl(key, 'a')) return routed([{ type: 'cursor', to: 'home' }]);
  if (isNamed(key, 'end') || isCtrl(key, 'e')) return routed([{ type: 'cursor', to: 'end' }]);
  if (isNamed(key, 'up')) return routed([{ type: 'historyPrev' }]);
  if (isNamed(key, 'down')) return routed([{ type: 'historyNext' }]);
  if (isNamed(key, 'pageup')) return routed([{ type: 'page', delta: -1, pages }]);
  if (isNamed(key, 'pagedown')) return routed([{ type: 'page', delta: 1, pages }]);
  if (isCtrl(key, 'u')) return routed([{ type: 'clearText' }]);
  if (isCtrl(key, 'l')) return routed([{ type: 'clearResult' }]);
  if (key.kind === 'char') return routed([{ type: 'insert', text: key.char }]);
  return routed();
}
