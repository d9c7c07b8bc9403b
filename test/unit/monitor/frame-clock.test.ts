import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FrameClock } from '../../../src/monitor/frame-clock.ts';
import type { Listener, ReadableStore } from '../../../src/util/store.ts';

function store(initial: number): ReadableStore<number> & { set(v: number): void } {
  let value = initial;
  const listeners = new Set<Listener>();
  return {
    getSnapshot: () => value,
    subscribe: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    set(v) {
      value = v;
      for (const l of listeners) l();
    },
  };
}

describe('FrameClock', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(1_000_000);
  });
  afterEach(() => vi.useRealTimers());

  it('shows a change after a quiet spell at once and paces the ones that follow, stores together', () => {
    const clock = new FrameClock(250);
    const a = store(0);
    const b = store(0);
    const seen: string[] = [];
    clock.pace(a).subscribe(() => seen.push(`a${a.getSnapshot()}`));
    clock.pace(b).subscribe(() => seen.push(`b${b.getSnapshot()}`));

    a.set(1);
    expect(seen).toEqual(['a1']);
    // A burst from both stores within the frame: one notification each, together, on the next frame.
    vi.advanceTimersByTime(50);
    a.set(2);
    b.set(1);
    a.set(3);
    vi.advanceTimersByTime(100);
    expect(seen).toEqual(['a1']);
    vi.advanceTimersByTime(100);
    expect(seen).toEqual(['a1', 'a3', 'b1']);
    // Sustained updates every 40 ms: at most one frame per 250 ms.
    for (let i = 0; i < 25; i++) {
      a.set(10 + i);
      vi.advanceTimersByTime(40);
    }
    expect(seen.length - 3).toBeLessThanOrEqual(Math.ceil(1000 / 250));
    expect(seen.length - 3).toBeGreaterThanOrEqual(3);
  });

  it('drops a pending notification of a listener that unsubscribed', () => {
    const clock = new FrameClock(250);
    const a = store(0);
    const seen: number[] = [];
    const off = clock.pace(a).subscribe(() => seen.push(a.getSnapshot()));
    a.set(1);
    a.set(2);
    off();
    vi.advanceTimersByTime(500);
    expect(seen).toEqual([1]);
    expect(clock.pace(a).getSnapshot()).toBe(2);
  });
});
