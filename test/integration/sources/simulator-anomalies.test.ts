/**
 * The simulator's anomalies scenario through a real producer process and broker: what reaches the topics, read
 * back with kcat, shows exactly the anomalies its truth file lists, also when --events cuts the last batch.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Passage, Payment, Plaza } from '../../../src/domain/types.ts';
import { findings } from '../../helpers/anomaly-oracle.ts';
import { readTopic } from '../../helpers/read-topic.ts';
import { testKafka, topicEnv } from '../../helpers/services.ts';
import type { TestKafka } from '../../helpers/services.ts';
import { tollstream } from '../headless/cli.ts';

describe('simulator:scenario=anomalies published by tollstream --role producer', () => {
  let k: TestKafka;
  const dir = mkdtempSync(path.join(tmpdir(), 'tollstream-anomalies-'));
  beforeAll(async () => {
    k = await testKafka();
  });
  afterAll(async () => {
    await k.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('--events 20003: the topics hold exactly the anomalies of the truth file, and plazas with tariffs and positions', async () => {
    const topics = await k.pipelineTopics('simanomalies', 2);
    const truthFile = path.join(dir, 'truth.ndjson');
    const run = tollstream(
      [
        '--headless',
        '--role',
        'producer',
        '--events',
        '20003',
        '--rate',
        '0',
        '--source',
        `simulator:seed=11&scenario=anomalies&anomalyRate=0.05&truth=${truthFile}`,
      ],
      topicEnv(topics),
    );
    expect(await run.exited, run.stderr()).toBe(0);
    const truth = readFileSync(truthFile, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { rule: string; anomalyId: string });
    const unpaid = truth.filter((t) => t.rule === 'unpaid').length;

    const read = async <T>(topic: string, n: number): Promise<T[]> =>
      (await readTopic(k.kafka, k.config.kafka.brokers, topic, (r) => r.length >= n)).map(
        (r) => JSON.parse(r.value) as T,
      );
    const passages = await read<Passage>(topics.passages, 20003);
    const payments = await read<Payment>(topics.payments, 20003 - unpaid);
    const plazas = await read<Plaza>(topics.plazas, 11);
    expect(passages).toHaveLength(20003);
    expect(payments).toHaveLength(20003 - unpaid);
    expect(plazas).toHaveLength(11);
    for (const p of plazas) {
      expect(p.tariffs).toMatchObject({ car: 450, truck: 860, van: 600 });
      expect(p.currency).toBe('USD');
      expect(p.position).toEqual({ lat: expect.any(Number), lon: expect.any(Number) });
    }

    expect(truth.length).toBeGreaterThan(700);
    expect(new Set(truth.map((t) => t.rule))).toEqual(
      new Set(['unpaid', 'short-payment', 'double-charge', 'impossible-travel']),
    );
    expect(findings(passages, payments, plazas)).toEqual(truth.map((t) => t.anomalyId).sort());
  });
});
