/** UI state of the producers pane: which row is selected and the "add a producer" input. */

export interface ProducersState {
  selected: number;
  /** The source spec being typed after `n`; null when not adding. */
  adding: { text: string; error: string | null } | null;
  notice: { tone: 'good' | 'bad'; text: string } | null;
}

export type ProducersAction =
  | { type: 'move'; delta: number; count: number }
  | { type: 'startAdding' }
  | { type: 'addText'; text: string }
  | { type: 'addBackspace' }
  | { type: 'cancelAdding' }
  | { type: 'addRejected'; text: string; error: string }
  | { type: 'added'; name: string; count: number }
  | { type: 'notice'; tone: 'good' | 'bad'; text: string };

export const initialProducersState: ProducersState = { selected: 0, adding: null, notice: null };

const MAX_SPEC = 500;

export function producersReducer(state: ProducersState, action: ProducersAction): ProducersState {
  switch (action.type) {
    case 'move': {
      if (action.count <= 0) return state.selected === 0 ? state : { ...state, selected: 0 };
      const selected = Math.max(0, Math.min(action.count - 1, state.selected + action.delta));
      return selected === state.selected ? state : { ...state, selected };
    }
    case 'startAdding':
      return { ...state, adding: { text: '', error: null }, notice: null };
    case 'addText':
      if (!state.adding) return state;
      return {
        ...state,
        adding: { text: (state.adding.text + action.text).slice(0, MAX_SPEC), error: null },
      };
    case 'addBackspace':
      if (!state.adding) return state;
      return { ...state, adding: { text: state.adding.text.slice(0, -1), error: null } };
    case 'cancelAdding':
      return state.adding ? { ...state, adding: null } : state;
    case 'addRejected':
      return { ...state, adding: { text: action.text, error: action.error } };
    case 'added':
      return {
        ...state,
        adding: null,
        selected: Math.max(0, action.count - 1),
        notice: { tone: 'good', text: `added ${action.name}` },
      };
    case 'notice':
      return { ...state, notice: { tone: action.tone, text: action.text } };
    default: {
      const never: never = action;
      return never;
    }
  }
}
