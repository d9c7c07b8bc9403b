/** Lag pane keys: o cycles the sort order, ↑/↓ (k/j) and PgUp/PgDn scroll, Home jumps to the top. */
import { isChar, isNamed } from '../keys/decode.ts';
import type { KeyPress } from '../keys/decode.ts';
import { routed } from '../app/effects-types.ts';
import type { Routed } from '../app/effects-types.ts';
import type { LagAction } from './state.ts';

export function lagKeys(key: KeyPress, total: number, visible: number): Routed<LagAction> | null {
  const scroll = (delta: number): Routed<LagAction> => routed([{ type: 'scroll', delta, total, visible }]);
  if (isChar(key, 'o')) return routed([{ type: 'cycleSort' }]);
  if (isNamed(key, 'up') || isChar(key, 'k')) return scroll(-1);
  if (isNamed(key, 'down') || isChar(key, 'j')) return scroll(1);
  if (isNamed(key, 'pageup')) return scroll(-Math.max(1, visible - 1));
  if (isNamed(key, 'pagedown')) return scroll(Math.max(1, visible - 1));
  if (isNamed(key, 'home')) return routed([{ type: 'scrollTo', offset: 0 }]);
  if (isNamed(key, 'end')) return scroll(total);
  return null;
}
