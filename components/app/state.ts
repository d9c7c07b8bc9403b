/**
 * The monitor's whole UI state: which pane has focus, which overlay is open, and each pane's own state. Pure;
 * every pane action is wrapped so the root reducer can hand it to that pane's reducer.
 */
import { anomaliesReducer, initialAnomaliesState } from '../anomalies/state.ts';
import type { AnomaliesAction, AnomaliesState } from '../anomalies/state.ts';
import { initialLagState, lagReducer } from '../lag/state.ts';
import type { LagAction, LagState } from '../lag/state.ts';
import { initialProducersState, producersReducer } from '../producers/state.ts';
import type { ProducersAction, ProducersState } from '../producers/state.ts';
import { initialSqlState, sqlReducer } from '../sql/state.ts';
import type { SqlAction, SqlState } from '../sql/state.ts';
import { initialThroughputState, throughputReducer } from '../throughput/state.ts';
import type { ThroughputAction, ThroughputState } from '../throughput/state.ts';
import { initialVehiclesState, vehiclesReducer } from '../vehicles/state.ts';
import type { VehiclesAction, VehiclesState } from '../vehicles/state.ts';

export const PANES = ['producers', 'lag', 'vehicles', 'throughput', 'sql'] as const;
export type PaneId = (typeof PANES)[number];
export type Overlay = 'none' | 'help' | 'log' | 'anomalies';

export interface MonitorState {
  focus: PaneId;
  /** Where Esc from the SQL prompt returns to. */
  previousFocus: PaneId;
  overlay: Overlay;
  quitting: boolean;
  producers: ProducersState;
  lag: LagState;
  vehicles: VehiclesState;
  throughput: ThroughputState;
  sql: SqlState;
  anomalies: AnomaliesState;
}

export type MonitorAction =
  | { type: 'focus'; pane: PaneId }
  | { type: 'focusStep'; delta: 1 | -1 }
  | { type: 'focusBack' }
  | { type: 'overlay'; overlay: Overlay }
  | { type: 'quitting' }
  | { type: 'producers'; action: ProducersAction }
  | { type: 'lag'; action: LagAction }
  | { type: 'vehicles'; action: VehiclesAction }
  | { type: 'throughput'; action: ThroughputAction }
  | { type: 'sql'; action: SqlAction }
  | { type: 'anomalies'; action: AnomaliesAction };

export function initialMonitorState(history: readonly string[] = []): MonitorState {
  return {
    focus: 'producers',
    previousFocus: 'producers',
    overlay: 'none',
    quitting: false,
    producers: initialProducersState,
    lag: initialLagState,
    vehicles: initialVehiclesState,
    throughput: initialThroughputState,
    sql: initialSqlState(history),
    anomalies: initialAnomaliesState,
  };
}

function focus(state: MonitorState, pane: PaneId): MonitorState {
  if (pane === state.focus) return state;
  return { ...state, focus: pane, previousFocus: state.focus };
}

export function monitorReducer(state: MonitorState, action: MonitorAction): MonitorState {
  switch (action.type) {
    case 'focus':
      return focus(state, action.pane);
    case 'focusStep': {
      const i = PANES.indexOf(state.focus);
      return focus(state, PANES[(i + action.delta + PANES.length) % PANES.length]!);
    }
    case 'focusBack':
      return focus(state, state.previousFocus === 'sql' ? 'producers' : state.previousFocus);
    case 'overlay':
      return state.overlay === action.overlay ? state : { ...state, overlay: action.overlay };
    case 'quitting':
      return { ...state, quitting: true, overlay: 'none' };
    case 'producers': {
      const next = producersReducer(state.producers, action.action);
      return next === state.producers ? state : { ...state, producers: next };
    }
    case 'lag': {
      const next = lagReducer(state.lag, action.action);
      return next === state.lag ? state : { ...state, lag: next };
    }
    case 'vehicles': {
      const next = vehiclesReducer(state.vehicles, action.action);
      return next === state.vehicles ? state : { ...state, vehicles: next };
    }
    case 'throughput': {
      const next = throughputReducer(state.throughput, action.action);
      return next === state.throughput ? state : { ...state, throughput: next };
    }
    case 'sql': {
      const next = sqlReducer(state.sql, action.action);
      return next === state.sql ? state : { ...state, sql: next };
    }
    case 'anomalies': {
      const next = anomaliesReducer(state.anomalies, action.action);
      return next === state.anomalies ? state : { ...state, anomalies: next };
    }
    default: {
      const never: never = action;
      return never;
    }
  }
}

/** True when the focused pane is taking typed text, so global single-letter keys must not fire. */
export function isCapturingText(state: MonitorState): boolean {
  return (
    state.focus === 'sql' ||
    (state.focus === 'producers' && state.producers.adding !== null) ||
    (state.focus === 'vehicles' && state.vehicles.editing !== null)
  );
}
