import { describe, expect, it } from 'vitest';
import { DLQ_HEADERS, deadLetterHeaders, deadLetterMessage } from '../../../src/engines/sink/dead-letter.ts';
import { InvalidMessage } from '../../../src/domain/validate.ts';
import type { ConsumedMessage } from '../../../src/kafka/consumer.ts';

const NOW = Date.parse('2026-11-25T12:00:00Z');
const source = { topic: 'toll.passages', partition: 4 };
const error = new InvalidMessage('not-json', 'message is not JSON: Unexpected token');

describe('dead letters', () => {
  it('carry the reason, the code and where the message came from', () => {
    const m: ConsumedMessage = {
      offset: '1234',
      key: null,
      value: null,
      timestamp: '1700000000000',
      headers: {},
    };
    expect(deadLetterHeaders(source, m, error, NOW)).toEqual({
      reason: 'message is not JSON: Unexpected token',
      'error-code': 'not-json',
      'source-topic': 'toll.passages',
      'source-partition': '4',
      'source-offset': '1234',
      'source-timestamp': '1700000000000',
      'dead-lettered-at': '2026-11-25T12:00:00.000Z',
      'dead-letter-id': 'toll.passages/4/1234',
    });
    expect(Object.keys(deadLetterHeaders(source, m, error, NOW)).sort()).toEqual([...DLQ_HEADERS].sort());
    // A recreated topic reuses offsets: its incarnation keeps the dedupe key of a new record apart from an old one.
    expect(deadLetterHeaders({ ...source, incarnation: 'Xk3v' }, m, error, NOW)['dead-letter-id']).toBe(
      'toll.passages@Xk3v/4/1234',
    );
  });

  it('keep key, value bytes and original headers unchanged; a clashing original header is renamed', () => {
    const value = Buffer.from([0xff, 0x00, 0x7b]);
    const m: ConsumedMessage = {
      offset: '7',
      key: Buffer.from('4007'),
      value,
      timestamp: '1700000000000',
      headers: { 'trace-id': Buffer.from('abc'), reason: Buffer.from('from the producer'), gone: undefined },
    };
    const out = deadLetterMessage(source, m, error, NOW);
    expect(out.key).toBe(m.key);
    expect(out.value).toBe(value);
    expect(Buffer.from(out.value as Buffer)).toEqual(Buffer.from([0xff, 0x00, 0x7b]));
    expect(out.headers?.['trace-id']).toEqual(Buffer.from('abc'));
    expect(out.headers?.['original-reason']).toEqual(Buffer.from('from the producer'));
    expect(out.headers?.reason).toBe(error.message);
    expect(out.headers && 'gone' in out.headers).toBe(false);
    expect(out.timestamp).toBeUndefined();
  });
});
