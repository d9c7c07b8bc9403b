/**
 * The record encoding of patched kafkajs (patches/kafkajs+2.2.4.patch: records written straight into buffers of
 * their exact size, timestamps compared as numbers, linear grouping per partition) read back by kcat, a client
 * we did not write: keys, values, headers, null values and timestamps come back byte for byte, whether the
 * publisher runs on the main thread or on the producer thread, and the broker accepted every batch (it checks
 * each batch's CRC and record lengths).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AckTally } from '../../../src/kafka/ack-check.ts';
import { KafkaPublisher } from '../../../src/kafka/producer.ts';
import type { OutgoingMessage, Publisher } from '../../../src/kafka/producer.ts';
import { PublisherThread } from '../../../src/kafka/publisher-thread.ts';
import { testKafka } from '../../helpers/services.ts';
import type { TestKafka } from '../../helpers/services.ts';

const KCAT = '/usr/bin/kcat';

interface KcatRecord {
  partition: number;
  offset: number;
  ts: number;
  key: string | null;
  payload: string | null;
  headers: string[] | null;
}

function kcat(brokers: string[], topic: string): KcatRecord[] {
  const out = execFileSync(
    KCAT,
    ['-C', '-b', brokers.join(','), '-t', topic, '-o', 'beginning', '-e', '-q', '-J'],
    {
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
    },
  );
  return out
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as KcatRecord);
}

/** Messages that exercise every length class of the varints and the fallback path (headers). */
function messages(run: string): OutgoingMessage[] {
  const base = 1_764_690_000_000;
  const out: OutgoingMessage[] = [];
  for (let i = 0; i < 300; i++) {
    const size = [0, 1, 63, 64, 127, 128, 8191, 8192, 20_000][i % 9]!;
    out.push({
      key: `${run}-${i % 7}`,
      value: i % 11 === 0 ? `Zürich – 東京 🚗 ${i} ${'é'.repeat(size)}` : `${i}:${'x'.repeat(size)}`,
      // Out of order, and once a timestamp with fewer digits (string order and number order differ).
      timestamp: String(i === 5 ? 999_999_999_999 : base + ((i * 7919) % 100_000)),
    });
  }
  out.push({ key: `${run}-null`, value: null, timestamp: String(base) });
  out.push({ key: null, value: 'no key', timestamp: String(base + 1), partition: 0 });
  out.push({ key: Buffer.from(`${run}-buf`), value: Buffer.from([0x7b, 0x7d]), timestamp: String(base + 2) });
  out.push({
    key: `${run}-h`,
    value: 'with headers',
    headers: { 'tollstream-stage': 'abc', other: Buffer.from('v') },
    timestamp: String(base + 3),
  });
  return out;
}

const text = (x: string | Buffer | null | undefined): string | null =>
  x === null || x === undefined ? null : Buffer.isBuffer(x) ? x.toString('utf8') : x;

describe.skipIf(!existsSync(KCAT))('record encoding read back by kcat', () => {
  let k: TestKafka;
  const thread = { current: null as PublisherThread | null };
  beforeAll(async () => {
    k = await testKafka();
  });
  afterAll(async () => {
    await thread.current?.close();
    await k.cleanup();
  });

  const cases: [string, (k: TestKafka) => Publisher][] = [
    ['main thread', (k) => new KafkaPublisher(k.kafka, { compression: 'none' })],
    [
      'producer thread',
      (k) => {
        thread.current = new PublisherThread({ kafka: k.config.kafka, namespace: 'test' }, new AckTally());
        return thread.current.publisher();
      },
    ],
  ];

  it.each(cases)('%s: keys, values, headers and timestamps come back as sent', async (_, create) => {
    const [topic] = await k.topics([{ topic: 'encoding', partitions: 3 }]);
    const run = `r${Date.now().toString(36)}`;
    const sent = messages(run);
    const publisher = create(k);
    await publisher.connect();
    // Two sends, so the second batch's offsets and sequence numbers follow the first's.
    const acks = [
      ...(await publisher.send([{ topic: topic!, messages: sent.slice(0, 150) }])),
      ...(await publisher.send([{ topic: topic!, messages: sent.slice(150) }])),
    ];
    await publisher.disconnect();
    expect(acks.reduce((n, a) => n + a.count, 0)).toBe(sent.length);

    const read = kcat(k.config.kafka.brokers, topic!);
    expect(read).toHaveLength(sent.length);
    const byValue = new Map(read.map((r) => [`${r.key}|${r.payload}`, r]));
    for (const m of sent) {
      const r = byValue.get(`${text(m.key)}|${text(m.value)}`);
      expect(r, `record ${text(m.key)} ${text(m.value)?.slice(0, 20)}`).toBeDefined();
      expect(r!.ts).toBe(Number(m.timestamp));
      if (m.partition !== undefined) expect(r!.partition).toBe(m.partition);
      if (m.headers) expect(r!.headers).toEqual(['tollstream-stage', 'abc', 'other', 'v']);
      else expect(r!.headers ?? []).toEqual([]);
    }
  });
});
