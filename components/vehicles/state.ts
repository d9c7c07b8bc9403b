/** UI state of the live-vehicles pane: a frozen copy while paused, and the plaza / vehicle-type filter. */
import type { PersistedPassage } from '../../src/engines/types.ts';

export interface VehiclesState {
  /** The passages shown when the tail was paused; null while live. */
  frozen: readonly PersistedPassage[] | null;
  filter: string;
  /** Text being typed after `/`; applied live, committed with Enter, reverted with Esc. */
  editing: string | null;
}

export type VehiclesAction =
  | { type: 'togglePause'; current: readonly PersistedPassage[] }
  | { type: 'startFilter' }
  | { type: 'filterText'; text: string }
  | { type: 'filterBackspace' }
  | { type: 'commitFilter' }
  | { type: 'cancelFilter' }
  | { type: 'clearFilter' };

export const initialVehiclesState: VehiclesState = { frozen: null, filter: '', editing: null };

const MAX_FILTER = 80;

export function vehiclesReducer(state: VehiclesState, action: VehiclesAction): VehiclesState {
  switch (action.type) {
    case 'togglePause':
      return { ...state, frozen: state.frozen ? null : [...action.current] };
    case 'startFilter':
      return { ...state, editing: state.filter };
    case 'filterText':
      return state.editing === null
        ? state
        : { ...state, editing: (state.editing + action.text).slice(0, MAX_FILTER) };
    case 'filterBackspace':
      return state.editing === null ? state : { ...state, editing: state.editing.slice(0, -1) };
    case 'commitFilter':
      return state.editing === null ? state : { ...state, filter: state.editing.trim(), editing: null };
    case 'cancelFilter':
      return { ...state, editing: null };
    case 'clearFilter':
      return state.filter === '' && state.editing === null ? state : { ...state, filter: '', editing: null };
    default: {
      const never: never = action;
      return never;
    }
  }
}

/** The filter in effect: what is being typed wins, so the list follows the keystrokes. */
export function activeFilter(state: VehiclesState): string {
  return (state.editing ?? state.filter).trim();
}
