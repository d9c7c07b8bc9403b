import { describe, expect, it } from 'vitest';
import {
  attempt,
  decodeJsonObject,
  MAX_MESSAGE_BYTES,
  validatePassageObject,
  validatePaymentObject,
  validatePlazaObject,
} from '../../../src/domain/validate.ts';

const NOW = Date.parse('2026-11-25T12:00:00Z');
const good = {
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
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const passage = (o: Record<string, unknown>) => attempt(() => validatePassageObject(o, NOW));

describe('passage validation', () => {
  it('accepts a well-formed passage and keeps unknown fields out', () => {
    const r = passage({ ...good, color: 'red' });
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.value.passedAtMs).toBe(Date.parse('2021-08-19T21:54:38.000Z'));
      expect(r.value).not.toHaveProperty('color');
    }
  });

  it.each([
    ['eventId', undefined, 'missing-field'],
    ['eventId', 'has space', 'bad-field'],
    ['eventId', 'x'.repeat(65), 'bad-field'],
    ['plazaId', 0, 'out-of-range'],
    ['plazaId', 65536, 'out-of-range'],
    ['plazaId', '4007', 'bad-field'],
    ['plazaId', 40.5, 'bad-field'],
    ['vehicleId', '', 'bad-field'],
    ['vehicleId', 'a'.repeat(33), 'bad-field'],
    ['vehicleId', 'tab\there', 'bad-field'],
    ['vehicleType', 'Car', 'bad-field'],
    ['vehicleType', 'a-very-long-vehicle-type', 'bad-field'],
    ['passedAt', '2021-08-19 21:54:38', 'bad-field'],
    ['passedAt', '1999-12-31T23:59:59Z', 'out-of-range'],
    ['passedAt', '2026-11-27T12:00:01Z', 'out-of-range'],
    ['lane', 65, 'out-of-range'],
    ['axles', 13, 'out-of-range'],
    ['source', 'x'.repeat(65), 'bad-field'],
    ['v', 2, 'bad-field'],
  ])('rejects %s = %j with %s', (key, value, code) => {
    const r = passage({ ...good, [key]: value });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe(code);
      expect(r.error.message).toContain(key);
    }
  });

  it('refuses a timestamp on a day that does not exist instead of rolling it over', () => {
    const r = passage({ ...good, passedAt: '2021-02-30T10:00:00Z' });
    expect(r.ok ? 'accepted' : `${r.error.code}: ${r.error.message}`).toBe(
      'bad-field: "passedAt" is not a valid date: February 2021 has 28 days',
    );
  });

  it('accepts timestamps with offsets and no fraction, and a passage one hour ahead', () => {
    expect(passage({ ...good, passedAt: '2021-08-19T21:54:38+02:00' }).ok).toBe(true);
    expect(passage({ ...good, passedAt: new Date(NOW + 3_600_000).toISOString() }).ok).toBe(true);
  });

  it('treats lane, axles and source as optional', () => {
    const { lane: _l, axles: _a, source: _s, ...required } = good;
    expect(passage(required).ok).toBe(true);
  });
});

describe('decoding', () => {
  it('rejects non-UTF-8, non-JSON, non-object and oversized messages with distinct codes', () => {
    const codes = [
      new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]),
      bytes('{"v":1,'),
      bytes('[1,2]'),
      bytes(JSON.stringify({ pad: 'x'.repeat(MAX_MESSAGE_BYTES) })),
    ].map((b) => {
      const r = attempt(() => decodeJsonObject(b));
      return r.ok ? 'ok' : r.error.code;
    });
    expect(codes).toEqual(['not-utf8', 'not-json', 'not-object', 'too-large']);
  });

  it('decodes a valid object', () => {
    expect(decodeJsonObject(bytes(JSON.stringify(good)))).toEqual(good);
  });
});

describe('payment and plaza validation', () => {
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
  it('accepts a well-formed payment and rejects an unknown method', () => {
    expect(attempt(() => validatePaymentObject(payment, NOW)).ok).toBe(true);
    const r = attempt(() => validatePaymentObject({ ...payment, method: 'bitcoin' }, NOW));
    expect(r.ok ? null : r.error.message).toContain('method');
  });
  it('accepts a well-formed plaza and rejects zero lanes', () => {
    const plaza = { v: 1, plazaId: 4007, code: 'PC7C042B7', name: 'Plaza 4007', lanes: 8 };
    expect(validatePlazaObject(plaza)).toEqual(plaza);
    expect(attempt(() => validatePlazaObject({ ...plaza, lanes: 0 })).ok).toBe(false);
  });
});
