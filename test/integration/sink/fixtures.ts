/** Shared set-up for the sink's integration tests: fresh topics, toll records to publish, MySQL look-ups. */
import type { Passage, Payment, Plaza } from '../../../src/domain/types.ts';
import { TOPICS } from '../../../src/domain/types.ts';
import type { OutgoingMessage } from '../../../src/kafka/producer.ts';
import { KafkaPublisher } from '../../../src/kafka/producer.ts';
import type { Storage } from '../../../src/storage/db.ts';
import type { TestKafka } from '../../helpers/services.ts';
import { readTopic } from '../../helpers/read-topic.ts';
import type { TopicRecord } from '../../helpers/read-topic.ts';
import { setLogSink, stderrSink } from '../../../src/util/log.ts';

// SINK_TEST_LOG=debug|info shows the sink's own account of a test run on stderr.
const level = process.env.SINK_TEST_LOG;
if (level === 'debug' || level === 'info') setLogSink(stderrSink, level);

export type SinkTopics = { [K in keyof typeof TOPICS]: string };

/** Fresh topics for every role, like the stack's plan (plazas compacted). */
export async function sinkTopics(k: TestKafka, passagePartitions = 3): Promise<SinkTopics> {
  const [passages, payments, plazas, legacy, dlq] = await k.topics([
    { topic: 'sink.passages', partitions: passagePartitions },
    { topic: 'sink.payments', partitions: 2 },
    { topic: 'sink.plazas', partitions: 1, config: { 'cleanup.policy': 'compact' } },
    { topic: 'sink.legacy', partitions: 1 },
    { topic: 'sink.dlq', partitions: 1 },
  ]);
  // The sink does not read the anomalies topic; the name only completes the set.
  return {
    passages: passages!,
    payments: payments!,
    plazas: plazas!,
    legacy: legacy!,
    dlq: dlq!,
    anomalies: 'sink.anomalies',
  };
}

export const PLAZA_IDS = Array.from({ length: 11 }, (_, i) => 4000 + i);

export function passage(run: string, i: number): Passage {
  const plazaId = PLAZA_IDS[i % PLAZA_IDS.length]!;
  return {
    v: 1,
    eventId: `${run}-${String(i).padStart(9, '0')}`,
    plazaId,
    lane: 1 + (i % 8),
    vehicleId: String(100000 + (i % 977)),
    vehicleType: ['car', 'truck', 'van'][i % 3]!,
    axles: 2 + (i % 3),
    passedAt: new Date(Date.UTC(2021, 7, 19, 21, 54, 38) + i * 250).toISOString(),
    source: 'test',
  };
}

export function payment(p: Passage, i: number): Payment {
  return {
    v: 1,
    paymentId: `pay-${p.eventId}`,
    eventId: p.eventId,
    plazaId: p.plazaId,
    method: (['e-tag', 'cash', 'card', 'prepaid'] as const)[i % 4]!,
    amountCents: 100 + (i % 50) * 10,
    currency: 'USD',
    paidAt: new Date(Date.parse(p.passedAt) + 120).toISOString(),
  };
}

export function plaza(plazaId: number, name = `Plaza ${plazaId}`): Plaza {
  return { v: 1, plazaId, code: `PC${plazaId}`, name, lanes: 8 };
}

export const keyed = (plazaId: number, value: unknown): OutgoingMessage => ({
  key: String(plazaId),
  value: typeof value === 'string' || Buffer.isBuffer(value) ? value : JSON.stringify(value),
});

/** Publishes in sends of at most `chunk` messages (one awaited send carries many). */
export async function publish(
  k: TestKafka,
  topic: string,
  messages: OutgoingMessage[],
  chunk = 5000,
): Promise<void> {
  const publisher = new KafkaPublisher(k.kafka);
  await publisher.connect();
  try {
    for (let i = 0; i < messages.length; i += chunk) {
      await publisher.send([{ topic, messages: messages.slice(i, i + chunk) }]);
    }
  } finally {
    await publisher.disconnect();
  }
}

export async function count(storage: Storage, sql: string, params: unknown[] = []): Promise<number> {
  const rows = await storage.query<{ n: string | number }>(sql, params);
  return Number(rows[0]?.n ?? 0);
}

/** Event ids present in passages that start with `prefix` (event_id is the primary key: each at most once). */
export async function passageIds(storage: Storage, prefix: string): Promise<Set<string>> {
  const rows = await storage.query<{ event_id: string }>(
    'SELECT event_id FROM passages WHERE event_id LIKE ?',
    [`${prefix}%`],
  );
  return new Set(rows.map((r) => r.event_id));
}

export interface KafkaVsRows {
  /** Distinct passage event ids of the run read from the topic by an independent reader. */
  inKafka: number;
  /** Passage rows of the run. */
  rows: number;
  /** In Kafka, no row (lost), and rows with no message in Kafka (invented or from another run): at most 10 each. */
  missing: string[];
  notInKafka: string[];
  /** Passages of the run whose payment rows are not exactly one, as "eventId×n" (only when payments are checked). */
  paymentsNotOne: string[];
}

/**
 * The exactly-once check that can fail: the run's passages read back from Kafka with test/helpers/read-topic.ts
 * (not the sink's counters) against the rows. Each event id in Kafka must have a row, and every row a message; with
 * `payments`, every passage exactly one payment row (payments.event_id is not a key: a doubled payment shows).
 */
export async function kafkaVsRows(
  k: TestKafka,
  storage: Storage,
  {
    topic,
    prefix,
    expected,
    payments = false,
  }: { topic: string; prefix: string; expected: number; payments?: boolean },
): Promise<KafkaVsRows> {
  // Bad messages on the topic (dead letters) carry no event id of the run.
  const ofRun = (records: TopicRecord[]): string[] =>
    records.flatMap((r) => {
      try {
        const id = (JSON.parse(r.value) as { eventId?: unknown }).eventId;
        return typeof id === 'string' && id.startsWith(prefix) ? [id] : [];
      } catch {
        return [];
      }
    });
  const records = await readTopic(
    k.kafka,
    k.config.kafka.brokers,
    topic,
    (r) => new Set(ofRun(r)).size >= expected,
    `${expected} passages of ${prefix} on ${topic}`,
  );
  const kafka = new Set(ofRun(records));
  const rows = await passageIds(storage, prefix);
  const paymentsNotOne: string[] = [];
  if (payments) {
    const counts = await storage.query<{ event_id: string; n: string | number }>(
      'SELECT p.event_id, COUNT(y.payment_id) AS n FROM passages p LEFT JOIN payments y ON y.event_id = p.event_id WHERE p.event_id LIKE ? GROUP BY p.event_id HAVING COUNT(y.payment_id) <> 1',
      [`${prefix}%`],
    );
    paymentsNotOne.push(...counts.map((c) => `${c.event_id}×${Number(c.n)}`));
  }
  return {
    inKafka: kafka.size,
    rows: rows.size,
    missing: [...kafka].filter((id) => !rows.has(id)).slice(0, 10),
    notInKafka: [...rows].filter((id) => !kafka.has(id)).slice(0, 10),
    paymentsNotOne: paymentsNotOne.slice(0, 10),
  };
}

/** Total of sink_offsets.next_offset for a group and topic (= messages handled when offsets start at 0). */
export async function storedOffsets(
  storage: Storage,
  groupId: string,
  topic: string,
): Promise<Map<number, bigint>> {
  const rows = await storage.query<{ kafka_partition: number; next_offset: string }>(
    'SELECT kafka_partition, next_offset FROM sink_offsets WHERE group_id = ? AND topic = ?',
    [groupId, topic],
  );
  return new Map(rows.map((r) => [Number(r.kafka_partition), BigInt(r.next_offset)]));
}
