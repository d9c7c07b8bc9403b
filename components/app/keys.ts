/**
 * Routes one key press: overlays first, then keys that work everywhere, then the focused pane. Pure, so the
 * whole key map is unit-tested without a terminal; the root component runs the returned effects.
 */
import type { PersistedPassage, ProducerSnapshot } from '../../src/engines/types.ts';
import { anomaliesKeys } from '../anomalies/keys.ts';
import { selectedFinding } from '../anomalies/state.ts';
import type { Finding } from '../anomalies/types.ts';
import { isChar, isCtrl, isNamed } from '../keys/decode.ts';
import type { KeyPress } from '../keys/decode.ts';
import { lagKeys } from '../lag/keys.ts';
import { producersKeys } from '../producers/keys.ts';
import { sqlKeys } from '../sql/keys.ts';
import type { SavedQueryInfo } from '../sql/types.ts';
import { throughputKeys } from '../throughput/keys.ts';
import { vehiclesKeys } from '../vehicles/keys.ts';
import type { Effect, Routed } from './effects-types.ts';
import { isCapturingText, PANES } from './state.ts';
import type { MonitorAction, MonitorState, PaneId } from './state.ts';

/** What the bindings need to know about the engines and the screen at the moment of the key press. */
export interface KeyContext {
  now: number;
  tooSmall: boolean;
  producers: readonly ProducerSnapshot[];
  recent: readonly PersistedPassage[];
  lagLines: number;
  lagVisible: number;
  throughputPages: number;
  sqlPages: number;
  saved: readonly SavedQueryInfo[];
  hasQuery: boolean;
  /** The findings the anomalies view lists, and how many fit on a page (none when it reads no anomalies). */
  findings?: readonly Finding[];
  findingsVisible?: number;
}

export type RoutedKey = Routed<MonitorAction>;

const NOTHING: RoutedKey = { actions: [], effects: [] };

function quit(): RoutedKey {
  return { actions: [{ type: 'quitting' }], effects: [{ kind: 'quit' }] };
}

/** Lifts a pane's result into root actions; "leave the pane" and "quit" become root concerns here. */
function lift<A>(wrap: (a: A) => MonitorAction, r: Routed<A> | null): RoutedKey | null {
  if (!r) return null;
  const actions: MonitorAction[] = r.actions.map(wrap);
  const effects: Effect[] = [];
  for (const e of r.effects) {
    if (e.kind === 'leavePane') actions.push({ type: 'focusBack' });
    else if (e.kind === 'quit') return quit();
    else effects.push(e);
  }
  return { actions, effects };
}

function savedQuery(state: MonitorState, n: number, ctx: KeyContext): RoutedKey {
  const q = ctx.saved[n - 1];
  if (!q || !ctx.hasQuery) return NOTHING;
  const focus: MonitorAction = { type: 'focus', pane: 'sql' };
  if (!q.runnable)
    return { actions: [focus, { type: 'sql', action: { type: 'load', text: q.sql } }], effects: [] };
  if (state.sql.running) return { actions: [focus], effects: [] };
  return {
    actions: [focus, { type: 'sql', action: { type: 'savedStarted', name: q.name, at: ctx.now } }],
    effects: [{ kind: 'runSaved', name: q.name }],
  };
}

function paneKeys(state: MonitorState, key: KeyPress, ctx: KeyContext, pane: PaneId): RoutedKey | null {
  switch (pane) {
    case 'producers':
      return lift(
        (action) => ({ type: 'producers', action }),
        producersKeys(state.producers, key, [...ctx.producers]),
      );
    case 'lag':
      return lift((action) => ({ type: 'lag', action }), lagKeys(key, ctx.lagLines, ctx.lagVisible));
    case 'vehicles':
      return lift((action) => ({ type: 'vehicles', action }), vehiclesKeys(state.vehicles, key, ctx.recent));
    case 'throughput':
      return lift((action) => ({ type: 'throughput', action }), throughputKeys(key, ctx.throughputPages));
    case 'sql':
      return lift((action) => ({ type: 'sql', action }), sqlKeys(state.sql, key, ctx.now, ctx.sqlPages));
    default: {
      const never: never = pane;
      return never;
    }
  }
}

/**
 * The anomalies view: it lists findings to move through, and Enter (the finding's vehicle or plaza) or `p` (the
 * plaza's findings) closes it and loads that query into the SQL prompt, to run with Enter or edit first.
 */
function anomaliesOverlayKeys(state: MonitorState, key: KeyPress, ctx: KeyContext): RoutedKey {
  if (isCtrl(key, 'c')) return quit();
  if (isNamed(key, 'escape') || isChar(key, 'q', 'a')) {
    return { actions: [{ type: 'overlay', overlay: 'none' }], effects: [] };
  }
  if (isChar(key, '?')) return { actions: [{ type: 'overlay', overlay: 'help' }], effects: [] };
  if (isChar(key, 'l')) return { actions: [{ type: 'overlay', overlay: 'log' }], effects: [] };
  if (isNamed(key, 'enter') || isChar(key, 'p')) {
    const finding = selectedFinding(state.anomalies, ctx.findings ?? []);
    const query = isChar(key, 'p') ? finding?.plazaQuery : finding?.query;
    if (!query) return NOTHING;
    return {
      actions: [
        { type: 'overlay', overlay: 'none' },
        { type: 'focus', pane: 'sql' },
        { type: 'sql', action: { type: 'load', text: query.sql } },
      ],
      effects: [],
    };
  }
  return (
    lift(
      (action) => ({ type: 'anomalies', action }),
      anomaliesKeys(state.anomalies, key, ctx.findings ?? [], ctx.findingsVisible ?? 1),
    ) ?? NOTHING
  );
}

export function routeKey(state: MonitorState, key: KeyPress, ctx: KeyContext): RoutedKey {
  if (state.quitting) return NOTHING;
  if (ctx.tooSmall) return isChar(key, 'q') || isCtrl(key, 'c') ? quit() : NOTHING;
  if (state.overlay === 'anomalies') return anomaliesOverlayKeys(state, key, ctx);
  if (state.overlay !== 'none') {
    if (isCtrl(key, 'c')) return quit();
    if (isNamed(key, 'escape', 'enter') || isChar(key, 'q', '?', 'l')) {
      return { actions: [{ type: 'overlay', overlay: 'none' }], effects: [] };
    }
    return NOTHING;
  }
  if (isNamed(key, 'tab')) return { actions: [{ type: 'focusStep', delta: 1 }], effects: [] };
  if (isNamed(key, 'backtab')) return { actions: [{ type: 'focusStep', delta: -1 }], effects: [] };
  if (key.kind === 'fn') return savedQuery(state, key.n, ctx);
  if (isCapturingText(state)) return paneKeys(state, key, ctx, state.focus) ?? NOTHING;
  if (isChar(key, 'q') || isCtrl(key, 'c')) return quit();
  if (isChar(key, '?')) return { actions: [{ type: 'overlay', overlay: 'help' }], effects: [] };
  if (isChar(key, 'l')) return { actions: [{ type: 'overlay', overlay: 'log' }], effects: [] };
  if (isChar(key, 'a')) return { actions: [{ type: 'overlay', overlay: 'anomalies' }], effects: [] };
  if (isChar(key, ':')) return { actions: [{ type: 'focus', pane: 'sql' }], effects: [] };
  if (key.kind === 'char' && /^[1-5]$/.test(key.char)) {
    return { actions: [{ type: 'focus', pane: PANES[Number(key.char) - 1]! }], effects: [] };
  }
  return paneKeys(state, key, ctx, state.focus) ?? NOTHING;
}
