/** UI state of the lag pane: sort order of partitions and the scroll offset of the flattened list. */

/** Problems first by default: what a person watching lag wants at the top. */
export const LAG_SORTS = ['status', 'lag', 'timeLag', 'partition'] as const;
export type LagSort = (typeof LAG_SORTS)[number];

export interface LagState {
  sort: LagSort;
  scroll: number;
}

export type LagAction =
  | { type: 'cycleSort' }
  | { type: 'scroll'; delta: number; total: number; visible: number }
  | { type: 'scrollTo'; offset: number };

export const initialLagState: LagState = { sort: LAG_SORTS[0], scroll: 0 };

export function lagReducer(state: LagState, action: LagAction): LagState {
  switch (action.type) {
    case 'cycleSort': {
      const next = LAG_SORTS[(LAG_SORTS.indexOf(state.sort) + 1) % LAG_SORTS.length]!;
      return { sort: next, scroll: 0 };
    }
    case 'scroll': {
      const max = Math.max(0, action.total - action.visible);
      const scroll = Math.max(0, Math.min(max, state.scroll + action.delta));
      return scroll === state.scroll ? state : { ...state, scroll };
    }
    case 'scrollTo':
      return { ...state, scroll: Math.max(0, action.offset) };
    default: {
      const never: never = action;
      return never;
    }
  }
}

export function sortLabel(sort: LagSort): string {
  switch (sort) {
    case 'partition':
      return 'by partition';
    case 'lag':
      return 'by lag';
    case 'timeLag':
      return 'by time lag';
    case 'status':
      return 'by status';
    default: {
      const never: never = sort;
      return never;
    }
  }
}
