import { describe, expect, it } from 'vitest';
import { auditRecord } from '../../../src/audit/run.ts';
import { formatLegacyLine, legacyEventId } from '../../../src/domain/legacy.ts';
import { STAGE_HEADER } from '../../../src/domain/types.ts';
import { classify } from '../../../src/engines/sink/classify.ts';
import type { ConsumedMessage } from '../../../src/kafka/consumer.ts';

const NOW = Date.UTC(2026, 0, 1);
const message = (
  value: string | null,
  offset = '17',
  headers: ConsumedMessage['headers'] = {},
): ConsumedMessage => ({
  offset,
  key: Buffer.from('4007'),
  value: value === null ? null : Buffer.from(value),
  timestamp: String(NOW - 1000),
  headers,
});
const ctx = (topic: string, incarnation: string | null = 'AbCdEfGhIjKlMnOpQrStUv') => ({
  topic,
  partition: 2,
  incarnation,
  tz: 'UTC',
  now: NOW,
});
const passage = {
  v: 1,
  eventId: 'sim-4007-000000123',
  plazaId: 4007,
  vehicleId: '125094',
  vehicleType: 'car',
  passedAt: '2025-12-31T23:00:00.000Z',
};

describe('auditRecord: a message as the sink sees it', () => {
  it('a passage by its event id, a payment by its payment id', () => {
    expect(auditRecord('passages', message(JSON.stringify(passage)), ctx('toll.passages'))).toEqual({
      partition: 2,
      offset: '17',
      timestamp: String(NOW - 1000),
      id: 'sim-4007-000000123',
    });
    const payment = {
      v: 1,
      paymentId: 'pay-sim-4007-000000123',
      eventId: passage.eventId,
      plazaId: 4007,
      method: 'e-tag',
      amountCents: 450,
      currency: 'USD',
      paidAt: '2025-12-31T23:00:00.120Z',
    };
    expect(auditRecord('payments', message(JSON.stringify(payment)), ctx('toll.payments')).id).toBe(
      'pay-sim-4007-000000123',
    );
  });

  it('a classic line by the id the sink derives from the topic incarnation, partition and offset', () => {
    const line = formatLegacyLine(Date.UTC(2021, 7, 19, 21, 54, 38), '125094', 'car', 4007);
    const m = message(line, '41');
    const r = auditRecord('legacy', m, ctx('toll'));
    expect(r.id).toBe('toll:AbCdEfGhIjKlMnOpQrStUv-2-41');
    expect(r.id).toBe(legacyEventId('toll', 2, '41', 'AbCdEfGhIjKlMnOpQrStUv'));
    // The very id the sink writes for it.
    const sink = classify('legacy', m, ctx('toll'));
    expect(sink.ok && sink.record.kind === 'passage' && sink.record.passage.eventId).toBe(r.id);
    // Brokers without topic ids: the older form.
    expect(auditRecord('legacy', m, ctx('toll', null)).id).toBe('toll-2-41');
  });

  it('a message the sink rejects has no id and says why', () => {
    expect(auditRecord('passages', message('vehicle 42 passed {'), ctx('toll.passages'))).toMatchObject({
      id: null,
      invalid: expect.stringMatching(/^not-json: /),
    });
    expect(auditRecord('passages', message(null), ctx('toll.passages')).id).toBeNull();
    expect(auditRecord('legacy', message('Thu Aug 19 21:54:38 2021,125094'), ctx('toll')).invalid).toMatch(
      /^bad-legacy-line: /,
    );
  });

  it("carries a replace run's stage", () => {
    const m = message(JSON.stringify(passage), '5', { [STAGE_HEADER]: Buffer.from('file-0123456789ab:run') });
    expect(auditRecord('passages', m, ctx('toll.passages')).stage).toBe('file-0123456789ab:run');
  });
});
