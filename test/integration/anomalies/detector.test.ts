/**
 * The anomaly detector on the real broker and MariaDB, as processes a user starts. The simulator's anomalies
 * scenario writes what it injects to a truth file; the judge is that file against the `anomalies` table and
 * against what an independent reader finds on the anomalies topic. A day is simulated in 6 minutes, so the
 * unpaid rule's 15-minute grace and the 30-120 s of a double charge take seconds.
 */
import { readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTopic } from '../../helpers/read-topic.ts';
import { freshDatabase, testKafka, topicEnv, uniqueName, waitFor } from '../../helpers/services.ts';
import type { TestDatabase, TestKafka } from '../../helpers/services.ts';
import type { CliRun } from '../headless/cli.ts';
import { tollstream } from '../headless/cli.ts';

const SIMULATION = 'seed=29&dayMinutes=6&curve=flat';

describe('anomaly detector', () => {
  let k: TestKafka;
  const dbs: TestDatabase[] = [];
  const runs: CliRun[] = [];
  const dir = mkdtempSync(path.join(tmpdir(), 'tollstream-anomalies-'));
  beforeAll(async () => {
    k = await testKafka();
  });
  afterAll(async () => {
    for (const r of runs) if (r.child.exitCode === null) r.child.kill('SIGKILL');
    for (const db of dbs) await db.drop();
    await k.cleanup();
  });

  async function isolated(name: string) {
    const topics = await k.pipelineTopics(name, 3);
    const db = await freshDatabase(`tollstream_${name}`);
    dbs.push(db);
    const env = {
      ...topicEnv(topics),
      TOLLSTREAM_ANOMALIES_GROUP_ID: uniqueName(`${name}-detector`),
    };
    const start = (args: string[], extra: Record<string, string> = {}): CliRun => {
      const run = tollstream(
        ['--headless', '--mysql-url', db.url, '--group', uniqueName(`${name}-sink`), ...args],
        { ...env, ...extra },
      );
      runs.push(run);
      return run;
    };
    const rows = async () =>
      (await db.storage.query<{ anomaly_id: string; rule: string; event_id: string | null }>(
        'SELECT anomaly_id, rule, event_id FROM anomalies',
      )) ?? [];
    return { topics, db, start, rows };
  }

  it('finds nothing in clean traffic, with the detector inside the pipeline', async () => {
    const { start, rows } = await isolated('clean');
    const run = start(['--source', `simulator:${SIMULATION}`, '--rate', '300', '--duration', '20s']);
    expect(await run.exited, run.stderr()).toBe(0);
    const summary = run.summary() as { anomalies?: Record<string, unknown>; produced: number };
    expect(summary.produced).toBeGreaterThan(3000);
    // It read the traffic (passages and payments) and its decisions reached past most of it.
    expect(summary.anomalies).toMatchObject({ findings: 0, late: 0 });
    expect(Number(summary.anomalies!.inputs)).toBeGreaterThan(summary.produced);
    expect(summary.anomalies!.watermark).not.toBeNull();
    expect(await rows()).toEqual([]);
  }, 120_000);

  it('finds every injected anomaly once, through a kill -9 of the detector; the topic holds the same findings', async () => {
    const { topics, db, start, rows } = await isolated('scenario');
    const truthFile = path.join(dir, 'truth.ndjson');
    const detector = start(['--role', 'anomalies']);
    const producer = start(
      [
        '--source',
        `simulator:${SIMULATION}&scenario=anomalies&anomalyRate=0.03&cleanAfter=2500&truth=${truthFile}`,
        '--rate',
        '300',
        '--duration',
        '20s',
      ],
      { TOLLSTREAM_ANOMALIES: 'false' },
    );
    await waitFor(async () => (await rows()).length >= 10, {
      what: 'the detector to commit its first findings',
      timeoutMs: 60_000,
    });
    detector.child.kill('SIGKILL');
    expect(await detector.exited).toBeNull();
    const atKill = (await rows()).length;
    const again = start(['--role', 'anomalies', '--duration', '30s']);
    expect(await producer.exited, producer.stderr()).toBe(0);
    expect(await again.exited, again.stderr()).toBe(0);

    const truth = readFileSync(truthFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { rule: string; anomalyId: string });
    const kinds = new Set(truth.map((t) => t.rule));
    expect([...kinds].sort()).toEqual(['double-charge', 'impossible-travel', 'short-payment', 'unpaid']);
    const found = await rows();
    const ids = found.map((r) => r.anomaly_id).sort();
    const expected = truth.map((t) => t.anomalyId).sort();
    // Recall 100 % and no false positive: exactly the injected anomalies, each once.
    expect(ids.filter((id) => !expected.includes(id))).toEqual([]);
    expect(expected.filter((id) => !ids.includes(id))).toEqual([]);
    expect(ids).toEqual(expected);
    expect(atKill).toBeLessThan(ids.length);
    // The restarted detector added only what the first had not committed.
    const summary = again.summary() as { anomalies: { findings: number } };
    expect(atKill + summary.anomalies.findings).toBe(ids.length);

    // The topic, read independently: the same findings (a finding sent again after a crash keeps its key).
    const records = await readTopic(k.kafka, k.config.kafka.brokers, topics.anomalies, (r) => {
      return new Set(r.map((x) => x.key)).size >= ids.length;
    });
    const onTopic = new Map<string, string>();
    for (const r of records) {
      const value = JSON.parse(r.value) as { anomalyId: string; rule: string; v: number };
      expect(value.v).toBe(1);
      expect(r.key).toBe(value.anomalyId);
      const seen = onTopic.get(value.anomalyId);
      if (seen !== undefined) expect(r.value).toBe(seen);
      onTopic.set(value.anomalyId, r.value);
    }
    expect([...onTopic.keys()].sort()).toEqual(ids);
    const [unpublished] = await db.storage.query<{ n: number }>(
      'SELECT COUNT(*) AS n FROM anomalies WHERE published_at IS NULL',
    );
    expect(Number(unpublished!.n)).toBe(0);
  }, 180_000);
});
