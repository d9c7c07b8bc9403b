/** Live-vehicles keys: p pauses/resumes the tail, / edits the filter (Enter keeps it, Esc reverts), Esc clears. */
import type { PersistedPassage } from '../../src/engines/types.ts';
import { isChar, isCtrl, isNamed } from '../keys/decode.ts';
import type { KeyPress } from '../keys/decode.ts';
import { routed } from '../app/effects-types.ts';
import type { Routed } from '../app/effects-types.ts';
import type { VehiclesAction, VehiclesState } from './state.ts';

export function vehiclesKeys(
  state: VehiclesState,
  key: KeyPress,
  current: readonly PersistedPassage[],
): Routed<VehiclesAction> | null {
  if (state.editing !== null) {
    if (isNamed(key, 'enter')) return routed([{ type: 'commitFilter' }]);
    if (isNamed(key, 'escape') || isCtrl(key, 'c')) return routed([{ type: 'cancelFilter' }]);
    if (isNamed(key, 'backspace', 'delete')) return routed([{ type: 'filterBackspace' }]);
    if (key.kind === 'char') return routed([{ type: 'filterText', text: key.char }]);
    return routed();
  }
  if (isChar(key, 'p')) return routed([{ type: 'togglePause', current }]);
  if (isChar(key, '/')) return routed([{ type: 'startFilter' }]);
  if (isNamed(key, 'escape') && state.filter) return routed([{ type: 'clearFilter' }]);
  return null;
}
