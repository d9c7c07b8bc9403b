/**
 * The headless run's reconciliation against real rows: a passage row cannot double (primary key), so the check
 * that can fail is the payments of each passage. A doubled payment, written here by hand, must be found.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconcile, sqlPassageLookup } from '../../../src/runtime/reconcile.ts';
import { freshDatabase } from '../../helpers/services.ts';
import type { TestDatabase } from '../../helpers/services.ts';

async function* once(ids: string[]): AsyncGenerator<string[]> {
  yield ids;
}

describe('headless reconciliation in MySQL', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await freshDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });

  it('finds a passage paid twice, a passage missing, and accepts an unpaid one', async () => {
    const at = '2021-08-19 21:54:38.000';
    const later = '2021-08-19 22:00:00.500';
    const passage = (id: string, ingested = at) => [
      id,
      4007,
      1,
      '125094',
      'car',
      2,
      at,
      'test',
      't',
      0,
      0,
      ingested,
    ];
    await db.storage.execute(
      'INSERT INTO passages (event_id, plaza_id, lane, vehicle_id, vehicle_type, axles, passed_at, source, kafka_topic, kafka_partition, kafka_offset, ingested_at) VALUES ?',
      [[passage('paid-once'), passage('paid-twice', later), passage('unpaid', later)]],
    );
    const payment = (paymentId: string, eventId: string) => [
      paymentId,
      eventId,
      4007,
      'cash',
      450,
      'USD',
      at,
      0,
      0,
      at,
    ];
    await db.storage.execute(
      'INSERT INTO payments (payment_id, event_id, plaza_id, method, amount_cents, currency, paid_at, kafka_partition, kafka_offset, ingested_at) VALUES ?',
      [[payment('pay-1', 'paid-once'), payment('pay-2', 'paid-twice'), payment('pay-2-again', 'paid-twice')]],
    );
    const result = await reconcile(
      once(['paid-once', 'paid-twice', 'unpaid', 'never-persisted']),
      sqlPassageLookup(db.storage),
      // Rows the sink wrote from this moment on count as this run's; the first was there before.
      { since: Date.parse('2021-08-19T22:00:00.500Z') },
    );
    expect(result).toEqual({
      checked: 4,
      found: 3,
      written: 2,
      missing: 1,
      missingSample: ['never-persisted'],
      duplicates: 1,
    });
  });
});
