/**
 * Dead letters through a Kafka outage longer than kafkajs' own retries (90 s), on a private broker this test
 * stops and starts (the shared one is never touched). kafkajs reports that as KafkaJSNumberOfRetriesExceeded,
 * which is not "retriable"; the sink must keep the bad messages' offsets until the dead-letter topic has them.
 * The DLQ topic is created only after the outage, so the dead letters are certainly in flight (their sends
 * retrying) when the broker dies. Judged by an independent reader of the DLQ topic: each bad message once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSink } from '../../../src/engines/sink/index.ts';
import type { SinkEngine } from '../../../src/engines/sink/index.ts';
import { KafkaAdmin } from '../../../src/kafka/admin.ts';
import { createKafka } from '../../../src/kafka/client.ts';
import type { OutgoingMessage } from '../../../src/kafka/producer.ts';
import { KafkaPublisher } from '../../../src/kafka/producer.ts';
import { readTopic } from '../../helpers/read-topic.ts';
import { freshDatabase, testConfig, uniqueName, waitFor } from '../../helpers/services.ts';
import type { TestDatabase } from '../../helpers/services.ts';
import { startPrivateBroker } from '../producer/private-broker.ts';
import type { PrivateBroker } from '../producer/private-broker.ts';
import { keyed, passage, passageIds, storedOffsets } from './fixtures.ts';

const OUTAGE_MS = 90_000;

describe('dead letters through a long Kafka outage', () => {
  let broker: PrivateBroker;
  let db: TestDatabase;
  let sink: SinkEngine | undefined;
  const run = uniqueName('dlo').replace(/_/g, '-');

  beforeAll(async () => {
    broker = await startPrivateBroker();
    db = await freshDatabase();
  }, 180_000);
  afterAll(async () => {
    await sink?.stop();
    await db?.drop();
    await broker?.close();
  });

  it('every bad message ends in the DLQ topic exactly once', async () => {
    const config = testConfig({ brokers: broker.bootstrap, mysqlUrl: db.url });
    const kafka = createKafka(config.kafka, { clientIdSuffix: '-dlq-outage-test' });
    const topics = {
      passages: 'dlo.passages',
      payments: 'dlo.payments',
      plazas: 'dlo.plazas',
      legacy: 'dlo.legacy',
      dlq: 'dlo.dlq',
    };
    const admin = await new KafkaAdmin(kafka).connect();
    await admin.ensureTopics(
      [topics.passages, topics.payments, topics.plazas, topics.legacy].map((topic) => ({
        topic,
        partitions: 1,
        replicationFactor: 1,
      })),
    );
    await admin.disconnect();

    const good = Array.from({ length: 40 }, (_, i) => passage(run, i));
    const bad = Array.from({ length: 4 }, (_, i) => `passage ${i} {not json`);
    const messages: OutgoingMessage[] = [];
    good.forEach((p, i) => {
      messages.push(keyed(p.plazaId, p));
      if (i % 10 === 4) messages.push({ key: '4000', value: bad[(i - 4) / 10]! });
    });
    const publisher = new KafkaPublisher(kafka);
    await publisher.connect();
    await publisher.send([{ topic: topics.passages, messages }]);
    await publisher.disconnect();

    const groupId = uniqueName('sink-dlq-outage');
    sink = createSink(config, { groupId, topics });
    await sink.start();
    await waitFor(() => (sink!.store.getSnapshot().assignment[topics.passages] ?? []).length === 1, {
      what: 'the sink to own the partition',
      timeoutMs: 60_000,
    });
    // Let it fetch the chunk and start sending its dead letters (to a topic that does not exist yet).
    await new Promise((r) => setTimeout(r, 3000));

    await broker.stopBroker('SIGKILL');
    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    await broker.startBroker();
    const again = await new KafkaAdmin(kafka).connect();
    await again.ensureTopics([{ topic: topics.dlq, partitions: 1, replicationFactor: 1 }]);
    await again.disconnect();

    await waitFor(
      async () =>
        (await storedOffsets(db.storage, groupId, topics.passages)).get(0) === BigInt(messages.length),
      { what: 'the partition persisted to its end', timeoutMs: 180_000 },
    );
    expect([...(await passageIds(db.storage, `${run}-`))].sort()).toEqual(good.map((p) => p.eventId).sort());

    const brokers = [broker.bootstrap];
    const dead = await readTopic(
      kafka,
      brokers,
      topics.dlq,
      (r) => r.length >= bad.length,
      'the dead letters',
    );
    const all = await readTopic(kafka, brokers, topics.dlq, (r) => r.length >= dead.length);
    expect(all.map((r) => r.value).sort()).toEqual([...bad].sort());
    expect(new Set(all.map((r) => r.headers['dead-letter-id'])).size).toBe(bad.length);
    // The store publishes snapshots throttled: the count may show a moment after the commit.
    await waitFor(() => sink!.store.getSnapshot().deadLettered === bad.length, {
      what: `the sink to count ${bad.length} dead letters (it shows ${sink!.store.getSnapshot().deadLettered})`,
      timeoutMs: 5000,
    });
    // None given up as refused by the broker (that would show as refused:<code>).
    expect(sink.store.getSnapshot().deadLetterReasons).toEqual({ 'not-json': bad.length });
  }, 420_000);
});
