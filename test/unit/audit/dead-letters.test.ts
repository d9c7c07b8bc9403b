import { describe, expect, it } from 'vitest';
import { DeadLetterIndex, letterSource } from '../../../src/audit/dead-letters.ts';
import { InvalidMessage } from '../../../src/domain/validate.ts';
import { deadLetterMessage } from '../../../src/engines/sink/dead-letter.ts';
import type { ConsumedMessage } from '../../../src/kafka/consumer.ts';

const source = (offset: string, timestamp = '1700000000000'): ConsumedMessage => ({
  offset,
  key: Buffer.from('4001'),
  value: Buffer.from('vehicle 42 passed {'),
  timestamp,
  headers: {},
});
const error = new InvalidMessage('not-json', 'message is not JSON');

/** A letter as the sink writes it, as a reader gets it back (headers as Buffers). */
function letter(topic: string, partition: number, m: ConsumedMessage, incarnation?: string): ConsumedMessage {
  const out = deadLetterMessage({ topic, partition, ...(incarnation ? { incarnation } : {}) }, m, error, 0);
  const headers: ConsumedMessage['headers'] = {};
  for (const [k, v] of Object.entries(out.headers ?? {})) headers[k] = Buffer.from(String(v));
  return { offset: '0', key: null, value: null, timestamp: '0', headers };
}

describe('dead letters', () => {
  it('reads the source a letter names, with its incarnation and time', () => {
    expect(letterSource(letter('toll.passages', 2, source('17'), 'AbCdEfGhIjKlMnOpQrStUv'))).toEqual({
      topic: 'toll.passages',
      partition: 2,
      offset: '17',
      incarnation: 'AbCdEfGhIjKlMnOpQrStUv',
      timestamp: '1700000000000',
    });
    expect(letterSource(letter('toll', 0, source('3')))).toEqual({
      topic: 'toll',
      partition: 0,
      offset: '3',
      timestamp: '1700000000000',
    });
    expect(letterSource({ headers: { reason: Buffer.from('x') } })).toBeNull();
  });

  it('matches a message by topic, partition and offset, and by incarnation or time where the letter says', () => {
    const index = new DeadLetterIndex(new Set(['toll.passages', 'toll']));
    index.add(letter('toll.passages', 2, source('17'), 'NEW___________________'));
    index.add(letter('toll.passages', 2, source('17'), 'NEW___________________')); // sent twice
    index.add(letter('toll', 0, source('3', '5000')));
    index.add(letter('toll.payments', 0, source('1'))); // not audited
    expect([index.read, index.kept]).toEqual([4, 2]);

    expect(index.has('toll.passages', 2, '17', '1', 'NEW___________________')).toBe(true);
    // Same offset of the topic's earlier incarnation, or another partition/offset: not this message.
    expect(index.has('toll.passages', 2, '17', '1', 'OLD___________________')).toBe(false);
    expect(index.has('toll.passages', 1, '17', '1', 'NEW___________________')).toBe(false);
    expect(index.has('toll.passages', 2, '18', '1', 'NEW___________________')).toBe(false);
    // No incarnation in the letter: the message time tells.
    expect(index.has('toll', 0, '3', '5000', 'X')).toBe(true);
    expect(index.has('toll', 0, '3', '6000', 'X')).toBe(false);
    expect(index.has('toll.payments', 0, '1', '1700000000000', null)).toBe(false);
  });
});
