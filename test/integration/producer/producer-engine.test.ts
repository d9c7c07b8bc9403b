/**
 * The producer engine against the real broker, checked with kcat (a client we did not write) where installed,
 * else with the project's consumer: passages, payments and plazas land on their topics keyed by plaza id, with
 * wire-format JSON, one plaza per partition, each passage once; stop/start resumes without repeats.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProducerEngine } from '../../../src/engines/producer/index.ts';
import type { ProducerEngine } from '../../../src/engines/producer/index.ts';
import type { Passage, Payment, Plaza } from '../../../src/domain/types.ts';
import { testKafka, waitFor } from '../../helpers/services.ts';
import { readTopic } from '../../helpers/read-topic.ts';
import type { TopicRecord } from '../../helpers/read-topic.ts';
import type { TestKafka } from '../../helpers/services.ts';
import { FakeSource } from '../../unit/producer/fakes.ts';

/** Every message of a topic, once `expected` have arrived. */
const readAll = (k: TestKafka, topic: string, expected: number): Promise<TopicRecord[]> =>
  readTopic(
    k.kafka,
    k.config.kafka.brokers,
    topic,
    (r) => r.length >= expected,
    `${expected} messages on ${topic}`,
  );

describe('producer engine on the real broker', () => {
  let k: TestKafka;
  let engine: ProducerEngine | undefined;
  beforeAll(async () => {
    k = await testKafka();
  });
  afterAll(async () => {
    await engine?.stop();
    await k.cleanup();
  });

  async function topics() {
    const [passages, payments, plazas] = await k.topics([
      { topic: 'prod.passages', partitions: 4 },
      { topic: 'prod.payments', partitions: 4 },
      { topic: 'prod.plazas', partitions: 2, config: { 'cleanup.policy': 'compact' } },
    ]);
    return { passages: passages!, payments: payments!, plazas: plazas! };
  }

  it('publishes N passages, their payments and the plazas, keyed by plaza id, with wire-format JSON', async () => {
    const t = await topics();
    const N = 6000;
    const source = new FakeSource('fake:n', N, 500);
    engine = createProducerEngine(k.config, { topics: t, sourceFactory: () => source });
    const id = engine.add('fake:n');
    await waitFor(() => engine!.store.getSnapshot().producers[0]?.status.kind === 'finished', {
      what: 'producer to finish',
    });
    expect(engine.store.getSnapshot().producers[0]).toMatchObject({
      id,
      sent: N,
      acked: N,
      failed: 0,
      payments: N,
    });
    await engine.stop();
    engine = undefined;

    const passages = await readAll(k, t.passages, N);
    expect(passages).toHaveLength(N);
    const parsed = passages.map((r) => ({ ...r, passage: JSON.parse(r.value) as Passage }));
    expect(new Set(parsed.map((p) => p.passage.eventId)).size).toBe(N);
    const partitionOfPlaza = new Map<string, Set<number>>();
    for (const p of parsed) {
      expect(p.key).toBe(String(p.passage.plazaId));
      expect(p.passage).toMatchObject({ v: 1, vehicleType: 'car', axles: 2 });
      if (!partitionOfPlaza.has(p.key)) partitionOfPlaza.set(p.key, new Set());
      partitionOfPlaza.get(p.key)!.add(p.partition);
    }
    // One plaza, one partition: per-plaza order holds.
    for (const parts of partitionOfPlaza.values()) expect(parts.size).toBe(1);
    // Within a plaza, passages arrive in the order the source made them.
    const plaza4000 = parsed.filter((p) => p.key === '4000').map((p) => Number(p.passage.eventId.slice(-6)));
    expect(plaza4000).toEqual([...plaza4000].sort((a, b) => a - b));

    const payments = (await readAll(k, t.payments, N)).map((r) => ({
      ...r,
      payment: JSON.parse(r.value) as Payment,
    }));
    expect(payments).toHaveLength(N);
    for (const p of payments) expect(p.key).toBe(String(p.payment.plazaId));
    expect(new Set(payments.map((p) => p.payment.eventId))).toEqual(
      new Set(parsed.map((p) => p.passage.eventId)),
    );

    const plazas = (await readAll(k, t.plazas, 3)).map((r) => ({
      ...r,
      plaza: JSON.parse(r.value) as Plaza,
    }));
    expect(plazas.map((p) => [p.key, p.plaza.plazaId]).sort()).toEqual([
      ['4000', 4000],
      ['4001', 4001],
      ['4002', 4002],
    ]);
  });

  it('stops (flushing), restarts the same source without repeats, and runs producers side by side', async () => {
    const t = await topics();
    const a = new FakeSource('fake:a', undefined, 100);
    const b = Object.assign(new FakeSource('fake:b', 3000, 100), { idPrefix: 'b' });
    const sources: Record<string, FakeSource> = { 'fake:a': a, 'fake:b': b };
    engine = createProducerEngine(k.config, { topics: t, sourceFactory: (spec) => sources[spec]! });
    const ia = engine.add('fake:a');
    const ib = engine.add('fake:b');
    const snap = (id: string) => engine!.store.getSnapshot().producers.find((p) => p.id === id)!;
    await waitFor(() => snap(ia).acked >= 2000, { what: '2000 acks' });
    await engine.stopProducer(ia);
    const stopped = snap(ia);
    expect(stopped.status.kind).toBe('stopped');
    expect(stopped.acked).toBe(stopped.sent);
    expect(stopped.acked).toBe(a.next);
    engine.startProducer(ia);
    await waitFor(() => snap(ia).acked >= stopped.acked + 2000, { what: '2000 more acks after restart' });
    await waitFor(() => snap(ib).status.kind === 'finished', { what: 'finite producer to finish' });
    await engine.stopAll();
    const total = snap(ia).acked + snap(ib).acked;
    expect(snap(ib).acked).toBe(3000);
    await engine.stop();
    engine = undefined;

    const ids = (await readAll(k, t.passages, total)).map((r) => (JSON.parse(r.value) as Passage).eventId);
    expect(ids).toHaveLength(total);
    expect(new Set(ids).size).toBe(total);
  });

  it('re-rates a running simulator producer at run time', async () => {
    const t = await topics();
    engine = createProducerEngine({ ...k.config, run: { ...k.config.run, rate: 50 } }, { topics: t });
    const id = engine.add('simulator:curve=flat');
    const acked = () => engine!.store.getSnapshot().producers[0]!.acked;
    expect(engine.store.getSnapshot().producers[0]!.pace).toEqual({ kind: 'rate', perSecond: 50 });
    await waitFor(() => acked() > 0, { what: 'first acks' });
    const slowFrom = acked();
    await new Promise((r) => setTimeout(r, 3000));
    const slow = acked() - slowFrom;
    engine.setPace(id, { kind: 'rate', perSecond: 3000 });
    await waitFor(
      () => engine!.store.getSnapshot().producers[0]!.pace.kind === 'rate' && acked() > slowFrom + slow + 100,
    );
    const fastFrom = acked();
    await new Promise((r) => setTimeout(r, 3000));
    const fast = acked() - fastFrom;
    expect(engine.store.getSnapshot().producers[0]!.pace).toEqual({ kind: 'rate', perSecond: 3000 });
    // 50/s against 3,000/s: a factor of 60 in theory; 5 leaves room for a loaded machine.
    expect(slow).toBeLessThan(300);
    expect(fast).toBeGreaterThan(slow * 5);
    await engine.stop();
    engine = undefined;
  });
});
