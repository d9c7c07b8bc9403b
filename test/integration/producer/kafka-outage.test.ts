/**
 * A Kafka outage under a running producer, on a private broker this test starts and kills: the producer shows
 * error{willRetry}, keeps its passages, and once the broker is back publishes every one of them, none lost.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProducerEngine } from '../../../src/engines/producer/index.ts';
import type { ProducerEngine } from '../../../src/engines/producer/index.ts';
import { createKafka } from '../../../src/kafka/client.ts';
import { KafkaAdmin } from '../../../src/kafka/admin.ts';
import type { EngineStatus } from '../../../src/engines/types.ts';
import { testConfig, waitFor } from '../../helpers/services.ts';
import { FakeSource } from '../../unit/producer/fakes.ts';
import { startPrivateBroker } from './private-broker.ts';
import { eventIds, readTopic } from '../../helpers/read-topic.ts';
import type { PrivateBroker } from './private-broker.ts';

describe('producer engine through a Kafka outage', () => {
  let broker: PrivateBroker;
  let engine: ProducerEngine | undefined;
  beforeAll(async () => {
    broker = await startPrivateBroker();
  }, 180_000);
  afterAll(async () => {
    await engine?.stop();
    await broker?.close();
  });

  it('retries with backoff, shows error{willRetry}, and loses nothing', async () => {
    const config = testConfig({ brokers: broker.bootstrap });
    const kafka = createKafka(config.kafka, { clientIdSuffix: '-outage-test' });
    const admin = await new KafkaAdmin(kafka).connect();
    const topics = { passages: 'outage.passages', payments: 'outage.payments', plazas: 'outage.plazas' };
    await admin.ensureTopics(
      Object.values(topics).map((topic) => ({ topic, partitions: 3, replicationFactor: 1 })),
    );
    await admin.disconnect();

    const source = new FakeSource('fake:outage', undefined, 50);
    engine = createProducerEngine(config, {
      topics,
      sourceFactory: () => source,
      tuning: { backoff: { initialMs: 200, maxMs: 2000 }, slowAckMs: 2000 },
    });
    const statuses: EngineStatus[] = [];
    engine.store.subscribe(() => statuses.push(engine!.store.getSnapshot().producers[0]!.status));
    engine.add('fake:outage');
    const snap = () => engine!.store.getSnapshot().producers[0]!;
    await waitFor(() => snap().acked >= 2000, { what: 'passages to flow', timeoutMs: 60_000 });

    await broker.stopBroker('SIGKILL');
    await waitFor(() => snap().status.kind === 'error', {
      what: 'the producer to show the outage',
      timeoutMs: 90_000,
    });
    const during = snap();
    expect(during.status).toMatchObject({ kind: 'error', willRetry: true });
    const ackedDuring = during.acked;

    await broker.startBroker();
    await waitFor(() => snap().status.kind === 'running' && snap().acked > ackedDuring + 2000, {
      what: 'the producer to recover by itself',
      timeoutMs: 120_000,
    });
    await engine.stopAll();
    const final = snap();
    expect(final.failed).toBe(0);
    expect(final.acked).toBe(final.sent);
    expect(final.acked).toBe(source.next);
    expect(statuses.some((s) => s.kind === 'error' && s.willRetry)).toBe(true);
    await engine.stop();
    engine = undefined;

    // Every passage read from the source is in Kafka; a retried request may have been written twice.
    const ids = await readIds(config.kafka.brokers, topics.passages, kafka, final.acked);
    const distinct = new Set(ids);
    expect(distinct.size).toBe(final.acked);
    for (let n = 0; n < final.acked; n++) {
      const id = `t-${4000 + (n % 3)}-${String(n).padStart(6, '0')}`;
      if (!distinct.has(id)) throw new Error(`passage ${id} was lost`);
    }
  });
});

async function readIds(
  brokers: string[],
  topic: string,
  kafka: ReturnType<typeof createKafka>,
  atLeast: number,
): Promise<string[]> {
  const records = await readTopic(
    kafka,
    brokers,
    topic,
    (r) => new Set(eventIds(r)).size >= atLeast,
    `${atLeast} passages on ${topic}`,
  );
  return eventIds(records);
}
