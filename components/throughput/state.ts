/** UI state of the plaza throughput pane: which page of plazas is shown. */

export interface ThroughputState {
  page: number;
}

export type ThroughputAction = { type: 'page'; delta: number; pages: number } | { type: 'firstPage' };

export const initialThroughputState: ThroughputState = { page: 0 };

export function throughputReducer(state: ThroughputState, action: ThroughputAction): ThroughputState {
  switch (action.type) {
    case 'page': {
      const page = Math.max(0, Math.min(action.pages - 1, state.page + action.delta));
      return page === state.page ? state : { page };
    }
    case 'firstPage':
      return state.page === 0 ? state : { page: 0 };
    default: {
      const never: never = action;
      return never;
    }
  }
}
