import { describe, expect, it } from 'vitest';
import { RecentPassages } from '../../../src/engines/sink/recent.ts';
import type { ValidPassage, ValidPayment } from '../../../src/domain/validate.ts';

const passage = (i: number): ValidPassage => ({
  v: 1,
  eventId: `e${i}`,
  plazaId: 4000 + (i % 3),
  lane: 2,
  vehicleId: `v${i}`,
  vehicleType: 'car',
  passedAt: new Date(i * 1000).toISOString(),
  passedAtMs: i * 1000,
});
const payment = (i: number, amountCents = 100 + i): ValidPayment => ({
  v: 1,
  paymentId: `p${i}`,
  eventId: `e${i}`,
  plazaId: 4000,
  method: 'cash',
  amountCents,
  currency: 'USD',
  paidAt: new Date(i * 1000).toISOString(),
  paidAtMs: i * 1000,
});

describe('recent persisted passages', () => {
  it('keeps the newest, newest first, bounded', () => {
    const r = new RecentPassages(3);
    r.addPassages([1, 2, 3, 4, 5].map(passage), 99);
    expect(r.newest().map((p) => p.eventId)).toEqual(['e5', 'e4', 'e3']);
    expect(r.newest(1)[0]).toEqual({
      eventId: 'e5',
      plazaId: 4002,
      lane: 2,
      vehicleId: 'v5',
      vehicleType: 'car',
      passedAtMs: 5000,
      persistedAtMs: 99,
    });
  });

  it('joins a payment that arrives after its passage, or before it', () => {
    const r = new RecentPassages(4, 2);
    r.addPassages([passage(1)], 1);
    r.addPayments([payment(1), payment(2), payment(3), payment(4)]); // 2..4 early; only the newest 2 are kept
    r.addPassages([passage(2), passage(3), passage(4)], 2);
    const byId = new Map(r.newest().map((p) => [p.eventId, p]));
    expect(byId.get('e1')).toMatchObject({ amountCents: 101, currency: 'USD' });
    expect(byId.get('e2')?.amountCents).toBeUndefined();
    expect(byId.get('e3')).toMatchObject({ amountCents: 103 });
    expect(byId.get('e4')).toMatchObject({ amountCents: 104 });
  });

  it('hands out copies, so a later payment does not change a published snapshot', () => {
    const r = new RecentPassages(2);
    r.addPassages([passage(1)], 1);
    const before = r.newest();
    r.addPayments([payment(1)]);
    expect(before[0]!.amountCents).toBeUndefined();
    expect(r.newest()[0]!.amountCents).toBe(101);
  });
});
