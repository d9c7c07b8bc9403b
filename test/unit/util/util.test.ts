import { describe, expect, it, vi } from 'vitest';
import { Ring } from '../../../src/util/ring.ts';
import { ThrottledStore } from '../../../src/util/store.ts';
import { backoffDelay, waitFor } from '../../../src/util/backoff.ts';

describe('Ring', () => {
  it('keeps the newest entries up to capacity', () => {
    const r = new Ring<number>(3);
    for (let i = 1; i <= 5; i++) r.push(i);
    expect(r.toArray()).toEqual([3, 4, 5]);
    expect(r.newest(2)).toEqual([5, 4]);
    expect(r.size).toBe(3);
  });
});

describe('ThrottledStore', () => {
  it('publishes at most once per interval and only when changed', () => {
    vi.useFakeTimers();
    let n = 0;
    const store = new ThrottledStore(() => ({ n }), 100);
    const listener = vi.fn();
    store.subscribe(listener);
    const first = store.getSnapshot();
    for (let i = 0; i < 50; i++) {
      n++;
      store.touch();
    }
    expect(store.getSnapshot()).toBe(first);
    vi.advanceTimersByTime(100);
    expect(listener).toHaveBeenCalledTimes(1);
    expect(store.getSnapshot()).toEqual({ n: 50 });
    vi.advanceTimersByTime(1000);
    expect(listener).toHaveBeenCalledTimes(1);
    vi.useRealTimers();
  });
});

describe('backoff', () => {
  it('grows exponentially with jitter and caps', () => {
    const at = (a: number, r: number) => backoffDelay(a, { initialMs: 100, maxMs: 1000, random: () => r });
    expect([at(0, 0), at(0, 1), at(3, 1), at(10, 1)]).toEqual([50, 100, 800, 1000]);
  });
  it('waitFor reports what it waited for', async () => {
    await expect(waitFor(() => false, { timeoutMs: 50, intervalMs: 10, what: 'the moon' })).rejects.toThrow(
      /the moon/,
    );
    expect(await waitFor(() => 42)).toBe(42);
  });
});
