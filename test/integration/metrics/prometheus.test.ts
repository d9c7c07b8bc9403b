/**
 * `--metrics-port` against a real Prometheus server (Debian's package, started here on a private port and data
 * directory): a consumer-only headless run is scraped every second while a producer-only run publishes a fixed
 * number of passages and the test publishes a few bad messages. What Prometheus stored is judged against MySQL
 * (rows, rows per plaza) and the dead-letter topic, both read independently of the pipeline's own counters.
 * /healthz answers 200 while the run is healthy, and 503 with the reason for a run whose MySQL is a closed port.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Topics } from '../../../src/config/config.ts';
import { KafkaPublisher } from '../../../src/kafka/producer.ts';
import { readTopic } from '../../helpers/read-topic.ts';
import { freePort, freshDatabase, testKafka, topicEnv, uniqueName, waitFor } from '../../helpers/services.ts';
import type { TestDatabase, TestKafka } from '../../helpers/services.ts';
import { passageCount, tollstream } from '../headless/cli.ts';
import type { CliRun } from '../headless/cli.ts';
import { startPrometheus } from './prometheus.ts';
import type { PrivatePrometheus } from './prometheus.ts';

const PASSAGES = 600;
const BAD = ['not json at all', '{"v":1,"eventId":"no-plaza"}', '{"v":1,'];

interface HealthBody {
  status: string;
  reason?: string;
  checks: Record<'kafka' | 'mysql' | 'sink', { ok: boolean; detail: string }>;
}

async function health(port: number): Promise<{ code: number; body: HealthBody }> {
  const res = await fetch(`http://127.0.0.1:${port}/healthz`);
  return { code: res.status, body: (await res.json()) as HealthBody };
}

async function stopRun(run: CliRun): Promise<number | null> {
  if (run.child.exitCode === null) run.child.kill('SIGINT');
  const killer = setTimeout(() => run.child.kill('SIGKILL'), 30_000);
  const code = await run.exited;
  clearTimeout(killer);
  return code;
}

describe('Prometheus metrics (--metrics-port) scraped by a real Prometheus', () => {
  let k: TestKafka;
  let db: TestDatabase;
  let topics: Topics;
  let prometheus: PrivatePrometheus | undefined;
  let consumer: CliRun | undefined;
  const group = uniqueName('metrics-group');
  let metricsPort: number;
  const runs: CliRun[] = [];

  beforeAll(async () => {
    k = await testKafka();
    topics = await k.pipelineTopics('metrics', 3);
    db = await freshDatabase('tollstream_metrics');
    metricsPort = await freePort();
    prometheus = await startPrometheus({ tollstream: [`127.0.0.1:${metricsPort}`] });
  });

  afterAll(async () => {
    for (const run of runs) await stopRun(run);
    await prometheus?.stop();
    await db?.drop();
    await k?.cleanup();
  });

  it('stores what MySQL holds: persisted passages, per plaza, dead letters, lag of our group; /healthz 200', async () => {
    const env = topicEnv(topics);
    consumer = tollstream(
      [
        '--headless',
        '--role',
        'consumer',
        '--mysql-url',
        db.url,
        '--group',
        group,
        '--metrics-port',
        String(metricsPort),
        '--interval',
        '1s',
      ],
      env,
    );
    runs.push(consumer);
    const healthy = await waitFor(
      async () => {
        if (consumer!.child.exitCode !== null) throw new Error(`consumer exited: ${consumer!.stderr()}`);
        const h = await health(metricsPort);
        return h.code === 200 ? h : null;
      },
      { what: '/healthz 200 from the consumer run', timeoutMs: 30_000, intervalMs: 250 },
    );
    expect(healthy.body).toMatchObject({
      status: 'ok',
      checks: { kafka: { ok: true }, mysql: { ok: true }, sink: { ok: true } },
    });
    expect(healthy.body.reason).toBeUndefined();
    const producer = tollstream(
      [
        '--headless',
        '--role',
        'producer',
        '--source',
        'simulator:curve=flat',
        '--events',
        String(PASSAGES),
        '--rate',
        '0',
        '--mysql-url',
        db.url,
      ],
      env,
    );
    runs.push(producer);
    expect(await producer.exited, producer.stderr()).toBe(0);
    expect(producer.summary()).toMatchObject({ produced: PASSAGES, failed: 0 });

    const publisher = new KafkaPublisher(k.kafka);
    await publisher.connect();
    await publisher.send([
      { topic: topics.passages, messages: BAD.map((value) => ({ key: '4007', value })) },
    ]);
    await publisher.disconnect();

    // The independent readers: MySQL's rows and the dead-letter topic.
    await waitFor(async () => (await passageCount(db.storage)) === PASSAGES, {
      what: `${PASSAGES} passages in MySQL`,
      timeoutMs: 60_000,
      intervalMs: 250,
    });
    const letters = await readTopic(
      k.kafka,
      k.config.kafka.brokers,
      topics.dlq,
      (r) => r.length >= BAD.length,
      `${BAD.length} dead letters`,
    );
    const settledAt = Date.now();
    // The sink publishes its counters within ~150 ms of a commit; a scrape a second later sees them.
    await prometheus!.scrapedAfter(settledAt + 1000, 'tollstream');

    const rows = await passageCount(db.storage);
    const persisted = await prometheus!.query(`sum(tollstream_passages_persisted_total{job="tollstream"})`);
    expect(persisted[0]?.value).toBe(rows);
    expect(rows).toBe(PASSAGES);
    const bySource = await prometheus!.query(`tollstream_passages_persisted_total{job="tollstream"}`);
    expect(bySource.map((s) => [s.labels.topic, s.labels.source, s.value])).toEqual([
      [topics.passages, 'simulator', PASSAGES],
    ]);

    const perPlaza = await db.storage.query<{ plaza: number; n: number | string }>(
      'SELECT plaza_id AS plaza, COUNT(*) AS n FROM passages GROUP BY plaza_id ORDER BY plaza_id',
    );
    const plazas = await prometheus!.query(`tollstream_plaza_passages_persisted_total{job="tollstream"}`);
    expect(plazas.map((s) => [Number(s.labels.plaza), s.value]).sort((a, b) => a[0]! - b[0]!)).toEqual(
      perPlaza.map((r) => [Number(r.plaza), Number(r.n)]),
    );
    expect(perPlaza.length).toBeGreaterThan(1);

    const dead = await prometheus!.query(
      `sum by (topic, reason) (tollstream_dead_letters_total{job="tollstream"})`,
    );
    const fromTopic = new Map<string, number>();
    for (const l of letters) {
      const key = `${l.headers['source-topic']}|${l.headers['error-code']}`;
      fromTopic.set(key, (fromTopic.get(key) ?? 0) + 1);
    }
    expect(new Map(dead.map((s) => [`${s.labels.topic}|${s.labels.reason}`, s.value]))).toEqual(fromTopic);
    expect(letters).toHaveLength(BAD.length);

    // Every persisted passage has one latency observation; chunks add up to what the sink consumed.
    const [latencyCount] = await prometheus!.query(
      `tollstream_end_to_end_latency_seconds_count{job="tollstream"}`,
    );
    expect(latencyCount?.value).toBe(PASSAGES);
    const [batchSum] = await prometheus!.query(`tollstream_sink_batch_messages_sum{job="tollstream"}`);
    const [consumed] = await prometheus!.query(`tollstream_sink_messages_consumed_total{job="tollstream"}`);
    expect(batchSum?.value).toBe(consumed?.value);
    expect(consumed!.value).toBeGreaterThanOrEqual(PASSAGES + BAD.length);

    // Our group's lag, per partition of the passages topic, caught up.
    const lag = await waitFor(
      async () => {
        const series = await prometheus!.query(
          `tollstream_consumergroup_group_lag{job="tollstream",group="${group}",topic="${topics.passages}"}`,
        );
        return series.length === 3 && series.every((s) => s.value === 0) ? series : null;
      },
      {
        what: `lag 0 on the 3 partitions of ${topics.passages} for group ${group}`,
        timeoutMs: 20_000,
        intervalMs: 500,
      },
    );
    expect(lag.map((s) => s.labels.partition).sort()).toEqual(['0', '1', '2']);
    const status = await prometheus!.query(
      `tollstream_consumergroup_status{job="tollstream",group="${group}"} == 1`,
    );
    expect(status).toHaveLength(1);
    expect(['OK', 'WARN', 'STALL', 'STOP', 'UNKNOWN']).toContain(status[0]!.labels.status);
    const rss = await prometheus!.query(`process_resident_memory_bytes{job="tollstream"}`);
    expect(rss[0]?.value).toBeGreaterThan(10 * 1024 * 1024);

    expect((await health(metricsPort)).code).toBe(200);
    expect(await stopRun(consumer), consumer.stderr()).toBe(0);
  });

  it('answers /healthz 503 naming MySQL when MySQL cannot be reached, and still serves /metrics', async () => {
    // A port nothing listens on: reserved and closed again.
    const closed = await freePort();
    const port = await freePort();
    const run = tollstream(
      [
        '--headless',
        '--role',
        'consumer',
        '--mysql-url',
        `mysql://root@127.0.0.1:${closed}/nowhere`,
        '--group',
        uniqueName('metrics-down'),
        '--metrics-port',
        String(port),
      ],
      topicEnv(topics),
    );
    runs.push(run);
    const h = await waitFor(
      async () => {
        if (run.child.exitCode !== null) throw new Error(`run exited: ${run.stderr()}`);
        return await health(port);
      },
      { what: '/healthz to answer', timeoutMs: 30_000, intervalMs: 250 },
    );
    expect(h.code).toBe(503);
    expect(h.body.status).toBe('unavailable');
    expect(h.body.reason).toMatch(/^MySQL unreachable: /);
    expect(h.body.reason).not.toMatch(/Kafka/);
    expect(h.body.checks.mysql.ok).toBe(false);
    expect(h.body.checks.kafka.ok).toBe(true);
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(await res.text()).toMatch(/^# TYPE tollstream_passages_persisted_total counter$/m);
    await stopRun(run);
  });

  it('refuses a metrics port that is taken or out of range with exit 2', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', () => resolve()));
    const port = (taken.address() as net.AddressInfo).port;
    try {
      const run = tollstream(
        [
          '--headless',
          '--role',
          'consumer',
          '--group',
          uniqueName('metrics-taken'),
          '--metrics-port',
          String(port),
        ],
        topicEnv(topics),
      );
      runs.push(run);
      expect(await run.exited).toBe(2);
      expect(run.stderr()).toContain(`cannot serve metrics on 127.0.0.1:${port}: the port is in use`);
    } finally {
      taken.close();
    }
    const bad = tollstream(['--headless', '--metrics-port', '70000'], topicEnv(topics));
    runs.push(bad);
    expect(await bad.exited).toBe(2);
    expect(bad.stderr()).toMatch(
      /invalid metrics\.port from flag --metrics-port: "70000".*expected a TCP port 1\.\.65535/,
    );
  });
});
