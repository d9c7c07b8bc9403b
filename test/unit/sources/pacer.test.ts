import { describe, expect, it } from 'vitest';
import { assertPace, Pacer, type PacerClock } from '../../../src/sources/pacer.ts';
import { Backlog, pacedBatches } from '../../../src/sources/batches.ts';

/** A clock whose sleeps advance time instantly, so pacing arithmetic is tested without waiting. */
function fakeClock(): { clock: PacerClock; sleeps: number[]; advance(ms: number): void; now(): number } {
  let t = 1_000;
  const sleeps: number[] = [];
  return {
    clock: {
      now: () => t,
      sleep: async (ms, signals) => {
        sleeps.push(ms);
        if (!signals.some((s) => s.aborted)) t += ms;
      },
    },
    sleeps,
    advance: (ms) => {
      t += ms;
    },
    now: () => t,
  };
}

const live = (): AbortSignal => new AbortController().signal;

describe('Pacer, rate mode', () => {
  it('admits perSecond events per second on average, in ~50 ms batches, with computed (not busy) waits', async () => {
    const fake = fakeClock();
    const pacer = new Pacer({ kind: 'rate', perSecond: 1000 }, { clock: fake.clock });
    let granted = 0;
    let calls = 0;
    while (fake.now() < 1_000 + 10_000) {
      granted += await pacer.acquire(500, live());
      calls++;
    }
    // 10 s at 1000/s, plus the initial bucket of 100 ms worth.
    expect(granted).toBeGreaterThanOrEqual(10_000);
    expect(granted).toBeLessThanOrEqual(10_150);
    expect(calls).toBeLessThan(250);
    expect(Math.min(...fake.sleeps)).toBeGreaterThanOrEqual(40);
  });

  it('lets a slow rate out one event at a time, spaced evenly', async () => {
    const fake = fakeClock();
    const pacer = new Pacer({ kind: 'rate', perSecond: 10 }, { clock: fake.clock });
    const times: number[] = [];
    for (let i = 0; i < 6; i++) {
      expect(await pacer.acquire(500, live())).toBe(1);
      times.push(fake.now());
    }
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    expect(gaps).toEqual([100, 100, 100, 100, 100]);
  });

  it('tolerates a burst of at most ~100 ms worth after idling', async () => {
    const fake = fakeClock();
    const pacer = new Pacer({ kind: 'rate', perSecond: 2000 }, { clock: fake.clock });
    await pacer.acquire(500, live());
    fake.advance(5_000);
    let burst = 0;
    const start = fake.now();
    for (;;) {
      const n = await pacer.acquire(500, live());
      if (fake.now() !== start) break;
      burst += n;
    }
    expect(burst).toBe(200);
  });

  it('never waits when the rate is 0 (unlimited)', async () => {
    const fake = fakeClock();
    const pacer = new Pacer({ kind: 'rate', perSecond: 0 }, { clock: fake.clock });
    expect(await pacer.acquire(500, live())).toBe(500);
    expect(fake.sleeps).toEqual([]);
  });

  it('applies a new rate at once', async () => {
    const fake = fakeClock();
    const pacer = new Pacer({ kind: 'rate', perSecond: 10 }, { clock: fake.clock });
    await pacer.acquire(500, live());
    pacer.setPace({ kind: 'rate', perSecond: 10_000 });
    const t0 = fake.now();
    let n = 0;
    while (fake.now() < t0 + 1_000) n += await pacer.acquire(500, live());
    expect(n).toBeGreaterThan(9_000);
    expect(n).toBeLessThan(11_000);
  });
});

describe('Pacer, speed mode', () => {
  it('maps event-time gaps to wall time divided by the factor', () => {
    const fake = fakeClock();
    const pacer = new Pacer({ kind: 'speed', factor: 60 }, { clock: fake.clock });
    const t0 = Date.UTC(2021, 7, 19);
    expect(pacer.dueAt(t0)).toBe(fake.now());
    expect(pacer.dueAt(t0 + 3_600_000) - fake.now()).toBe(60_000);
  });

  it('waits until the event is due, and not for "max"', async () => {
    const fake = fakeClock();
    const pacer = new Pacer({ kind: 'speed', factor: 2 }, { clock: fake.clock });
    expect(await pacer.waitUntilDue(10_000, live())).toBe('ready');
    expect(await pacer.waitUntilDue(12_000, live())).toBe('ready');
    expect(fake.sleeps).toEqual([1_000]);
    pacer.setPace({ kind: 'speed', factor: 'max' });
    expect(await pacer.waitUntilDue(99_000_000, live())).toBe('ready');
    expect(fake.sleeps).toEqual([1_000]);
  });

  it('re-anchors after falling more than a second behind instead of flooding', async () => {
    const fake = fakeClock();
    const pacer = new Pacer({ kind: 'speed', factor: 1 }, { clock: fake.clock });
    await pacer.waitUntilDue(0, live());
    fake.advance(60_000); // the producer was blocked for a minute
    await pacer.waitUntilDue(1_000, live());
    expect(pacer.dueAt(1_500) - fake.now()).toBe(500);
  });

  it('keeps the replay position when the speed changes', () => {
    const fake = fakeClock();
    const pacer = new Pacer({ kind: 'speed', factor: 1 }, { clock: fake.clock });
    pacer.anchor(0);
    fake.advance(30_000); // half way to an event one minute ahead
    pacer.setPace({ kind: 'speed', factor: 60 });
    expect(pacer.dueAt(60_000) - fake.now()).toBe(500);
  });
});

describe('Pacer, waking and aborting (real timers)', () => {
  it('wakes a sleeping wait when the pace changes', async () => {
    const pacer = new Pacer({ kind: 'speed', factor: 1 });
    pacer.anchor(0);
    const started = performance.now();
    const wait = pacer.waitUntilDue(10_000, live());
    setTimeout(() => pacer.setPace({ kind: 'speed', factor: 'max' }), 30);
    expect(await wait).toBe('changed');
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('wakes a rate wait too, and grants under the new rate', async () => {
    const pacer = new Pacer({ kind: 'rate', perSecond: 0.1 });
    await pacer.acquire(1, live());
    const started = performance.now();
    setTimeout(() => pacer.setPace({ kind: 'rate', perSecond: 1000 }), 30);
    expect(await pacer.acquire(10, live())).toBeGreaterThan(0);
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('returns promptly when aborted', async () => {
    const pacer = new Pacer({ kind: 'rate', perSecond: 0.1 });
    await pacer.acquire(1, live());
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    const started = performance.now();
    expect(await pacer.acquire(1, controller.signal)).toBe(0);
    expect(await new Pacer({ kind: 'speed', factor: 1 }).waitUntilDue(0, controller.signal)).toBe('aborted');
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('rejects a pace nobody can follow', () => {
    expect(() => assertPace({ kind: 'rate', perSecond: -1 })).toThrow(/rate/);
    expect(() => assertPace({ kind: 'speed', factor: 0 })).toThrow(/speed/);
    expect(() => new Pacer({ kind: 'speed', factor: Number.NaN })).toThrow(RangeError);
  });
});

describe('pacedBatches', () => {
  const stream = (times: number[], chunk = 1000) =>
    new Backlog<number>(async function* () {
      for (let i = 0; i < times.length; i += chunk) yield times.slice(i, i + chunk);
    });

  it('at speed, groups what is due within the batch window', async () => {
    const fake = fakeClock();
    const pacer = new Pacer({ kind: 'speed', factor: 1 }, { clock: fake.clock });
    const times = Array.from({ length: 200 }, (_, i) => i * 10); // one event every 10 ms
    const sizes: number[] = [];
    for await (const b of pacedBatches(stream(times), pacer, live(), (t) => t)) sizes.push(b.length);
    expect(sizes.reduce((a, b) => a + b)).toBe(200);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(6);
    expect(sizes.length).toBeGreaterThan(30);
  });

  it('at "max", yields batches of 500', async () => {
    const pacer = new Pacer({ kind: 'speed', factor: 'max' });
    const sizes: number[] = [];
    for await (const b of pacedBatches(stream(Array(1200).fill(0), 600), pacer, live(), (t) => t))
      sizes.push(b.length);
    expect(sizes).toEqual([500, 100, 500, 100]);
  });

  it('at a rate, takes only as many tokens as the chunk can use', async () => {
    const fake = fakeClock();
    const pacer = new Pacer({ kind: 'rate', perSecond: 1000 }, { clock: fake.clock });
    const start = fake.now();
    let n = 0;
    for await (const b of pacedBatches(stream(Array(5000).fill(0), 70), pacer, live(), (t) => t))
      n += b.length;
    expect(n).toBe(5000);
    const seconds = (fake.now() - start) / 1000;
    expect(seconds).toBeGreaterThan(4.7);
    expect(seconds).toBeLessThan(5.1);
  });
});
