import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSink } from '../../../src/engines/sink/index.ts';
import type { SinkEngine, SinkEngineSnapshot } from '../../../src/engines/sink/index.ts';
import { Storage } from '../../../src/storage/db.ts';
import { startPrivateMariaDb } from '../../helpers/private-mariadb.ts';
import type { PrivateMariaDb } from '../../helpers/private-mariadb.ts';
import { testConfig, testKafka, uniqueName, waitFor } from '../../helpers/services.ts';
import type { TestKafka } from '../../helpers/services.ts';
import { count, kafkaVsRows, keyed, passage, publish, sinkTopics, storedOffsets } from './fixtures.ts';

const OUTAGE_MS = 20_000;

describe('sink rides out a MySQL outage', () => {
  let k: TestKafka;
  let mariadb: PrivateMariaDb;
  let sink: SinkEngine | undefined;
  let storage: Storage | undefined;

  beforeAll(async () => {
    k = await testKafka();
    mariadb = await startPrivateMariaDb();
  });
  afterAll(async () => {
    await sink?.stop();
    await storage?.close();
    await mariadb?.destroy();
    await k.cleanup();
  });

  it('retries with backoff while the server is down and recovers by itself: no loss, no duplicates', async () => {
    const topics = await sinkTopics(k, 3);
    const run = uniqueName('o').replace(/_/g, '-');
    const groupId = uniqueName('sink-outage');
    // The sink creates the database and schema itself on the empty server.
    const url = mariadb.url('tollstream_outage');
    sink = createSink(testConfig({ mysqlUrl: url }), { groupId, topics, batchMaxRows: 500 });
    const seen: SinkEngineSnapshot['status'][] = [];
    sink.store.subscribe(() => seen.push(sink!.store.getSnapshot().status));
    await sink.start();
    storage = await Storage.open({ url });

    // Passages keep flowing for the whole test, before, during and after the outage.
    let produced = 0;
    let producing = true;
    const streaming = (async () => {
      while (producing) {
        const batch = Array.from({ length: 250 }, (_, j) => passage(run, produced + j));
        await publish(
          k,
          topics.passages,
          batch.map((p) => keyed(p.plazaId, p)),
        );
        produced += batch.length;
        await new Promise((r) => setTimeout(r, 100));
      }
    })();

    await waitFor(async () => (await count(storage!, 'SELECT COUNT(*) AS n FROM passages')) >= 1000, {
      what: '1000 passages before the outage',
    });
    await storage.close();
    storage = undefined;

    const downAt = Date.now();
    await mariadb.stop();
    await waitFor(
      () => {
        const s = sink!.store.getSnapshot().status;
        return s.kind === 'error' && s.willRetry && (s.retryInMs ?? 0) > 0;
      },
      { what: 'the snapshot to show a retrying error', timeoutMs: 30_000 },
    );
    const during = sink.store.getSnapshot();
    // The member stays in the group while it waits (heartbeats from the retry loop).
    expect(during.assignment[topics.passages]).toEqual([0, 1, 2]);
    const persistedBefore = during.persisted;
    // A deliberate outage of OUTAGE_MS, not a wait for a condition.
    await new Promise((r) => setTimeout(r, Math.max(0, downAt + OUTAGE_MS - Date.now())));
    expect(sink.store.getSnapshot().persisted).toBe(persistedBefore);
    await mariadb.start();

    await waitFor(() => sink!.store.getSnapshot().status.kind === 'running', {
      what: 'the sink to recover by itself',
      timeoutMs: 60_000,
    });
    producing = false;
    await streaming;
    storage = await Storage.open({ url });
    const highs = await k.admin.topicOffsets(topics.passages);
    await waitFor(
      async () => {
        const stored = await storedOffsets(storage!, groupId, topics.passages);
        return highs.every((h) => stored.get(h.partition) === BigInt(h.high));
      },
      { what: 'every produced passage to be persisted', timeoutMs: 90_000 },
    );

    // An independent reader of the topic against the rows: every passage in Kafka has its row, no row is extra,
    // and the run's own list of what it published agrees with Kafka.
    expect(
      await kafkaVsRows(k, storage, { topic: topics.passages, prefix: `${run}-`, expected: produced }),
    ).toEqual({
      inKafka: produced,
      rows: produced,
      missing: [],
      notInKafka: [],
      paymentsNotOne: [],
    });

    const errors = seen.filter((s) => s.kind === 'error');
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((s) => s.kind === 'error' && s.willRetry)).toBe(true);
    expect(seen.at(-1)).toEqual({ kind: 'running' });
    const after = sink.store.getSnapshot();
    expect(after.retries).toBeGreaterThan(0);
    expect(after.alreadyPresent).toBe(0);
  });
});
