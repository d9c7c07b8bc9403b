/** Plaza throughput keys: ] / PgDn next page, [ / PgUp previous page, Home first page. */
import { isChar, isNamed } from '../keys/decode.ts';
import type { KeyPress } from '../keys/decode.ts';
import { routed } from '../app/effects-types.ts';
import type { Routed } from '../app/effects-types.ts';
import type { ThroughputAction } from './state.ts';

export function throughputKeys(key: KeyPress, pages: number): Routed<ThroughputAction> | null {
  if (isChar(key, ']') || isNamed(key, 'pagedown')) return routed([{ type: 'page', delta: 1, pages }]);
  if (isChar(key, '[') || isNamed(key, 'pageup')) return routed([{ type: 'page', delta: -1, pages }]);
  if (isNamed(key, 'home')) return routed([{ type: 'firstPage' }]);
  return null;
}
