/**
 * Exactly once through broker failover: a private 3-broker stack (replication 3, min.insync.replicas 2), a
 * headless pipeline producing and persisting, and the broker that leads most passage partitions killed -9 three
 * times while it runs (restarted each time by `stack up`). Judged by an independent reader: every passage Kafka
 * acknowledged (the run's --ack-log) is in the topic, and MySQL holds exactly the passages the topic holds, each
 * with one payment. Before the kafkajs patch this lost a few hundred acknowledged passages per kill.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { KafkaAdmin } from '../../../src/kafka/admin.ts';
import { KafkaPublisher } from '../../../src/kafka/producer.ts';
import { createKafka } from '../../../src/kafka/client.ts';
import { isAlive } from '../../../src/stack/processes.ts';
import { readRecord } from '../../../src/stack/record.ts';
import { Storage } from '../../../src/storage/db.ts';
import { readTopic } from '../../helpers/read-topic.ts';
import type { PrivateMariadb, PrivateStack } from '../stack/helpers.ts';
import { cli, privateMariadb, privateStack } from '../stack/helpers.ts';

const BIN = fileURLToPath(new URL('../../../bin/tollstream.js', import.meta.url));
const BROKERS = ['127.0.0.1:30292', '127.0.0.1:30293', '127.0.0.1:30294'];
const RUN_SECONDS = 70;
const KILLS_AT_SECONDS = [12, 30, 48];

let mariadb: PrivateMariadb;
let stack: PrivateStack;

beforeAll(async () => {
  mariadb = await privateMariadb();
  stack = privateStack({ zookeeperPort: 23281, brokerPort: 30292, mysqlUrl: mariadb.url });
  const up = await cli(stack, ['stack', 'up', '--brokers', '3']);
  expect(up.code, up.stderr).toBe(0);
}, 300_000);

afterAll(async () => {
  if (stack) await cli(stack, ['stack', 'down', '--purge']);
  await mariadb?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const DIRECT_TOPIC = 'failover-direct';

/** Every record the topic holds now: as many as its partitions' offsets say, so a loss cannot stall the read. */
async function readAll(kafka: ReturnType<typeof createKafka>, topic: string) {
  const admin = await new KafkaAdmin(kafka).connect();
  try {
    const offsets = await admin.topicOffsets(topic);
    const held = offsets.reduce((n, p) => n + Number(BigInt(p.high) - BigInt(p.low)), 0);
    return await readTopic(kafka, BROKERS, topic, (r) => r.length >= held);
  } finally {
    await admin.disconnect();
  }
}

/** Sends until stopped; resolves with the ids Kafka acknowledged (a failed send is not counted, only logged). */
function directSends(kafka: ReturnType<typeof createKafka>): { stop(): Promise<Set<string>> } {
  const publisher = new KafkaPublisher(kafka, { compression: 'none' });
  const acked = new Set<string>();
  let stopped = false;
  let seq = 0;
  const loop = (async () => {
    await publisher.connect();
    while (!stopped) {
      const started = Date.now();
      const messages = Array.from({ length: 300 }, () => {
        const id = `m-${seq++}`;
        return { key: String(seq % 11), value: id };
      });
      try {
        await publisher.send([{ topic: DIRECT_TOPIC, messages }]);
        for (const m of messages) acked.add(m.value);
      } catch {
        // Not acknowledged: it may or may not be in Kafka, and is not counted.
      }
      await sleep(Math.max(0, 100 - (Date.now() - started)));
    }
    await publisher.disconnect();
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return acked;
    },
  };
}

/** `stack up` brings the killed broker back; on a busy box its first readiness wait can run out, so try again. */
async function restartStack(): Promise<void> {
  let up = await cli(stack, ['stack', 'up']);
  for (let attempt = 1; up.code !== 0 && attempt < 3; attempt++) up = await cli(stack, ['stack', 'up']);
  expect(up.code, `${up.stdout}\n${up.stderr}`).toBe(0);
}

/** The live broker that leads the most toll.passages partitions, and its pid. */
async function busiestLeader(admin: KafkaAdmin): Promise<{ id: number; pid: number; leads: number }> {
  const [passages] = await admin.describeTopics(['toll.passages']);
  const counts = new Map<number, number>();
  for (const p of passages!.partitions) counts.set(p.leader, (counts.get(p.leader) ?? 0) + 1);
  const [id, leads] = [...counts].sort((a, b) => b[1] - a[1])[0]!;
  const pid = readRecord(path.join(stack.stateDir, 'stack.json'))!.brokers.find((b) => b.id === id)!.pid!;
  return { id, pid, leads };
}

it('loses and doubles nothing while partition leaders are killed -9 three times mid-produce', async () => {
  const ackLog = path.join(stack.dir, 'acked.txt');
  const env = { ...stack.env, TOLLSTREAM_KAFKA_BROKERS: BROKERS.join(',') };
  const args = [BIN, '--headless', '--role', 'all', '--source', 'simulator:curve=flat', '--rate', '1500'];
  args.push('--duration', `${RUN_SECONDS}s`, '--interval', '5s', '--ack-log', ackLog);
  const run = spawn(process.execPath, args, { cwd: stack.dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  run.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  run.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number>((r) => run.once('exit', (code) => r(code ?? 1)));
  const started = Date.now();

  const admin = await new KafkaAdmin(createKafka({ ...stack.config.kafka, brokers: BROKERS })).connect();
  const kills: { id: number; leads: number; at: number }[] = [];
  // Beside the pipeline, the publisher alone as a plain client uses it: a send of 300 messages every 100 ms to a
  // topic of its own, so sends are in flight whenever a leader dies (the shape of the original reproduction).
  await admin.ensureTopics([
    { topic: DIRECT_TOPIC, partitions: 6, replicationFactor: 3, config: { 'min.insync.replicas': '2' } },
  ]);
  const direct = directSends(
    createKafka({ ...stack.config.kafka, brokers: BROKERS }, { clientIdSuffix: '-direct' }),
  );
  try {
    for (const at of KILLS_AT_SECONDS) {
      await sleep(Math.max(0, started + at * 1000 - Date.now()));
      const victim = await busiestLeader(admin);
      process.kill(victim.pid, 'SIGKILL');
      while (isAlive(victim.pid)) await sleep(50);
      kills.push({ id: victim.id, leads: victim.leads, at: Math.round((Date.now() - started) / 1000) });
      await sleep(6000);
      await restartStack();
    }
  } finally {
    await admin.disconnect();
  }
  const directAcked = await direct.stop();
  const code = await exited;
  expect(kills.map((k) => k.leads).every((n) => n >= 1)).toBe(true);
  const summary = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
  const acked = new Set(readFileSync(ackLog, 'utf8').split('\n').filter(Boolean));
  expect(acked.size).toBeGreaterThan(10_000);

  // The independent reader: everything the passages topic holds (kcat when installed).
  const kafka = createKafka(
    { ...stack.config.kafka, brokers: BROKERS },
    { clientIdSuffix: '-failover-reader' },
  );
  const directRecords = await readAll(kafka, DIRECT_TOPIC);
  const directHeld = new Set(directRecords.map((r) => r.value));
  const directLost = [...directAcked].filter((id) => !directHeld.has(id));
  expect
    .soft(directLost.slice(0, 10), `${directLost.length} acknowledged messages missing from ${DIRECT_TOPIC}`)
    .toEqual([]);
  expect(directAcked.size).toBeGreaterThan(10_000);

  const records = await readAll(kafka, 'toll.passages');
  const inTopic = new Set(records.map((r) => (JSON.parse(r.value) as { eventId: string }).eventId));
  const lostInKafka = [...acked].filter((id) => !inTopic.has(id));
  expect(lostInKafka.slice(0, 10), `${lostInKafka.length} acknowledged passages missing from Kafka`).toEqual(
    [],
  );
  expect(inTopic.size).toBe(acked.size);
  expect(code, `${stderr.slice(-2000)}\n${JSON.stringify(summary)}`).toBe(0);
  expect(summary.produced).toBe(acked.size);
  expect(summary.verified).toMatchObject({ shortfalls: [], error: null });

  const db = await Storage.open({ url: stack.config.mysql.url });
  try {
    const rows = await db.query<{ event_id: string }>('SELECT event_id FROM passages');
    const inMysql = new Set(rows.map((r) => r.event_id));
    expect(rows.length).toBe(inTopic.size);
    expect([...inTopic].filter((id) => !inMysql.has(id)).slice(0, 10)).toEqual([]);
    // payments.event_id is not a key: a passage paid twice would show here.
    const [paid] = await db.query<{ payments: number; passages: number }>(
      'SELECT COUNT(*) AS payments, COUNT(DISTINCT event_id) AS passages FROM payments',
    );
    expect(Number(paid!.payments)).toBe(Number(paid!.passages));
    expect(Number(paid!.passages)).toBe(inTopic.size);
  } finally {
    await db.close();
  }
}, 420_000);
