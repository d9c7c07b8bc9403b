/**
 * UI state of the anomalies view: which finding is selected. The list moves under the cursor as new findings
 * arrive at the top, so the selection follows the finding (its id), and falls back to the same row when that
 * finding has left the list.
 */
import type { Finding } from './types.ts';

export interface AnomaliesState {
  /** null: the newest finding. */
  selectedId: string | null;
  selectedIndex: number;
}

export type AnomaliesAction = { type: 'select'; id: string; index: number };

export const initialAnomaliesState: AnomaliesState = { selectedId: null, selectedIndex: 0 };

export function anomaliesReducer(state: AnomaliesState, action: AnomaliesAction): AnomaliesState {
  switch (action.type) {
    case 'select':
      return state.selectedId === action.id && state.selectedIndex === action.index
        ? state
        : { selectedId: action.id, selectedIndex: action.index };
    default: {
      const never: never = action.type;
      return never;
    }
  }
}

/** Index of the selected finding in `findings` (0 when the list is empty). */
export function selectedIndex(state: AnomaliesState, findings: readonly Finding[]): number {
  if (findings.length === 0) return 0;
  if (state.selectedId !== null) {
    const i = findings.findIndex((f) => f.anomalyId === state.selectedId);
    if (i !== -1) return i;
  }
  return Math.min(Math.max(0, state.selectedIndex), findings.length - 1);
}

export function selectedFinding(state: AnomaliesState, findings: readonly Finding[]): Finding | undefined {
  return findings[selectedIndex(state, findings)];
}
