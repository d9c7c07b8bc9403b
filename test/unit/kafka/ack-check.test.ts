import { describe, expect, it } from 'vitest';
import type { Acknowledgement } from '../../../src/kafka/ack-check.ts';
import { AckLedger, AckTally, verifyAcks } from '../../../src/kafka/ack-check.ts';
import type { OutgoingMessage, TopicBatch } from '../../../src/kafka/producer.ts';

const msg = (i: number): OutgoingMessage => ({ key: String(i), value: `v${i}` });

function sendOf(n: number, partitions: number) {
  const messages = Array.from({ length: n }, (_, i) => msg(i));
  const assigned = new WeakMap<object, number>();
  messages.forEach((m, i) => assigned.set(m, i % partitions));
  const batches: TopicBatch[] = [{ topic: 't', messages }];
  return { messages, assigned, batches };
}

const ack = (partition: number, baseOffset: string, errorCode = 0): Acknowledgement => ({
  topicName: 't',
  partition,
  errorCode,
  baseOffset,
});

describe('verifyAcks', () => {
  it('confirms a send whose every partition is acknowledged, with the count per partition', () => {
    const { assigned, batches } = sendOf(6, 3);
    const ledger = new AckLedger();
    const r = verifyAcks(batches, [ack(0, '10'), ack(1, '0'), ack(2, '7')], assigned, ledger);
    expect(r.resend).toEqual([]);
    expect(r.confirmed).toEqual([
      { topic: 't', partition: 0, baseOffset: '10', count: 2 },
      { topic: 't', partition: 1, baseOffset: '0', count: 2 },
      { topic: 't', partition: 2, baseOffset: '7', count: 2 },
    ]);
    expect(ledger.counters).toEqual({ sends: 1, partitionAcks: 3, resent: 0, overlaps: 0 });
  });

  it('resends, pinned to their partition, the messages of a partition left out of the answer', () => {
    const { messages, assigned, batches } = sendOf(6, 3);
    const r = verifyAcks(batches, [ack(0, '0'), ack(2, '0')], assigned, new AckLedger());
    expect(r.resend).toEqual([
      {
        topic: 't',
        messages: [
          { ...messages[1], partition: 1 },
          { ...messages[4], partition: 1 },
        ],
      },
    ]);
    expect(r.problems).toEqual(['t[1]: no acknowledgement']);
  });

  it('resends a partition answered with an error or without an offset', () => {
    const { assigned, batches } = sendOf(2, 2);
    const r = verifyAcks(batches, [ack(0, '5', 6), ack(1, '-1')], assigned, new AckLedger());
    expect(r.confirmed).toEqual([]);
    expect(r.resend[0]!.messages).toHaveLength(2);
    expect(r.problems).toEqual(['t[0]: error code 6', 't[1]: no offset']);
  });

  it('does not stand behind an acknowledgement whose offsets another one already claimed', () => {
    const ledger = new AckLedger();
    const first = sendOf(4, 1);
    expect(verifyAcks(first.batches, [ack(0, '100')], first.assigned, ledger).resend).toEqual([]);
    const second = sendOf(2, 1);
    const r = verifyAcks(second.batches, [ack(0, '102')], second.assigned, ledger);
    expect(r.problems).toEqual(['t[0]: offsets 102+2 overlap an earlier acknowledgement']);
    expect(r.resend[0]!.messages).toHaveLength(2);
    expect(ledger.counters.overlaps).toBe(1);
    // Adjacent ranges, as serial and concurrent sends produce, are fine in any order.
    const third = sendOf(3, 1);
    expect(verifyAcks(third.batches, [ack(0, '104')], third.assigned, ledger).resend).toEqual([]);
    const fourth = sendOf(5, 1);
    expect(verifyAcks(fourth.batches, [ack(0, '95')], fourth.assigned, ledger).resend).toEqual([]);
  });

  it('resends messages the partitioner never saw', () => {
    const { messages, batches } = sendOf(2, 1);
    const r = verifyAcks(batches, [ack(0, '0')], new WeakMap(), new AckLedger());
    expect(r.resend).toEqual([{ topic: 't', messages }]);
  });
});

describe('AckTally', () => {
  it('keeps the highest acknowledged end per partition, across publishers, and finds logs that end below it', () => {
    const tally = new AckTally();
    const a = new AckLedger(tally);
    const b = new AckLedger(tally);
    expect(a.claim('t', 0, 0n, 10)).toBe(true);
    expect(b.claim('t', 0, 10n, 5)).toBe(true);
    expect(a.claim('t', 1, 3n, 2)).toBe(true);
    expect(tally.partitions).toBe(2);
    const ends = new Map([
      ['t/0', 15n],
      ['t/1', 4n],
    ]);
    expect(tally.shortfalls((t, p) => ends.get(`${t}/${p}`))).toEqual([
      { topic: 't', partition: 1, acknowledgedEnd: 5n, logEnd: 4n },
    ]);
    ends.set('t/1', 5n);
    expect(tally.shortfalls((t, p) => ends.get(`${t}/${p}`))).toEqual([]);
    ends.delete('t/0');
    expect(tally.shortfalls((t, p) => ends.get(`${t}/${p}`))).toEqual([
      { topic: 't', partition: 0, acknowledgedEnd: 15n, logEnd: undefined },
    ]);
  });
});
