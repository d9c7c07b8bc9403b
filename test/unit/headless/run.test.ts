/**
 * The headless run's orchestration with in-memory engines: a fake broker (one partition per topic), a sink that
 * copies it into a fake passages table, and the real producer engine over fake sources. Covers how a run ends,
 * the drain, reconciliation and the exit codes; the real thing is in test/integration/headless.
 */
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import type { AnomalySnapshot } from '../../../src/anomalies/engine.ts';
import { RULES } from '../../../src/anomalies/types.ts';
import { loadConfig } from '../../../src/config/config.ts';
import type { Config } from '../../../src/config/config.ts';
import type { Engine, LagSnapshot, SinkSnapshot } from '../../../src/engines/types.ts';
import type { Publisher, SentRecord, TopicBatch } from '../../../src/kafka/producer.ts';
import { partitionKey } from '../../../src/kafka/partition-key.ts';
import type { PipelineParts } from '../../../src/runtime/pipeline.ts';
import { runHeadless } from '../../../src/headless/run.ts';
import type { HeadlessOptions } from '../../../src/headless/run.ts';
import type { RunServices } from '../../../src/headless/services.ts';
import { ThrottledStore } from '../../../src/util/store.ts';
import { FakeSource } from '../producer/fakes.ts';

class FakeBroker {
  readonly topics = new Map<string, string[]>();
  publisher(): Publisher {
    return {
      connect: async () => {},
      disconnect: async () => {},
      send: async (batches: TopicBatch[]): Promise<SentRecord[]> => {
        await new Promise((r) => setImmediate(r));
        return batches.map((b) => {
          const log = this.topics.get(b.topic) ?? [];
          this.topics.set(b.topic, log);
          const baseOffset = String(log.length);
          log.push(...b.messages.map((m) => String(m.value)));
          return { topic: b.topic, partition: 0, baseOffset, count: b.messages.length };
        });
      },
    };
  }
}

interface World {
  broker: FakeBroker;
  db: Map<string, number>;
  sinkAt: Map<string, number>;
  /** Event ids the fake sink drops (as if dead-lettered). */
  drop: Set<string>;
  /** The sink stops persisting (stuck). */
  stuck: boolean;
  /** MySQL refuses the sink's writes for good with this message: it persists nothing and says so. */
  refused?: string;
}

function fakeParts(world: World): Partial<PipelineParts> {
  return {
    sink: (_config, { groupId, topics }) => {
      let persisted = 0;
      let timer: NodeJS.Timeout | undefined;
      const store = new ThrottledStore<SinkSnapshot>(
        () => ({
          status:
            timer && world.refused
              ? { kind: 'error', message: world.refused, willRetry: true, retryInMs: 30_000, permanent: true }
              : { kind: timer ? 'running' : 'stopped' },
          groupId,
          assignment: {},
          consumed: persisted,
          persisted,
          payments: 0,
          plazas: 0,
          deadLettered: world.drop.size,
          deadLetterReasons: {},
          alreadyPresent: 0,
          ratePerSec: 0,
          latency: { p50Ms: 12, p99Ms: 34, maxMs: 40, count: persisted },
          recent: [],
          bucketMs: 5000,
          throughput: [],
        }),
        5,
      );
      const poll = (): void => {
        if (world.stuck) return;
        if (world.refused) return store.touch();
        for (const topic of [topics.passages, topics.payments, topics.plazas]) {
          const log = world.broker.topics.get(topic) ?? [];
          const at = world.sinkAt.get(topic) ?? 0;
          for (const value of log.slice(at)) {
            if (topic !== topics.passages) continue;
            const id = (JSON.parse(value) as { eventId: string }).eventId;
            if (world.drop.has(id)) continue;
            world.db.set(id, (world.db.get(id) ?? 0) + 1);
            persisted++;
          }
          world.sinkAt.set(topic, log.length);
        }
        store.touch();
      };
      const engine: Engine<SinkSnapshot> = {
        store,
        async start() {
          timer = setInterval(poll, 5);
        },
        async stop() {
          if (timer) clearInterval(timer);
          timer = undefined;
          store.touch();
          store.flush();
        },
      };
      return engine;
    },
    lag: () => {
      const store = new ThrottledStore<LagSnapshot>(() => ({
        status: { kind: 'running' },
        sampledAt: null,
        groups: [],
      }));
      return { store, start: async () => {}, stop: async () => {} };
    },
    anomalies: () => {
      const store = new ThrottledStore<AnomalySnapshot>(() => ({
        status: { kind: 'running' },
        groupId: 'tollstream-anomalies',
        watermark: null,
        inputs: 0,
        late: 0,
        findings: 0,
        perRule: Object.fromEntries(RULES.map((r) => [r, 0])) as AnomalySnapshot['perRule'],
        published: 0,
        recent: [],
      }));
      return { store, start: async () => {}, stop: async () => {} };
    },
  };
}

function fakeServices(world: World): RunServices {
  const offsets = (read: (topic: string) => number) => async (topics: string[]) =>
    new Map(topics.map((t) => [partitionKey(t, 0), BigInt(read(t))]));
  return {
    topicsMissing: async (topics) => topics.filter((t) => t.startsWith('missing')),
    highWatermarks: offsets((t) => world.broker.topics.get(t)?.length ?? 0),
    committed: (_group, topics) => offsets((t) => world.sinkAt.get(t) ?? 0)(topics),
    lookup: async (ids) => new Map(ids.filter((id) => world.db.has(id)).map((id) => [id, { payments: 1 }])),
    close: async () => {},
  };
}

function setup(
  flags: Record<string, unknown>,
  sources: Record<string, () => FakeSource>,
  extra: Partial<HeadlessOptions> = {},
) {
  const world: World = {
    broker: new FakeBroker(),
    db: new Map(),
    sinkAt: new Map(),
    drop: new Set(),
    stuck: false,
  };
  const config: Config = loadConfig({ interval: '50ms', ...flags }, {}, os.tmpdir());
  const lines: Record<string, unknown>[] = [];
  const run = () =>
    runHeadless(config, {
      out: (l) => lines.push(JSON.parse(l) as Record<string, unknown>),
      parts: fakeParts(world),
      services: fakeServices(world),
      topics: { passages: 'p', payments: 'pay', plazas: 'pl', dlq: 'dlq', legacy: 'legacy' },
      producerOptions: {
        sourceFactory: (spec) => {
          const make = sources[spec];
          if (!make)
            throw Object.assign(new Error(`bad source "${spec}": unknown kind`), { name: 'SourceSpecError' });
          return make();
        },
        publisherFactory: () => world.broker.publisher(),
      },
      sinkJoinWaitMs: 0,
      drainStallMs: 300,
      ...extra,
    });
  return { world, lines, run };
}

describe('headless run (in-memory engines)', () => {
  it('ends by itself once finite sources are exhausted and persisted, reconciles, exits 0', async () => {
    const { lines, run, world } = setup(
      { source: ['file:a', 'file:b'] },
      {
        'file:a': () => new FakeSource('file:a', 3000, 250),
        'file:b': () => Object.assign(new FakeSource('file:b', 1000, 100), { idPrefix: 'b' }),
      },
    );
    const result = await run();
    expect(result.exitCode).toBe(0);
    const summary = lines.at(-1)!;
    expect(summary).toMatchObject({
      type: 'summary',
      role: 'all',
      stoppedBy: 'sources-finished',
      produced: 4000,
      unacked: 0,
      failed: 0,
      persisted: 4000,
      missing: 0,
      duplicatesFound: 0,
      lag: 0,
      latencyP50Ms: 12,
      latencyP99Ms: 34,
      reconciled: true,
      reason: null,
    });
    expect(world.db.size).toBe(4000);
    expect(lines.slice(0, -1).every((l) => l.type === 'status')).toBe(true);
    expect(result.times.drainedAt).not.toBeNull();
  });

  it('stops after --events passages in total and reconciles them', async () => {
    const { lines, run } = setup(
      { source: ['simulator'], events: '777' },
      {
        simulator: () => new FakeSource('simulator', undefined, 50),
      },
    );
    const result = await run();
    expect(result.exitCode).toBe(0);
    expect(lines.at(-1)).toMatchObject({
      stoppedBy: 'events',
      produced: 777,
      persisted: 777,
      reconciled: true,
    });
  });

  it('stops after --duration, printing status lines meanwhile', async () => {
    const { lines, run } = setup(
      { source: ['simulator'], duration: '400ms' },
      {
        simulator: () => new FakeSource('simulator', undefined, 5),
      },
    );
    const result = await run();
    expect(result.exitCode).toBe(0);
    const statuses = lines.filter((l) => l.type === 'status');
    expect(statuses.length).toBeGreaterThanOrEqual(3);
    expect(statuses[0]).toHaveProperty('producers');
    expect(lines.at(-1)).toMatchObject({ stoppedBy: 'duration', reconciled: true });
  });

  it('stops gracefully on a stop request (SIGINT in the CLI) and still reconciles', async () => {
    const stop = new AbortController();
    const { lines, run } = setup(
      { source: ['simulator'] },
      { simulator: () => new FakeSource('simulator', undefined, 20) },
      {
        stop: stop.signal,
        onStatus: (l) => {
          if ((l.produced as number) > 200) stop.abort();
        },
      },
    );
    const result = await run();
    expect(result.exitCode).toBe(0);
    expect(lines.at(-1)).toMatchObject({ stoppedBy: 'signal', reconciled: true });
  });

  it('exits 1 with a reason when a produced passage never reaches MySQL', async () => {
    const { lines, run, world } = setup(
      { source: ['file:a'] },
      { 'file:a': () => new FakeSource('file:a', 500, 100) },
    );
    world.drop.add('t-4001-000007');
    const result = await run();
    expect(result.exitCode).toBe(1);
    expect(lines.at(-1)).toMatchObject({
      reconciled: false,
      missing: 1,
      reason:
        '1 of 500 passages acknowledged by Kafka are missing from MySQL (e.g. t-4001-000007); dead-lettered?',
    });
  });

  it('exits 1 when the sink never catches up', async () => {
    const { lines, run, world } = setup(
      { source: ['file:a'] },
      { 'file:a': () => new FakeSource('file:a', 100, 100) },
    );
    world.stuck = true;
    const result = await run();
    expect(result.exitCode).toBe(1);
    expect(String(lines.at(-1)!.reason)).toMatch(/^not reconciled: the sink made no progress/);
  });

  it('a run that ends with MySQL refusing the sink for good exits 1 naming the cause', async () => {
    const denied = "MySQL refuses the sink's writes: INSERT command denied to user 'ts'@'localhost'";
    const consumer = setup({ role: 'consumer', duration: '200ms' }, {});
    consumer.world.refused = denied;
    expect((await consumer.run()).exitCode).toBe(1);
    expect(consumer.lines.at(-1)).toMatchObject({ role: 'consumer', reason: `sink error: ${denied}` });
    // Status lines say it as an error to fix, not as an outage being retried.
    expect(consumer.lines.some((l) => l.type === 'status' && String(l.sink).includes('(needs a fix'))).toBe(
      true,
    );

    const all = setup({ source: ['file:a'] }, { 'file:a': () => new FakeSource('file:a', 100, 100) });
    all.world.refused = denied;
    expect((await all.run()).exitCode).toBe(1);
    expect(String(all.lines.at(-1)!.reason)).toMatch(
      /^sink error: MySQL refuses the sink's writes: INSERT command denied.*; not reconciled: the sink made no progress/,
    );
  });

  it('a producer-only run exits 0 once Kafka acknowledged everything, without reconciling MySQL', async () => {
    const { lines, run } = setup(
      { source: ['file:a'], role: 'producer' },
      { 'file:a': () => new FakeSource('file:a', 300, 100) },
    );
    const result = await run();
    expect(result.exitCode).toBe(0);
    expect(lines.at(-1)).toMatchObject({
      role: 'producer',
      produced: 300,
      persisted: null,
      reconciled: null,
      reason: 'not reconciled: no consumer in this process (all 300 passages acknowledged by Kafka)',
    });
  });

  it('a consumer-only run runs until its duration and exits 0', async () => {
    const { lines, run } = setup({ role: 'consumer', duration: '200ms' }, {});
    const result = await run();
    expect(result.exitCode).toBe(0);
    expect(lines.at(-1)).toMatchObject({
      role: 'consumer',
      stoppedBy: 'duration',
      produced: null,
      reconciled: null,
    });
  });

  it('exits 1 when a source fails', async () => {
    const { lines, run } = setup(
      { source: ['file:a'] },
      {
        'file:a': () => Object.assign(new FakeSource('file:a', 100, 10), { failAt: 42 }),
      },
    );
    const result = await run();
    expect(result.exitCode).toBe(1);
    expect(lines.at(-1)).toMatchObject({
      stoppedBy: 'sources-failed',
      reason: 'producer fake-1 failed: source failed: bad row 42',
    });
  });

  it('refuses a bad source spec and missing topics with exit 2 and a clear message', async () => {
    const bad = await setup({ source: ['file:nope'] }, {}).run();
    expect(bad).toMatchObject({ exitCode: 2, usageError: 'bad source "file:nope": unknown kind' });
    const { run } = setup(
      { source: ['file:a'] },
      { 'file:a': () => new FakeSource('file:a', 1) },
      {
        topics: { passages: 'missing.p', payments: 'pay', plazas: 'pl', dlq: 'dlq', legacy: 'legacy' },
      },
    );
    const missing = await run();
    expect(missing.exitCode).toBe(2);
    expect(missing.usageError).toMatch(
      /^topic missing\.p does not exist on .*; create them with "tollstream stack up"$/,
    );
  });
});
