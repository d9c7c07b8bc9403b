import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import net from 'node:net';
import { createLagMonitor } from '../../../src/engines/lag/index.ts';
import type { GroupLagDetail, LagMonitor } from '../../../src/engines/lag/index.ts';
import { GroupConsumer } from '../../../src/kafka/consumer.ts';
import { KafkaPublisher } from '../../../src/kafka/producer.ts';
import { sleep } from '../../../src/util/backoff.ts';
import { testConfig, testKafka, uniqueName, waitFor } from '../../helpers/services.ts';
import type { TestKafka } from '../../helpers/services.ts';

/** Messages produced per partition. */
const PRODUCED = [100, 60, 30];

describe('lag monitor on the real broker', () => {
  let k: TestKafka;
  let topic: string;
  let monitor: LagMonitor | undefined;
  const consumers: GroupConsumer[] = [];
  let release = (): void => {};

  beforeAll(async () => {
    k = await testKafka();
    [topic] = (await k.topics([{ topic: 'lag.passages', partitions: 3 }])) as [string];
    const publisher = new KafkaPublisher(k.kafka);
    await publisher.connect();
    await publisher.send([
      {
        topic,
        messages: PRODUCED.flatMap((n, partition) =>
          Array.from({ length: n }, (_, i) => ({ key: null, value: `p${partition}-${i}`, partition })),
        ),
      },
    ]);
    await publisher.disconnect();
  });

  afterAll(async () => {
    release();
    await monitor?.stop();
    for (const c of consumers) await c.stop().catch(() => {});
    await k.cleanup();
  });

  const group = (id: string): GroupLagDetail | undefined =>
    monitor?.store.getSnapshot().groups.find((g) => g.groupId === id);

  it('shows lag N−M per partition, "—" where the group never committed, and STOP once it is gone', async () => {
    // Commits 40 of partition 0, all 60 of partition 1, nothing of partition 2; then leaves.
    const groupId = uniqueName('lag-stopped');
    const upTo: Record<number, number> = { 0: 40, 1: 60, 2: 0 };
    const consumer = new GroupConsumer(k.kafka, {
      groupId,
      topics: [topic],
      eachBatch: async (batch, control) => {
        for (const m of batch.messages) {
          if (Number(m.offset) >= upTo[batch.partition]!) break;
          control.resolveOffset(m.offset);
        }
        await control.commitOffsetsIfNecessary();
      },
    });
    consumers.push(consumer);
    await consumer.start();
    await waitFor(
      async () => {
        const [offsets] = await k.admin.groupOffsets(groupId, [topic]);
        return (
          JSON.stringify(offsets!.partitions.map((p) => p.offset)) === JSON.stringify(['40', '60', null])
        );
      },
      { what: 'commits 40 / 60 / none' },
    );
    await consumer.stop();

    monitor = createLagMonitor(k.config, {
      topics: [topic],
      intervalMs: 300,
      windowSize: 4,
      ourGroupId: groupId,
    });
    await monitor.start();
    const g = await waitFor(() => (group(groupId)?.status === 'STOP' ? group(groupId) : undefined), {
      what: 'the departed group to be STOP',
    });
    expect(g.ours).toBe(true);
    expect(g.members).toBe(0);
    expect(g.partitions.map((p) => [p.partition, p.highWatermark, p.committed, p.lag])).toEqual([
      [0, '100', '40', 60],
      [1, '60', '60', 0],
      [2, '30', null, null],
    ]);
    expect(g.partitions.map((p) => p.status)).toEqual(['STOP', 'OK', 'UNKNOWN']);
    expect(g.totalLag).toBe(60);
    expect(g.partitions[0]!.timeLagMs).toBeGreaterThanOrEqual(0);
    expect(g.partitions[1]!.timeLagMs).toBeNull();
    expect(g.partitions[0]!.etaMs).toBeNull();
    expect(g.history.length).toBeGreaterThan(0);
    expect(g.history.every((v) => v === 60)).toBe(true);
    expect(monitor.store.getSnapshot().status.kind).toBe('running');
  });

  it("gives a backlog written long before the monitor started its age from the messages' timestamps", async () => {
    const [old] = (await k.topics([{ topic: 'lag.old', partitions: 1 }])) as [string];
    // 100 messages stamped from two hours ago to one hour ago, evenly.
    const now = Date.now();
    const publisher = new KafkaPublisher(k.kafka);
    await publisher.connect();
    await publisher.send([
      {
        topic: old,
        messages: Array.from({ length: 100 }, (_, i) => ({
          key: null,
          value: `m${i}`,
          partition: 0,
          timestamp: String(now - 7_200_000 + i * 36_000),
        })),
      },
    ]);
    await publisher.disconnect();
    // A group that read the first 50 and left: the first unconsumed message is about 1 h 30 min old.
    const groupId = uniqueName('lag-old');
    const consumer = new GroupConsumer(k.kafka, {
      groupId,
      topics: [old],
      eachBatch: async (batch, control) => {
        for (const m of batch.messages) {
          if (Number(m.offset) >= 50) break;
          control.resolveOffset(m.offset);
        }
        await control.commitOffsetsIfNecessary();
      },
    });
    await consumer.start();
    await waitFor(
      async () => (await k.admin.groupOffsets(groupId, [old]))[0]!.partitions[0]!.offset === '50',
      {
        what: 'the commit at 50',
      },
    );
    await consumer.stop();

    const own = createLagMonitor(k.config, {
      topics: [old],
      intervalMs: 300,
      windowSize: 4,
      ourGroupId: groupId,
    });
    await own.start();
    try {
      const p = await waitFor(
        () => {
          const part = own.store.getSnapshot().groups.find((g) => g.groupId === groupId)?.partitions[0];
          return part && !part.timeLagLowerBound && part.timeLagMs !== null ? part : undefined;
        },
        { what: 'the time lag from the topic history' },
      );
      const expected = Date.now() - (now - 7_200_000 + 50 * 36_000);
      expect(Math.abs(p.timeLagMs! - expected)).toBeLessThan(5 * 60_000);
    } finally {
      await own.stop();
    }
  });

  it('marks a live consumer that stands still with lag as STALL', async () => {
    const groupId = uniqueName('lag-stalled');
    let stuck = true;
    release = () => {
      stuck = false;
    };
    const consumer = new GroupConsumer(k.kafka, {
      groupId,
      topics: [topic],
      eachBatch: async (batch, control) => {
        // Takes ten messages, then hangs on the batch like a sink whose database is gone, heartbeating so the
        // member stays in the group and keeps its partitions.
        for (const m of batch.messages.slice(0, 10)) control.resolveOffset(m.offset);
        while (stuck && control.isRunning()) {
          await control.heartbeat();
          await control.commitOffsetsIfNecessary();
          await sleep(200);
        }
      },
    });
    consumers.push(consumer);
    await consumer.start();
    const g = await waitFor(() => (group(groupId)?.status === 'STALL' ? group(groupId) : undefined), {
      what: 'the stuck group to be STALL',
    });
    expect(g.members).toBe(1);
    const stalled = g.partitions.find((p) => p.status === 'STALL')!;
    expect(stalled.committed).toBe('10');
    expect(stalled.lag).toBe(PRODUCED[stalled.partition]! - 10);
    expect(stalled.owner).not.toBeNull();
    // The departed group is ours, so it stays first whatever the others' status.
    expect(monitor!.store.getSnapshot().groups[0]!.ours).toBe(true);
  });

  it('says when Kafka does not answer, keeps retrying, and stops without waiting for it', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const down = createLagMonitor(testConfig({ brokers: `127.0.0.1:${port}` }), {
      topics: [topic],
      intervalMs: 300,
    });
    await down.start();
    const status = await waitFor(
      () => {
        const s = down.store.getSnapshot().status;
        return s.kind === 'error' ? s : undefined;
      },
      { what: 'an error status' },
    );
    expect(status.willRetry).toBe(true);
    expect(status.message).toMatch(/Kafka|connect/i);
    expect(down.store.getSnapshot().groups).toEqual([]);
    await down.stop();
    expect(down.store.getSnapshot().status).toEqual({ kind: 'stopped' });
  });
});
