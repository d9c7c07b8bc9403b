/**
 * Producers pane keys: ↑/↓ (k/j) select, space start/stop, s/S start/stop all, +/- pace, n add a producer.
 * While the add input is open every printable key is text; Enter submits, Esc cancels.
 */
import type { ProducerSnapshot } from '../../src/engines/types.ts';
import { isChar, isCtrl, isNamed } from '../keys/decode.ts';
import type { KeyPress } from '../keys/decode.ts';
import { routed } from '../app/effects-types.ts';
import type { Routed } from '../app/effects-types.ts';
import { nextPace } from './pace.ts';
import { checkSourceSpec } from './spec.ts';
import type { ProducersAction, ProducersState } from './state.ts';

type R = Routed<ProducersAction>;

function addingKeys(state: ProducersState, key: KeyPress, text: string): R | null {
  if (isNamed(key, 'escape') || isCtrl(key, 'c')) return routed([{ type: 'cancelAdding' }]);
  if (isNamed(key, 'backspace', 'delete')) return routed([{ type: 'addBackspace' }]);
  if (isNamed(key, 'enter')) {
    const error = checkSourceSpec(text);
    if (error) return routed([{ type: 'addRejected', text, error }]);
    return routed([{ type: 'cancelAdding' }], [{ kind: 'addProducer', spec: text.trim() }]);
  }
  if (key.kind === 'char') return routed([{ type: 'addText', text: key.char }]);
  // Swallow everything else so a stray arrow key does not act on the list behind the input.
  return state.adding ? routed() : null;
}

export function isRunningLike(p: ProducerSnapshot): boolean {
  const k = p.status.kind;
  return k === 'running' || k === 'connecting' || k === 'paused' || (k === 'error' && p.status.willRetry);
}

export function producersKeys(state: ProducersState, key: KeyPress, producers: ProducerSnapshot[]): R | null {
  if (state.adding) return addingKeys(state, key, state.adding.text);
  const count = producers.length;
  const selected = producers[Math.min(state.selected, Math.max(0, count - 1))];
  if (isNamed(key, 'up') || isChar(key, 'k')) return routed([{ type: 'move', delta: -1, count }]);
  if (isNamed(key, 'down') || isChar(key, 'j')) return routed([{ type: 'move', delta: 1, count }]);
  if (isNamed(key, 'home')) return routed([{ type: 'move', delta: -count, count }]);
  if (isNamed(key, 'end')) return routed([{ type: 'move', delta: count, count }]);
  if (isChar(key, 'n')) return routed([{ type: 'startAdding' }]);
  if (isChar(key, 's')) return routed([], [{ kind: 'startAll' }]);
  if (isChar(key, 'S')) return routed([], [{ kind: 'stopAll' }]);
  if (!selected) return null;
  if (isChar(key, ' ')) {
    return routed(
      [],
      [
        isRunningLike(selected)
          ? { kind: 'stopProducer', id: selected.id }
          : { kind: 'startProducer', id: selected.id },
      ],
    );
  }
  if (isChar(key, '+', '='))
    return routed([], [{ kind: 'setPace', id: selected.id, pace: nextPace(selected.pace, 1) }]);
  if (isChar(key, '-', '_'))
    return routed([], [{ kind: 'setPace', id: selected.id, pace: nextPace(selected.pace, -1) }]);
  return null;
}
