/**
 * Anomalies view keys for moving through the findings: ↑/↓ (k/j), PgUp/PgDn, Home/End. Enter, `p` and closing
 * the view are root concerns (they change focus and the SQL prompt): components/app/keys.ts handles them.
 */
import { isChar, isNamed } from '../keys/decode.ts';
import type { KeyPress } from '../keys/decode.ts';
import { routed } from '../app/effects-types.ts';
import type { Routed } from '../app/effects-types.ts';
import { selectedIndex } from './state.ts';
import type { AnomaliesAction, AnomaliesState } from './state.ts';
import type { Finding } from './types.ts';

export function anomaliesKeys(
  state: AnomaliesState,
  key: KeyPress,
  findings: readonly Finding[],
  page: number,
): Routed<AnomaliesAction> | null {
  let delta: number;
  if (isNamed(key, 'up') || isChar(key, 'k')) delta = -1;
  else if (isNamed(key, 'down') || isChar(key, 'j')) delta = 1;
  else if (isNamed(key, 'pageup')) delta = -Math.max(1, page);
  else if (isNamed(key, 'pagedown')) delta = Math.max(1, page);
  else if (isNamed(key, 'home')) delta = -findings.length;
  else if (isNamed(key, 'end')) delta = findings.length;
  else return null;
  if (findings.length === 0) return routed();
  const index = Math.max(0, Math.min(findings.length - 1, selectedIndex(state, findings) + delta));
  return routed([{ type: 'select', id: findings[index]!.anomalyId, index }]);
}
