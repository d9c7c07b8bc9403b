/**
 * Reads an engine store (src/util/store.ts). Engines publish at most every ~150 ms, so a pane re-renders at most
 * that often however fast passages flow; `getSnapshot` returns the same object between publishes.
 */
import { useSyncExternalStore } from 'react';
import type { ReadableStore } from '../../src/util/store.ts';

export function useStore<S>(store: ReadableStore<S>): S {
  return useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
}

/** A store that never changes, for an engine this process does not run (e.g. --role producer has no sink). */
export function staticStore<S>(value: S): ReadableStore<S> {
  return { subscribe: () => () => {}, getSnapshot: () => value };
}
