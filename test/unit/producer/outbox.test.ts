import { describe, expect, it } from 'vitest';
import { Outbox, splitChunks } from '../../../src/engines/producer/outbox.ts';
import type { EventChunk } from '../../../src/engines/producer/messages.ts';
import { RateMeter } from '../../../src/engines/producer/rate.ts';
import { Budget } from '../../../src/engines/producer/budget.ts';
import { eventBatches, plazaBatch } from '../../../src/engines/producer/messages.ts';
import { PLAZAS, passageEvent } from './fakes.ts';

const chunk = (from: number, n: number, at = 1): EventChunk => ({
  events: Array.from({ length: n }, (_, i) => passageEvent(from + i)),
  receivedAt: at,
});
const ids = (chunks: EventChunk[] | null): number[] =>
  (chunks ?? []).flatMap((c) => c.events.map((e) => Number(e.passage.eventId.slice(-6))));
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('Outbox', () => {
  it('makes the reader wait while full and lets it go once the sender takes', async () => {
    const box = new Outbox(10);
    await box.push(chunk(0, 6));
    await box.push(chunk(6, 6)); // overshoots once: 12 held
    let pushed = false;
    const third = box.push(chunk(12, 3)).then(() => (pushed = true));
    await tick();
    expect(pushed).toBe(false);
    expect(box.size).toBe(12);
    expect(ids(await box.take(4))).toEqual([0, 1, 2, 3]);
    await third;
    expect(pushed).toBe(true);
    expect(box.size).toBe(11);
  });

  it('splits a chunk to respect the batch size and keeps order and receive times', async () => {
    const box = new Outbox(100);
    await box.push(chunk(0, 5, 111));
    await box.push(chunk(5, 5, 222));
    const first = await box.take(7);
    expect(ids(first)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(first!.map((c) => c.receivedAt)).toEqual([111, 222]);
    const rest = await box.take(7);
    expect(ids(rest)).toEqual([7, 8, 9]);
    expect(rest![0]!.receivedAt).toBe(222);
  });

  it('puts undelivered chunks back in front of newer ones', async () => {
    const box = new Outbox(100);
    await box.push(chunk(0, 3));
    await box.push(chunk(3, 3));
    const taken = await box.take(3);
    box.unshift(taken!);
    expect(ids(await box.take(100))).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('returns null to the sender once closed and drained, or when its signal aborts', async () => {
    const box = new Outbox(100);
    await box.push(chunk(0, 2));
    box.close();
    expect(ids(await box.take(10))).toEqual([0, 1]);
    expect(await box.take(10)).toBeNull();
    box.reopen();
    const ac = new AbortController();
    const waiting = box.take(10, ac.signal);
    ac.abort();
    expect(await waiting).toBeNull();
  });

  it('accepts a chunk at once when the reader is stopping, so nothing read is dropped', async () => {
    const box = new Outbox(2);
    await box.push(chunk(0, 2));
    const ac = new AbortController();
    const p = box.push(chunk(2, 2), ac.signal);
    ac.abort();
    await p;
    expect(box.size).toBe(4);
  });

  it('splitChunks halves by passage count', () => {
    const [l, r] = splitChunks([chunk(0, 3), chunk(3, 4)]);
    expect(ids(l)).toEqual([0, 1, 2, 3]);
    expect(ids(r)).toEqual([4, 5, 6]);
    const [one, none] = splitChunks([chunk(0, 1)]);
    expect(ids(one)).toEqual([0]);
    expect(none).toEqual([]);
  });
});

describe('RateMeter', () => {
  it('averages over the sliding window and decays to zero when idle', () => {
    const m = new RateMeter(5000, 20);
    expect(m.perSecond(0)).toBe(0);
    for (let t = 0; t < 10_000; t += 100) m.add(100, t); // 1,000/s for 10 s
    expect(m.perSecond(10_000)).toBeGreaterThan(950);
    expect(m.perSecond(10_000)).toBeLessThan(1050);
    expect(m.perSecond(12_500)).toBeGreaterThan(400);
    expect(m.perSecond(12_500)).toBeLessThan(600);
    expect(m.perSecond(16_000)).toBe(0);
  });

  it('does not dilute a young meter by the whole window', () => {
    const m = new RateMeter(5000, 20);
    m.add(500, 0);
    m.add(500, 900);
    expect(m.perSecond(1000)).toBe(1000);
  });
});

describe('Budget', () => {
  it('grants exactly the limit and then nothing', () => {
    const b = new Budget(10);
    expect([b.take(4), b.take(4), b.take(4), b.take(4)]).toEqual([4, 4, 2, 0]);
    expect(b.exhausted).toBe(true);
    expect(new Budget().take(1e9)).toBe(1e9);
  });
});

describe('wire messages', () => {
  it('keys passages, payments and plazas by plaza id with wire-format JSON values', () => {
    const [passages, payments, ...rest] = eventBatches([chunk(0, 2, 1700000000000)], {
      passages: 'p',
      payments: 'pay',
      plazas: 'pl',
    });
    expect(rest).toEqual([]);
    expect(passages!.messages.map((m) => [m.key, m.timestamp])).toEqual([
      ['4000', '1700000000000'],
      ['4001', '1700000000000'],
    ]);
    expect(JSON.parse(String(passages!.messages[1]!.value))).toEqual(passageEvent(1).passage);
    expect(JSON.parse(String(payments!.messages[0]!.value))).toEqual(passageEvent(0).payment);
    const plazas = plazaBatch(PLAZAS, 'pl');
    expect(plazas.messages.map((m) => m.key)).toEqual(['4000', '4001', '4002']);
    expect(JSON.parse(String(plazas.messages[0]!.value))).toEqual(PLAZAS[0]);
    const noPayments = eventBatches([{ events: [passageEvent(0, 4000, false)], receivedAt: 1 }], {
      passages: 'p',
      payments: 'pay',
      plazas: 'pl',
    });
    expect(noPayments[1]!.messages).toEqual([]);
  });

  it('sends a plaza record that came with an event to the plazas topic, keyed by its id', () => {
    const announced = { ...passageEvent(0, 4001), plaza: PLAZAS[1]! };
    const batches = eventBatches([{ events: [announced, passageEvent(1, 4001)], receivedAt: 5 }], {
      passages: 'p',
      payments: 'pay',
      plazas: 'pl',
    });
    expect(batches.map((b) => [b.topic, b.messages.length])).toEqual([
      ['p', 2],
      ['pay', 2],
      ['pl', 1],
    ]);
    expect(batches[2]!.messages[0]!.key).toBe('4001');
    expect(JSON.parse(String(batches[2]!.messages[0]!.value))).toEqual(PLAZAS[1]);
  });
});
