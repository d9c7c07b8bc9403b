/**
 * Splits the terminal between the panes. Ink 6 clears the whole screen on every frame whose height reaches the
 * terminal's, so the root is one row shorter than the terminal. Below 80×24 nothing fits honestly: the app
 * shows a "too small" screen instead of a garbled one.
 */
import type { PaneId } from './state.ts';

export const MIN_COLUMNS = 80;
export const MIN_ROWS = 24;

export interface PaneBox {
  width: number;
  height: number;
}

export type Layout =
  | { kind: 'tooSmall'; columns: number; rows: number }
  | {
      kind: 'full';
      width: number;
      height: number;
      header: number;
      footer: number;
      middle: number;
      producers: PaneBox;
      vehicles: PaneBox;
      lag: PaneBox;
      throughput: PaneBox;
      sql: PaneBox;
    };

export function computeLayout(columns: number, rows: number, focus: PaneId): Layout {
  if (columns < MIN_COLUMNS || rows < MIN_ROWS) return { kind: 'tooSmall', columns, rows };
  const width = columns;
  const height = rows - 1;
  const header = 2;
  const footer = 1;
  // The prompt takes room while it is focused; otherwise one line (plus its border) sums it up.
  const sqlHeight = focus === 'sql' ? Math.max(8, Math.floor(height * 0.42)) : 3;
  const middle = height - header - footer - sqlHeight;
  const top = Math.max(4, Math.floor(middle * 0.45));
  const bottom = middle - top;
  const left = Math.floor(width * 0.55);
  const right = width - left;
  return {
    kind: 'full',
    width,
    height,
    header,
    footer,
    middle,
    producers: { width: left, height: top },
    lag: { width: left, height: bottom },
    vehicles: { width: right, height: top },
    throughput: { width: right, height: bottom },
    sql: { width, height: sqlHeight },
  };
}
