/**
 * Measures the sink alone: pre-produces N passages to a fresh 6-partition topic, then times a sink draining them
 * into a fresh database. Prints figures; asserts nothing about speed.
 *
 *   TOLLSTREAM_KAFKA_BROKERS=127.0.0.1:39092 node --import tsx test/integration/sink/measure-throughput.ts [N] [concurrency] [batchMaxRows]
 */
import { createSink } from '../../../src/engines/sink/index.ts';
import { freshDatabase, testConfig, testKafka, uniqueName } from '../../helpers/services.ts';
import { count, keyed, passage, publish, sinkTopics } from './fixtures.ts';

const total = Number(process.argv[2] ?? 200_000);
const concurrency = Number(process.argv[3] ?? 6);
const batchMaxRows = Number(process.argv[4] ?? 5000);

const k = await testKafka();
const db = await freshDatabase('tollstream_m');
try {
  const topics = await sinkTopics(k, 6);
  const run = uniqueName('m').replace(/_/g, '-');
  const producedAt = Date.now();
  for (let i = 0; i < total; i += 50_000) {
    const batch = Array.from({ length: Math.min(50_000, total - i) }, (_, j) => passage(run, i + j));
    await publish(
      k,
      topics.passages,
      batch.map((p) => keyed(p.plazaId, p)),
    );
  }
  const produceMs = Date.now() - producedAt;

  const sink = createSink(testConfig({ mysqlUrl: db.url }), {
    groupId: uniqueName('sink-measure'),
    topics,
    concurrency,
    batchMaxRows,
  });
  let peakRss = 0;
  const started = Date.now();
  await sink.start();
  let firstAt = 0;
  while (sink.store.getSnapshot().persisted < total) {
    await new Promise((r) => setTimeout(r, 50));
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    if (!firstAt && sink.store.getSnapshot().persisted > 0) firstAt = Date.now();
  }
  const doneAt = Date.now();
  const snap = sink.store.getSnapshot();
  await sink.stop();
  const rows = await count(db.storage, 'SELECT COUNT(*) AS n FROM passages');
  const seconds = (doneAt - started) / 1000;
  process.stdout.write(
    `${JSON.stringify(
      {
        passages: total,
        rowsInMysql: rows,
        concurrency,
        batchMaxRows,
        producedPerSec: Math.round(total / (produceMs / 1000)),
        sinkSeconds: seconds,
        persistedPerSec: Math.round(total / seconds),
        persistedPerSecAfterFirstCommit: Math.round(total / ((doneAt - firstAt) / 1000)),
        lastBatch: snap.lastBatch,
        latency: snap.latency,
        peakRssMb: Math.round(peakRss / 1048576),
        retries: snap.retries,
      },
      null,
      2,
    )}\n`,
  );
} finally {
  await db.drop();
  await k.cleanup();
}
