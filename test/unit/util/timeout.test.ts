import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { settleWithin, TimeoutError, withTimeout } from '../../../src/util/timeout.ts';

describe('withTimeout', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('settles as the work does and leaves no timer behind', async () => {
    await expect(withTimeout(Promise.resolve(7), 1000, 'the answer')).resolves.toBe(7);
    await expect(withTimeout(Promise.reject(new Error('refused')), 1000, 'MySQL')).rejects.toThrow('refused');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects with a TimeoutError naming what did not answer, after releasing it', async () => {
    const released: string[] = [];
    const late = withTimeout(new Promise<never>(() => {}), 1500, 'broker 127.0.0.1:9092', () =>
      released.push('connection'),
    );
    const outcome = late.catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(1499);
    expect(released).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    const error = await outcome;
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as Error).message).toBe('broker 127.0.0.1:9092 did not answer within 1500 ms');
    expect(released).toEqual(['connection']);
  });

  it('settleWithin says how a shutdown step ended and never throws', async () => {
    expect(await settleWithin(undefined, 100, 'nothing')).toBe('done');
    expect(await settleWithin(Promise.resolve(), 100, 'flush')).toBe('done');
    expect(await settleWithin(Promise.reject(new Error('gone')), 100, 'disconnect')).toBe('failed');
    const hung = settleWithin(new Promise(() => {}), 100, 'leaving the group');
    await vi.advanceTimersByTimeAsync(100);
    expect(await hung).toBe('timeout');
    expect(vi.getTimerCount()).toBe(0);
  });
});
