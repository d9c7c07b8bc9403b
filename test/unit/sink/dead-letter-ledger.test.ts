import { describe, expect, it } from 'vitest';
import { DeadLetterLedger } from '../../../src/engines/sink/dead-letter-ledger.ts';
import { refusedForGood } from '../../../src/engines/sink/dead-letter-sender.ts';
import type { Rejection } from '../../../src/engines/sink/classify.ts';
import { InvalidMessage } from '../../../src/domain/validate.ts';
import { PublishError } from '../../../src/kafka/producer.ts';

// Shaped as kafkajs builds them (src/kafka is the only kafkajs importer): class name, retriable flag, and the
// wrapped error as both originalError and cause.
const kafkaError = (name: string, message: string, retriable: boolean, extra: object = {}): Error =>
  Object.assign(new Error(message), { name, retriable, ...extra });
const wrapped = (name: string, inner: Error): Error =>
  kafkaError(name, inner.message, false, { originalError: inner, cause: inner });
const protocol = (type: string, retriable: boolean): Error =>
  kafkaError('KafkaJSProtocolError', type, retriable, { type });

const source = { topic: 'toll.passages', partition: 2 };
const rejection = (offset: number, timestamp = '1700000000000'): Rejection => ({
  message: { offset: String(offset), key: null, value: Buffer.from('x'), timestamp, headers: {} },
  error: new InvalidMessage('not-json', 'message is not JSON'),
});

describe('dead-letter errors', () => {
  it('a broker down longer than kafkajs retries is not a refusal: the chunk must wait', () => {
    const down = kafkaError(
      'KafkaJSConnectionError',
      'Connection error: connect ECONNREFUSED 127.0.0.1:9',
      true,
    );
    const exhausted = wrapped('KafkaJSNumberOfRetriesExceeded', down);
    expect((exhausted as { retriable?: boolean }).retriable).toBe(false); // why the old check gave them up
    expect(refusedForGood(new PublishError('send failed', exhausted))).toBe(false);
    expect(refusedForGood(down)).toBe(false);
    expect(refusedForGood(new Error('Request Produce(key: 0, version: 7) timed out'))).toBe(false);
  });

  it('a record the broker refuses for good is one, however deep kafkajs wraps it', () => {
    const tooLarge = protocol('MESSAGE_TOO_LARGE', false);
    expect(
      refusedForGood(new PublishError('send failed', wrapped('KafkaJSNonRetriableError', tooLarge))),
    ).toBe(true);
    const aggregate = Object.assign(new Error('failed'), { errors: [new Error('x'), tooLarge] });
    expect(refusedForGood(aggregate)).toBe(true);
    const notLeader = protocol('NOT_LEADER_FOR_PARTITION', true);
    expect(refusedForGood(wrapped('KafkaJSNumberOfRetriesExceeded', notLeader))).toBe(false);
  });
});

describe('dead-letter ledger', () => {
  it('a retried chunk does not publish again what an earlier attempt published', () => {
    const ledger = new DeadLetterLedger();
    const all = [rejection(3), rejection(7), rejection(9)];
    expect(ledger.unpublished(source, all)).toEqual(all);
    ledger.record(source, {
      sent: [all[0]!, all[1]!],
      refused: [{ rejection: all[2]!, error: 'too large' }],
    });
    expect(ledger.unpublished(source, all)).toEqual([]);
    expect(ledger.unpublished({ topic: source.topic, partition: 3 }, all)).toEqual(all);
    expect(ledger.outcome(source, all.slice(1))).toEqual({
      sent: [all[1]],
      refused: [{ rejection: all[2], error: 'too large' }],
    });
  });

  it('refuses to let a transaction commit past a letter never published', () => {
    const ledger = new DeadLetterLedger();
    ledger.record(source, { sent: [rejection(3)], refused: [] });
    expect(() => ledger.outcome(source, [rejection(3), rejection(4)])).toThrow(/offset 4 not published/);
  });

  it('forgets letters once committed past, and another record at a reused offset is new', () => {
    const ledger = new DeadLetterLedger();
    ledger.record(source, { sent: [rejection(3), rejection(10)], refused: [] });
    ledger.settled(source, 5n);
    expect(ledger.unpublished(source, [rejection(3), rejection(10)]).map((r) => r.message.offset)).toEqual([
      '3',
    ]);
    expect(ledger.unpublished(source, [rejection(10, '1800000000000')])).toHaveLength(1);
    ledger.forget(source);
    expect(ledger.unpublished(source, [rejection(10)])).toHaveLength(1);
  });
});
