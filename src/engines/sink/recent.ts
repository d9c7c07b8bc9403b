/**
 * The newest persisted passages for the live-vehicles pane, each joined with its payment when the payment is
 * persisted in the same or a nearby batch. Bounded on every side: a ring of passages, and an LRU of payments
 * that arrived before their passage.
 */
import type { ValidPassage, ValidPayment } from '../../domain/validate.ts';
import { Ring } from '../../util/ring.ts';
import type { PersistedPassage } from '../types.ts';

interface Amount {
  amountCents: number;
  currency: string;
}

export class RecentPassages {
  private readonly ring: Ring<PersistedPassage>;
  /** The ring's passages by event id (same insertion order, same bound). */
  private readonly byEvent = new Map<string, PersistedPassage>();
  private readonly earlyPayments = new Map<string, Amount>();

  constructor(
    readonly capacity = 200,
    readonly earlyPaymentCapacity = capacity * 8,
  ) {
    this.ring = new Ring(capacity);
  }

  addPassages(passages: readonly ValidPassage[], persistedAtMs: number): void {
    // Only the newest `capacity` of a batch can survive in the ring; skip building the others.
    for (let i = Math.max(0, passages.length - this.capacity); i < passages.length; i++) {
      const p = passages[i]!;
      const entry: PersistedPassage = {
        eventId: p.eventId,
        plazaId: p.plazaId,
        vehicleId: p.vehicleId,
        vehicleType: p.vehicleType,
        passedAtMs: p.passedAtMs,
        persistedAtMs,
      };
      if (p.lane !== undefined) entry.lane = p.lane;
      const paid = this.earlyPayments.get(p.eventId);
      if (paid) {
        this.earlyPayments.delete(p.eventId);
        entry.amountCents = paid.amountCents;
        entry.currency = paid.currency;
      }
      this.ring.push(entry);
      this.byEvent.delete(p.eventId);
      this.byEvent.set(p.eventId, entry);
      if (this.byEvent.size > this.capacity) this.byEvent.delete(this.byEvent.keys().next().value!);
    }
  }

  addPayments(payments: readonly ValidPayment[]): void {
    for (const p of payments) {
      const entry = this.byEvent.get(p.eventId);
      if (entry) {
        entry.amountCents = p.amountCents;
        entry.currency = p.currency;
        continue;
      }
      this.earlyPayments.delete(p.eventId);
      this.earlyPayments.set(p.eventId, { amountCents: p.amountCents, currency: p.currency });
      if (this.earlyPayments.size > this.earlyPaymentCapacity) {
        this.earlyPayments.delete(this.earlyPayments.keys().next().value!);
      }
    }
  }

  /** Newest first, as immutable copies. */
  newest(n = this.capacity): PersistedPassage[] {
    return this.ring.newest(n).map((p) => ({ ...p }));
  }
}
