/**
 * Measures the sink alone: pre-produces N passages to a fresh 6-partition topic, then times a sink draining them
 * into a fresh database. Prints figures (wall rate, this process's CPU per passage, the box's load, RSS);
 * asserts nothing about speed.
 *
 *   TOLLSTREAM_KAFKA_BROKERS=127.0.0.1:39092 node --import tsx test/integration/sink/measure-throughput.ts [N] [concurrency] [batchMaxRows]
 */
import { loadavg } from 'node:os';
import { createSink } from '../../../src/engines/sink/index.ts';
import { KafkaPublisher } from '../../../src/kafka/producer.ts';
import { freshDatabase, testConfig, testKafka, uniqueName } from '../../helpers/services.ts';
import { count, keyed, passage, sinkTopics } from './fixtures.ts';

const total = Number(process.argv[2] ?? 200_000);
const concurrency = Number(process.argv[3] ?? 6);
const batchMaxRows = Number(process.argv[4] ?? 5000);

const k = await testKafka();
const db = await freshDatabase('tollstream_m');
try {
  const topics = await sinkTopics(k, 6);
  const run = uniqueName('m').replace(/_/g, '-');
  const publisher = new KafkaPublisher(k.kafka);
  await publisher.connect();
  const producedAt = Date.now();
  for (let i = 0; i < total; i += 5000) {
    const batch = Array.from({ length: Math.min(5000, total - i) }, (_, j) => passage(run, i + j));
    await publisher.send([{ topic: topics.passages, messages: batch.map((p) => keyed(p.plazaId, p)) }]);
  }
  const produceMs = Date.now() - producedAt;
  await publisher.disconnect();

  const sink = createSink(testConfig({ mysqlUrl: db.url }), {
    groupId: uniqueName('sink-measure'),
    topics,
    concurrency,
    batchMaxRows,
  });
  const rssBefore = process.memoryUsage().rss;
  let peakRss = rssBefore;
  const cpuBefore = process.cpuUsage();
  const loadBefore = loadavg()[0]!;
  const started = Date.now();
  await sink.start();
  while (sink.store.getSnapshot().persisted < total) {
    await new Promise((r) => setTimeout(r, 50));
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }
  const seconds = (Date.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const snap = sink.store.getSnapshot();
  await sink.stop();
  const rows = await count(db.storage, 'SELECT COUNT(*) AS n FROM passages');
  const mb = (b: number): number => Math.round(b / 1048576);
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
        sinkCpuMicrosPerPassage: Math.round(((cpu.user + cpu.system) / total) * 10) / 10,
        loadAverage1m: { before: loadBefore, after: loadavg()[0] },
        lastBatch: snap.lastBatch,
        rssMb: { beforeSink: mb(rssBefore), peakDuringSink: mb(peakRss) },
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
