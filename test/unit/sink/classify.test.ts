import { describe, expect, it } from 'vitest';
import { classify, classifyChunk, shapeOf } from '../../../src/engines/sink/classify.ts';
import type { ClassifyContext } from '../../../src/engines/sink/classify.ts';
import type { ConsumedMessage } from '../../../src/kafka/consumer.ts';

const NOW = Date.parse('2026-11-25T12:00:00Z');
const ctx: ClassifyContext = {
  topic: 'toll.passages',
  partition: 2,
  incarnation: 'SuxetBy7TuOMjRldMJ_Mpw',
  tz: 'UTC',
  now: NOW,
};
const passage = {
  v: 1,
  eventId: 'sim-4007-000000123',
  plazaId: 4007,
  lane: 3,
  vehicleId: '125094',
  vehicleType: 'car',
  axles: 2,
  passedAt: '2021-08-19T21:54:38.000Z',
  source: 'simulator',
};
const payment = {
  v: 1,
  paymentId: 'pay-sim-4007-000000123',
  eventId: 'sim-4007-000000123',
  plazaId: 4007,
  method: 'e-tag',
  amountCents: 450,
  currency: 'USD',
  paidAt: '2021-08-19T21:54:38.120Z',
};
const plaza = { v: 1, plazaId: 4007, code: 'PC7C042B7', name: 'Plaza 4007', lanes: 8 };

function msg(value: unknown, offset = '41', key: string | null = '4007'): ConsumedMessage {
  const bytes =
    value === null
      ? null
      : Buffer.isBuffer(value)
        ? value
        : Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));
  return {
    offset,
    key: key === null ? null : Buffer.from(key),
    value: bytes,
    timestamp: String(NOW - 5),
    headers: {},
  };
}

describe('classify', () => {
  it('validates each topic role with its own validator and keeps offset and produce time', () => {
    const p = classify('passages', msg(passage), ctx);
    expect(p).toMatchObject({ ok: true, record: { kind: 'passage', offset: '41', producedAtMs: NOW - 5 } });
    if (p.ok && p.record.kind === 'passage')
      expect(p.record.passage.passedAtMs).toBe(Date.parse(passage.passedAt));
    expect(classify('payments', msg(payment), ctx)).toMatchObject({
      ok: true,
      record: {
        kind: 'payment',
        payment: { paymentId: payment.paymentId, amountCents: 450, method: 'e-tag' },
      },
    });
    expect(classify('plazas', msg(plaza), ctx)).toMatchObject({ ok: true, record: { kind: 'plaza', plaza } });
  });

  it('gives legacy lines the stable id of their place in Kafka and reads them in the configured zone', () => {
    const c = classify('legacy', msg('Thu Aug 19 21:54:38 2021,125094,Car,4007', '17', null), {
      ...ctx,
      topic: 'toll',
      tz: 'America/New_York',
    });
    expect(c.ok).toBe(true);
    if (c.ok && c.record.kind === 'passage') {
      expect(c.record.passage.eventId).toBe('toll:SuxetBy7TuOMjRldMJ_Mpw-2-17');
      expect(c.record.passage.vehicleType).toBe('car');
      expect(new Date(c.record.passage.passedAtMs).toISOString()).toBe('2021-08-20T01:54:38.000Z');
    }
  });

  it('names a record sent to the wrong topic', () => {
    const c = classify('passages', msg(payment), ctx);
    expect(c.ok).toBe(false);
    if (!c.ok) {
      expect(c.error.code).toBe('missing-field');
      expect(c.error.message).toMatch(
        /^a payment record on the passages topic: missing required field "vehicleId"/,
      );
    }
    const d = classify('payments', msg(passage), ctx);
    expect(!d.ok && d.error.message).toMatch(/^a passage record on the payments topic/);
    expect(shapeOf(plaza)).toBe('plaza');
    expect(shapeOf({ foo: 1 })).toBeUndefined();
  });

  it('treats a null value as a deletion on plazas and as bad input elsewhere', () => {
    expect(classify('plazas', msg(null, '3', '4005'), ctx)).toMatchObject({
      ok: true,
      record: { kind: 'plaza-deleted', plazaId: 4005 },
    });
    expect(classify('plazas', msg(null, '3', 'x'), ctx)).toMatchObject({
      ok: false,
      error: { code: 'not-json' },
    });
    expect(classify('passages', msg(null), ctx)).toMatchObject({ ok: false, error: { code: 'not-json' } });
    expect(classify('legacy', msg(null), ctx)).toMatchObject({
      ok: false,
      error: { code: 'bad-legacy-line' },
    });
  });

  it('reports each kind of bad input with its code', () => {
    const cases: [unknown, string][] = [
      [JSON.stringify({ ...passage, pad: 'x'.repeat(65 * 1024) }), 'too-large'],
      [Buffer.from([0xc3, 0x28]), 'not-utf8'],
      ['{"v":1,', 'not-json'],
      ['"a string"', 'not-object'],
      [{ ...passage, eventId: undefined }, 'missing-field'],
      [{ ...passage, lane: 65 }, 'out-of-range'],
      [{ ...passage, vehicleType: 'CAR' }, 'bad-field'],
    ];
    for (const [value, code] of cases) {
      const c = classify('passages', msg(value), ctx);
      expect(c.ok ? 'ok' : c.error.code).toBe(code);
    }
    expect(classify('legacy', msg('only,three,fields'), ctx)).toMatchObject({
      ok: false,
      error: { code: 'bad-legacy-line' },
    });
  });

  it('splits a chunk into records and rejections in order', () => {
    const chunk = classifyChunk(
      'passages',
      [msg(passage, '1'), msg('nope', '2'), msg({ ...passage, eventId: 'b' }, '3')],
      ctx,
    );
    expect(chunk.records.map((r) => r.offset)).toEqual(['1', '3']);
    expect(chunk.rejections.map((r) => [r.message.offset, r.error.code])).toEqual([['2', 'not-json']]);
  });
});
