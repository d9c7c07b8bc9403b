/**
 * Turns a counter inside an engine snapshot into a bounded series of (time, value) samples, as a store of its
 * own. It samples when the engine publishes, so it costs nothing between snapshots and needs no timer.
 */
import type { ReadableStore } from '../../src/util/store.ts';
import { addSample } from '../header/rates.ts';
import type { Sample } from '../header/rates.ts';

export function samplerStore<S>(
  source: ReadableStore<S>,
  select: (snapshot: S) => number,
  clock: () => number = Date.now,
): ReadableStore<readonly Sample[]> {
  let seen = source.getSnapshot();
  let samples: readonly Sample[] = [{ at: clock(), value: select(seen) }];
  const update = (): void => {
    const next = source.getSnapshot();
    if (next === seen) return;
    seen = next;
    samples = addSample(samples, { at: clock(), value: select(next) });
  };
  return {
    subscribe: (listener) =>
      source.subscribe(() => {
        update();
        listener();
      }),
    getSnapshot: () => {
      update();
      return samples;
    },
  };
}
