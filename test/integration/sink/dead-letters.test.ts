import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSink } from '../../../src/engines/sink/index.ts';
import type { SinkEngine } from '../../../src/engines/sink/index.ts';
import { formatLegacyLine } from '../../../src/domain/legacy.ts';
import { GroupConsumer } from '../../../src/kafka/consumer.ts';
import type { ConsumedMessage } from '../../../src/kafka/consumer.ts';
import type { OutgoingMessage } from '../../../src/kafka/producer.ts';
import { freshDatabase, testConfig, testKafka, uniqueName, waitFor } from '../../helpers/services.ts';
import type { TestDatabase, TestKafka } from '../../helpers/services.ts';
import type { SinkTopics } from './fixtures.ts';
import { count, keyed, passage, passageIds, payment, publish, sinkTopics } from './fixtures.ts';

const header = (m: ConsumedMessage, name: string): string | undefined => {
  const v = m.headers[name];
  return v === undefined ? undefined : Array.isArray(v) ? String(v[0]) : v.toString();
};

describe('sink dead-letters malformed messages without stopping', () => {
  let k: TestKafka;
  let db: TestDatabase;
  let topics: SinkTopics;
  let sink: SinkEngine | undefined;
  const run = uniqueName('d').replace(/_/g, '-');

  beforeAll(async () => {
    k = await testKafka();
    db = await freshDatabase();
    // One partition each: every poison message sits between valid ones in the same partition.
    topics = await sinkTopics(k, 1);
  });
  afterAll(async () => {
    await sink?.stop();
    await db.drop();
    await k.cleanup();
  });

  it('routes each bad kind to the DLQ unchanged with reasons, and persists everything around it', async () => {
    const good = Array.from({ length: 90 }, (_, i) => passage(run, i));
    const tooLarge = { ...passage(run, 1000), padding: 'x'.repeat(70 * 1024) };
    const bad: { message: OutgoingMessage; code: string; reason: RegExp }[] = [
      { message: keyed(4000, tooLarge), code: 'too-large', reason: /limit is 65536/ },
      {
        message: { key: '4001', value: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]) },
        code: 'not-utf8',
        reason: /UTF-8/,
      },
      { message: { key: '4002', value: 'vehicle 42 passed {' }, code: 'not-json', reason: /not JSON/ },
      { message: { key: '4003', value: '[1,2,3]' }, code: 'not-object', reason: /not a JSON object/ },
      {
        message: keyed(4004, { ...passage(run, 1001), vehicleId: undefined }),
        code: 'missing-field',
        reason: /"vehicleId"/,
      },
      {
        message: keyed(4005, { ...passage(run, 1002), plazaId: 70000 }),
        code: 'out-of-range',
        reason: /"plazaId"/,
      },
      {
        message: keyed(4006, payment(passage(run, 1003), 0)),
        code: 'missing-field',
        reason: /a payment record on the passages topic/,
      },
      { message: { key: '4007', value: null }, code: 'not-json', reason: /no value/ },
      {
        message: {
          key: '4008',
          value: '{"v":2}',
          headers: { 'trace-id': 'abc-123', reason: 'set by the producer' },
        },
        code: 'bad-field',
        reason: /"v" must be 1/,
      },
    ];
    // Interleave: 10 valid, 1 bad, 10 valid, ...
    const messages: OutgoingMessage[] = [];
    good.forEach((p, i) => {
      messages.push(keyed(p.plazaId, p));
      if (i % 10 === 9 && bad[(i - 9) / 10]) messages.push(bad[(i - 9) / 10]!.message);
    });
    await publish(k, topics.passages, messages);
    const legacyGood = formatLegacyLine(Date.UTC(2021, 7, 19, 21, 54, 38), 'L1', 'car', 4000);
    await publish(k, topics.legacy, [
      { key: null, value: legacyGood },
      { key: null, value: 'Thu Aug 19 21:54:38 2021,125094' },
      { key: null, value: legacyGood },
    ]);

    sink = createSink(testConfig({ mysqlUrl: db.url }), {
      groupId: uniqueName('sink-dlq'),
      topics,
      batchMaxRows: 7,
    });
    await sink.start();
    await waitFor(async () => (await count(db.storage, 'SELECT COUNT(*) AS n FROM passages')) === 92, {
      what: '92 valid passages',
    });
    const ids = await passageIds(db.storage, `${run}-`);
    expect([...ids.keys()].sort()).toEqual(good.map((p) => p.eventId).sort());

    await waitFor(() => sink!.store.getSnapshot().deadLettered === bad.length + 1, {
      what: 'dead-letter count',
    });
    const snap = sink.store.getSnapshot();
    expect(snap.deadLetterReasons).toEqual({
      'too-large': 1,
      'not-utf8': 1,
      'not-json': 2,
      'not-object': 1,
      'missing-field': 2,
      'out-of-range': 1,
      'bad-field': 1,
      'bad-legacy-line': 1,
    });
    expect(snap.persisted).toBe(92);
    expect(snap.status).toEqual({ kind: 'running' });

    // What landed in the DLQ: the original bytes, the original headers, and where and why.
    const dead: ConsumedMessage[] = [];
    const reader = new GroupConsumer(k.kafka, {
      groupId: uniqueName('dlq-reader'),
      topics: [topics.dlq],
      eachBatch: async (batch, control) => {
        dead.push(...batch.messages);
        control.resolveOffset(batch.messages[batch.messages.length - 1]!.offset);
      },
    });
    await reader.start();
    await waitFor(() => dead.length >= bad.length + 1, { what: 'dead letters in the DLQ topic' });
    await reader.stop();

    expect(dead).toHaveLength(bad.length + 1);

    const fromPassages = dead.filter((m) => header(m, 'source-topic') === topics.passages);
    expect(fromPassages).toHaveLength(bad.length);
    fromPassages.sort((a, b) => Number(header(a, 'source-offset')) - Number(header(b, 'source-offset')));
    bad.forEach((b, i) => {
      const m = fromPassages[i]!;
      const sent = b.message.value;
      expect(m.value === null ? null : Buffer.from(m.value)).toEqual(
        sent === null ? null : Buffer.from(sent),
      );
      expect(m.key?.toString()).toBe(String(b.message.key));
      expect(header(m, 'error-code')).toBe(b.code);
      expect(header(m, 'reason')).toMatch(b.reason);
      expect(header(m, 'source-partition')).toBe('0');
      expect(Number(header(m, 'source-offset'))).toBe(11 * i + 10);
      expect(Number.isNaN(Date.parse(header(m, 'dead-lettered-at')!))).toBe(false);
      expect(Number(header(m, 'source-timestamp'))).toBeGreaterThan(Date.now() - 600_000);
    });
    const withHeaders = fromPassages[bad.length - 1]!;
    expect(header(withHeaders, 'trace-id')).toBe('abc-123');
    expect(header(withHeaders, 'original-reason')).toBe('set by the producer');

    const fromLegacy = dead.find((m) => header(m, 'source-topic') === topics.legacy)!;
    expect(fromLegacy.value?.toString()).toBe('Thu Aug 19 21:54:38 2021,125094');
    expect(fromLegacy.key).toBeNull();
    expect(header(fromLegacy, 'error-code')).toBe('bad-legacy-line');
    expect(header(fromLegacy, 'source-offset')).toBe('1');
  });
});
