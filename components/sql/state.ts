/**
 * UI state of the SQL prompt: the statement being typed (multi-line until it ends with ";"), the history
 * (bounded, persisted by the caller), the running statement and the last outcome with its page.
 */
import type { QueryOutcome } from './types.ts';

export const HISTORY_LIMIT = 500;
const MAX_TEXT = 20_000;

export interface SqlState {
  text: string;
  cursor: number;
  /** Oldest first. */
  history: string[];
  /** Index into history while browsing with ↑/↓; null when editing a new statement. */
  historyIndex: number | null;
  /** What was typed before browsing started, restored when browsing past the newest entry. */
  draft: string;
  running: { label: string; startedAt: number; cancelling: boolean } | null;
  result: { label: string; outcome: QueryOutcome } | null;
  page: number;
}

export type SqlAction =
  | { type: 'insert'; text: string }
  | { type: 'backspace' }
  | { type: 'deleteForward' }
  | { type: 'cursor'; to: 'left' | 'right' | 'home' | 'end' }
  | { type: 'historyPrev' }
  | { type: 'historyNext' }
  | { type: 'clearText' }
  | { type: 'load'; text: string }
  | { type: 'submitted'; sql: string; at: number }
  | { type: 'savedStarted'; name: string; at: number }
  | { type: 'cancelRequested' }
  | { type: 'finished'; outcome: QueryOutcome }
  | { type: 'clearResult' }
  | { type: 'page'; delta: number; pages: number };

export function initialSqlState(history: readonly string[] = []): SqlState {
  return {
    text: '',
    cursor: 0,
    history: history.slice(-HISTORY_LIMIT),
    historyIndex: null,
    draft: '',
    running: null,
    result: null,
    page: 0,
  };
}

/** A statement is complete when it ends with ";" (ignoring trailing blanks), as in the mysql client. */
export function isComplete(text: string): boolean {
  return /;\s*$/.test(text) && text.replace(/;\s*$/, '').trim() !== '';
}

export function pushHistory(history: readonly string[], sql: string): string[] {
  const entry = sql.trim();
  if (!entry || history[history.length - 1] === entry) return [...history];
  return [...history, entry].slice(-HISTORY_LIMIT);
}

function withText(state: SqlState, text: string, cursor: number): SqlState {
  return { ...state, text, cursor: Math.max(0, Math.min(text.length, cursor)), historyIndex: null };
}

export function sqlReducer(state: SqlState, action: SqlAction): SqlState {
  switch (action.type) {
    case 'insert': {
      const room = MAX_TEXT - state.text.length;
      const add = action.text.slice(0, Math.max(0, room));
      const text = state.text.slice(0, state.cursor) + add + state.text.slice(state.cursor);
      return withText(state, text, state.cursor + add.length);
    }
    case 'backspace':
      if (state.cursor === 0) return state;
      return withText(
        state,
        state.text.slice(0, state.cursor - 1) + state.text.slice(state.cursor),
        state.cursor - 1,
      );
    case 'deleteForward':
      if (state.cursor >= state.text.length) return state;
      return withText(
        state,
        state.text.slice(0, state.cursor) + state.text.slice(state.cursor + 1),
        state.cursor,
      );
    case 'cursor': {
      const c = state.cursor;
      const lineStart = state.text.lastIndexOf('\n', c - 1) + 1;
      const nl = state.text.indexOf('\n', c);
      const lineEnd = nl === -1 ? state.text.length : nl;
      const to = { left: c - 1, right: c + 1, home: lineStart, end: lineEnd }[action.to];
      return { ...state, cursor: Math.max(0, Math.min(state.text.length, to)) };
    }
    case 'historyPrev': {
      if (state.history.length === 0) return state;
      const index =
        state.historyIndex === null ? state.history.length - 1 : Math.max(0, state.historyIndex - 1);
      const text = state.history[index]!;
      const draft = state.historyIndex === null ? state.text : state.draft;
      return { ...state, text, cursor: text.length, historyIndex: index, draft };
    }
    case 'historyNext': {
      if (state.historyIndex === null) return state;
      if (state.historyIndex >= state.history.length - 1) {
        return { ...state, text: state.draft, cursor: state.draft.length, historyIndex: null };
      }
      const index = state.historyIndex + 1;
      const text = state.history[index]!;
      return { ...state, text, cursor: text.length, historyIndex: index };
    }
    case 'clearText':
      return { ...state, text: '', cursor: 0, historyIndex: null, draft: '' };
    case 'load':
      return { ...state, text: action.text, cursor: action.text.length, historyIndex: null };
    case 'submitted':
      return {
        ...state,
        text: '',
        cursor: 0,
        draft: '',
        historyIndex: null,
        history: pushHistory(state.history, action.sql),
        running: { label: action.sql.trim(), startedAt: action.at, cancelling: false },
      };
    case 'savedStarted':
      return {
        ...state,
        running: { label: `saved query ${action.name}`, startedAt: action.at, cancelling: false },
      };
    case 'cancelRequested':
      return state.running ? { ...state, running: { ...state.running, cancelling: true } } : state;
    case 'finished':
      return {
        ...state,
        running: null,
        page: 0,
        result: { label: state.running?.label ?? '', outcome: action.outcome },
      };
    case 'clearResult':
      return state.result ? { ...state, result: null, page: 0 } : state;
    case 'page': {
      const page = Math.max(0, Math.min(action.pages - 1, state.page + action.delta));
      return page === state.page ? state : { ...state, page };
    }
    default: {
      const never: never = action;
      return never;
    }
  }
}
