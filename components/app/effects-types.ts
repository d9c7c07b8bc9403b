/**
 * What a key press asks the outside world to do. Key bindings are pure (state + key -> actions + effects); the
 * root component runs these against the engines, the query service and the shutdown path.
 */
import type { Pace } from '../../src/sources/source.ts';

export type Effect =
  | { kind: 'quit' }
  | { kind: 'leavePane' }
  | { kind: 'startProducer'; id: string }
  | { kind: 'stopProducer'; id: string }
  | { kind: 'startAll' }
  | { kind: 'stopAll' }
  | { kind: 'setPace'; id: string; pace: Pace }
  | { kind: 'addProducer'; spec: string }
  | { kind: 'runSql'; sql: string }
  | { kind: 'runSaved'; name: string }
  | { kind: 'cancelSql' };

/** What a pane's key bindings return; null means "not mine", so the key may mean something globally. */
export interface Routed<A> {
  actions: A[];
  effects: Effect[];
}

export function routed<A>(actions: A[] = [], effects: Effect[] = []): Routed<A> {
  return { actions, effects };
}
