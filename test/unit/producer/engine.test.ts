import os from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/config.ts';
import { createProducerEngine } from '../../../src/engines/producer/index.ts';
import type { ProducerEngine, ProducerEngineOptions } from '../../../src/engines/producer/index.ts';
import type { Passage, Payment, Plaza } from '../../../src/domain/types.ts';
import type { ProducerSnapshot } from '../../../src/engines/types.ts';
import { waitFor } from '../../../src/util/backoff.ts';
import { FakePublisher, FakeSource } from './fakes.ts';

const config = loadConfig({ rate: '0' }, {}, os.tmpdir());
const TOPICS = { passages: 'p', payments: 'pay', plazas: 'pl' };

let engine: ProducerEngine | undefined;
afterEach(async () => {
  await engine?.stop();
  engine = undefined;
});

function setup(
  sources: Record<string, FakeSource>,
  options: ProducerEngineOptions = {},
): { engine: ProducerEngine; publishers: Map<string, FakePublisher> } {
  const publishers = new Map<string, FakePublisher>();
  engine = createProducerEngine(config, {
    topics: TOPICS,
    sourceFactory: (spec) => {
      const s = sources[spec];
      if (!s) throw new Error(`bad source "${spec}"`);
      return s;
    },
    publisherFactory: (id) => {
      const p = publishers.get(id) ?? new FakePublisher();
      publishers.set(id, p);
      return p;
    },
    storeIntervalMs: 10,
    tuning: { backoff: { initialMs: 5, maxMs: 20 }, ...options.tuning },
    ...options,
  });
  return { engine, publishers };
}

function producer(e: ProducerEngine, id: string): ProducerSnapshot {
  e.store.getSnapshot();
  const snap = e.store.getSnapshot().producers.find((p) => p.id === id);
  if (!snap) throw new Error(`no ${id}`);
  return snap;
}

const finished = (e: ProducerEngine, id: string) => () => producer(e, id).status.kind === 'finished';

describe('producer engine', () => {
  it('publishes plazas first, then every passage and payment keyed by plaza id, and finishes a finite source', async () => {
    const source = new FakeSource('fake:a', 5000, 300);
    const { engine: e, publishers } = setup({ 'fake:a': source }, { tuning: { maxBatchPassages: 1000 } });
    const id = e.add('fake:a');
    expect(id).toBe('fake-1');
    await waitFor(finished(e, id), { what: 'producer to finish' });
    const pub = publishers.get(id)!;
    expect(pub.log[0]!.topic).toBe('pl');
    expect(pub.values<Plaza>('pl').map((p) => p.plazaId)).toEqual([4000, 4001, 4002]);
    expect(pub.keys('pl')).toEqual(['4000', '4001', '4002']);
    const passages = pub.values<Passage>('p');
    expect(passages.map((p) => p.eventId)).toEqual(
      Array.from({ length: 5000 }, (_, n) => `t-${4000 + (n % 3)}-${String(n).padStart(6, '0')}`),
    );
    expect(pub.keys('p')).toEqual(passages.map((p) => String(p.plazaId)));
    const payments = pub.values<Payment>('pay');
    expect(payments.map((p) => p.eventId)).toEqual(passages.map((p) => p.eventId));
    expect(pub.keys('pay')).toEqual(payments.map((p) => String(p.plazaId)));
    // Batched: never one message per request, never more than the batch size, one request in flight.
    const sizes = pub.calls.slice(1).map((c) => c.batches.find((b) => b.topic === 'p')!.messages.length);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(1000);
    expect(sizes.length).toBeLessThan(5000 / 100);
    expect(pub.maxInFlight).toBe(1);
    const snap = producer(e, id);
    expect(snap).toMatchObject({
      sent: 5000,
      acked: 5000,
      failed: 0,
      payments: 5000,
      finite: true,
      sourceKind: 'fake',
    });
    expect(snap.progress).toMatchObject({ read: 5000, total: 5000 });
    expect(snap.etaMs).toBe(0);
    expect(e.store.getSnapshot().totals).toMatchObject({ sent: 5000, acked: 5000, failed: 0 });
    expect(pub.disconnects).toBe(1);
  });

  it('stamps messages with the time the passage left the source, for end-to-end latency', async () => {
    const before = Date.now();
    const { engine: e, publishers } = setup({ 'fake:a': new FakeSource('fake:a', 20, 20) });
    const id = e.add('fake:a');
    await waitFor(finished(e, id));
    const stamps = publishers
      .get(id)!
      .log.filter((b) => b.topic === 'p')
      .flatMap((b) => b.messages.map((m) => Number(m.timestamp)));
    expect(stamps).toHaveLength(20);
    for (const t of stamps) expect(t).toBeGreaterThanOrEqual(before);
  });

  it('applies backpressure: the source is never read more than one outbox ahead of Kafka', async () => {
    const source = new FakeSource('fake:a', undefined, 50);
    const { engine: e, publishers } = setup(
      { 'fake:a': source },
      { tuning: { outboxCapacity: 400, maxBatchPassages: 100 } },
    );
    const pub = new FakePublisher();
    publishers.set('fake-1', pub);
    e.add('fake:a', { autostart: false });
    pub.hold('p');
    e.startProducer('fake-1');
    await waitFor(() => pub.calls.length >= 2, { what: 'the first passage batch to be in flight' });
    // Give the reader every chance to run ahead while the send is held.
    for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
    // In flight (100) + outbox (< 400 + one chunk of 50) + the chunk the reader holds (50).
    expect(source.next).toBeLessThanOrEqual(100 + 400 + 50 + 50);
    expect(source.next).toBeGreaterThanOrEqual(400);
    pub.release();
    await waitFor(() => producer(e, 'fake-1').acked > 2000, { what: 'acks to flow again' });
    await e.stopProducer('fake-1');
    const snap = producer(e, 'fake-1');
    expect(snap.acked).toBe(snap.sent);
    expect(snap.acked).toBe(source.next);
  });

  it('retries a Kafka outage with backoff, shows error{willRetry}, and loses nothing', async () => {
    const source = new FakeSource('fake:a', 1000, 100);
    const { engine: e, publishers } = setup({ 'fake:a': source });
    const pub = new FakePublisher();
    publishers.set('fake-1', pub);
    const outage = Object.assign(new Error('Connection error: ECONNREFUSED'), { retriable: true });
    pub.failures = [outage, outage, outage];
    pub.hold();
    e.add('fake:a');
    await waitFor(() => pub.calls.length >= 1);
    const statuses: string[] = [];
    const unsubscribe = e.store.subscribe(() =>
      statuses.push(JSON.stringify(e.store.getSnapshot().producers[0]!.status)),
    );
    pub.release();
    await waitFor(finished(e, 'fake-1'), { what: 'producer to finish after the outage' });
    unsubscribe();
    expect(statuses.some((s) => s.includes('"kind":"error"') && s.includes('"willRetry":true'))).toBe(true);
    const ids = pub.values<Passage>('p').map((p) => p.eventId);
    expect(ids).toHaveLength(1000);
    expect(new Set(ids).size).toBe(1000);
    expect(producer(e, 'fake-1')).toMatchObject({ acked: 1000, failed: 0, lastError: outage.message });
  });

  it('reconnects (a new producer id) after a sequence error before retrying', async () => {
    const { engine: e, publishers } = setup({ 'fake:a': new FakeSource('fake:a', 100, 100) });
    const pub = new FakePublisher();
    publishers.set('fake-1', pub);
    pub.failures = [Object.assign(new Error('OUT_OF_ORDER_SEQUENCE_NUMBER'), { staleProducer: true })];
    e.add('fake:a');
    await waitFor(finished(e, 'fake-1'));
    expect(pub.disconnects).toBeGreaterThanOrEqual(2);
    expect(pub.values('p')).toHaveLength(100);
  });

  it('isolates a passage the broker refuses for good: it alone is failed, the rest is published', async () => {
    const { engine: e, publishers } = setup({ 'fake:a': new FakeSource('fake:a', 500, 500) });
    const pub = new FakePublisher();
    publishers.set('fake-1', pub);
    pub.rejectEventId = 't-4001-000337';
    e.add('fake:a');
    await waitFor(finished(e, 'fake-1'));
    const ids = pub.values<Passage>('p').map((p) => p.eventId);
    expect(ids).toHaveLength(499);
    expect(ids).not.toContain('t-4001-000337');
    expect(producer(e, 'fake-1')).toMatchObject({ sent: 500, acked: 499, failed: 1 });
    expect(producer(e, 'fake-1').lastError).toContain('t-4001-000337');
  });

  it('stop flushes, and start resumes the same source without repeats', async () => {
    const source = new FakeSource('fake:a', undefined, 25);
    const { engine: e, publishers } = setup({ 'fake:a': source });
    const id = e.add('fake:a');
    await waitFor(() => producer(e, id).acked >= 500);
    await e.stopProducer(id);
    const first = producer(e, id);
    expect(first.status).toEqual({ kind: 'stopped' });
    expect(first.acked).toBe(first.sent);
    const readAtStop = source.next;
    expect(first.acked).toBe(readAtStop);
    e.startProducer(id);
    await waitFor(() => producer(e, id).acked >= readAtStop + 500);
    await e.stopProducer(id);
    const ids = publishers
      .get(id)!
      .values<Passage>('p')
      .map((p) => p.eventId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(source.next);
    // Plazas went out once, not on every start.
    expect(publishers.get(id)!.values('pl')).toHaveLength(3);
  });

  it('a stop that cannot flush keeps the rest and sends it first on the next start', async () => {
    const source = new FakeSource('fake:a', 300, 100);
    const { engine: e, publishers } = setup(
      { 'fake:a': source },
      { tuning: { flushTimeoutMs: 100, maxBatchPassages: 100 } },
    );
    const pub = new FakePublisher();
    publishers.set('fake-1', pub);
    let down = false;
    // The plazas and the first batch go through, then the broker is down.
    pub.failWhen = (callNo) => (callNo > 2 || down ? ((down = true), new Error('broker down')) : undefined);
    e.add('fake:a');
    await waitFor(() => producer(e, 'fake-1').status.kind === 'error');
    await e.stopProducer('fake-1');
    const stopped = producer(e, 'fake-1');
    expect(stopped.status.kind).toBe('stopped');
    expect(stopped.status.kind === 'stopped' && stopped.status.reason).toMatch(/not acknowledged yet/);
    expect(stopped.acked).toBe(100);
    pub.failWhen = undefined;
    e.startProducer('fake-1');
    await waitFor(finished(e, 'fake-1'));
    const ids = pub.values<Passage>('p').map((p) => Number(p.eventId.slice(-6)));
    expect(ids).toEqual(Array.from({ length: 300 }, (_, i) => i));
  });

  it('a stop does not wait longer than the flush timeout for a send Kafka never answers', async () => {
    const source = new FakeSource('fake:a', 200, 100);
    const { engine: e, publishers } = setup(
      { 'fake:a': source },
      { tuning: { flushTimeoutMs: 150, maxBatchPassages: 100 } },
    );
    const pub = new FakePublisher();
    publishers.set('fake-1', pub);
    pub.hold('p');
    e.add('fake:a');
    await waitFor(() => pub.calls.length >= 2, { what: 'a passage send to hang' });
    const t0 = Date.now();
    await e.stopProducer('fake-1');
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(producer(e, 'fake-1')).toMatchObject({ acked: 0, sent: 200, status: { kind: 'stopped' } });
    expect(pub.disconnects).toBe(1);
    pub.release();
    e.startProducer('fake-1');
    await waitFor(finished(e, 'fake-1'));
    expect(producer(e, 'fake-1')).toMatchObject({ acked: 200, sent: 200, failed: 0 });
  });

  it('spends a shared passage budget exactly across producers and finishes them', async () => {
    const a = new FakeSource('fake:a', undefined, 7);
    const b = new FakeSource('fake:b', undefined, 11);
    const { engine: e, publishers } = setup({ 'fake:a': a, 'fake:b': b }, { maxPassages: 1234 });
    e.add('fake:a');
    e.add('fake:b');
    await waitFor(() => finished(e, 'fake-1')() && finished(e, 'fake-2')(), { what: 'both to finish' });
    const total = [...publishers.values()].reduce((n, p) => n + p.values('p').length, 0);
    expect(total).toBe(1234);
    expect(e.store.getSnapshot().totals.acked).toBe(1234);
  });

  it('re-paces a producer through its source', async () => {
    const source = new FakeSource('fake:a', undefined, 5);
    const { engine: e } = setup({ 'fake:a': source });
    const id = e.add('fake:a', { pace: { kind: 'rate', perSecond: 5 }, autostart: false });
    e.setPace(id, { kind: 'rate', perSecond: 2000 });
    expect(source.getPace()).toEqual({ kind: 'rate', perSecond: 2000 });
    await waitFor(() => producer(e, id).pace.kind === 'rate' && producer(e, id).pace);
    expect(producer(e, id).pace).toEqual({ kind: 'rate', perSecond: 2000 });
    expect(producer(e, id).status).toEqual({ kind: 'idle' });
  });

  it('reports a failing source as error{willRetry:false} after flushing what it read', async () => {
    const source = new FakeSource('fake:a', 100, 10);
    source.failAt = 55;
    const { engine: e, publishers } = setup({ 'fake:a': source });
    e.add('fake:a');
    await waitFor(() => producer(e, 'fake-1').status.kind === 'error' && !producer(e, 'fake-1').ratePerSec);
    expect(producer(e, 'fake-1').status).toEqual({
      kind: 'error',
      message: 'source failed: bad row 55',
      willRetry: false,
    });
    expect(publishers.get('fake-1')!.values('p')).toHaveLength(50);
  });

  it('refuses an unknown source spec and an unknown producer id', () => {
    const { engine: e } = setup({});
    expect(() => e.add('nope')).toThrow(/bad source "nope"/);
    expect(() => e.startProducer('fake-9')).toThrow(/no producer "fake-9"/);
  });

  it('names producers per source kind', () => {
    const { engine: e } = setup({ x: new FakeSource('x', 1), y: new FakeSource('y', 1) });
    expect([e.add('x', { autostart: false }), e.add('y', { autostart: false })]).toEqual([
      'fake-1',
      'fake-2',
    ]);
  });
});
