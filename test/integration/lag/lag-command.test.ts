/**
 * `tollstream lag` as a child process on the real stack, on this test's own toll topics (TOLLSTREAM_TOPIC_*), judged
 * by Kafka's own `kafka-consumer-groups --describe` (ConsumerGroupCommand from the stack's jars): our sink after a
 * short headless run, and two third-party groups (plain kafkajs consumers) that committed half of each partition —
 * one left, one stays a member with its partitions paused.
 */
import { spawn } from 'node:child_process';
import { kafkaDescribe } from '../../helpers/kafka-tools.ts';
import type { DescribedRow } from '../../helpers/kafka-tools.ts';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Topics } from '../../../src/config/config.ts';
import type { LagReport } from '../../../src/lag-command/report.ts';
import { freshDatabase, testKafka, topicEnv, uniqueName, waitFor } from '../../helpers/services.ts';
import type { TestDatabase, TestKafka } from '../../helpers/services.ts';
import { REPO, tollstream, tollstreamToEnd } from '../headless/cli.ts';
import type { Finished } from '../headless/cli.ts';

/** `tollstream lag ...` to its end, stdout and stderr kept whole. */
const lag = (args: string[], env: Record<string, string>): Promise<Finished> =>
  tollstreamToEnd(['lag', ...args], env);

/** Every row Kafka's tool prints is in the report with the same numbers, and every commit the report shows is one the tool prints. */
function expectSameAsKafka(report: LagReport, described: DescribedRow[]): void {
  expect(described.length).toBeGreaterThan(0);
  for (const row of described) {
    const p = report.groups
      .find((g) => g.groupId === row.group)
      ?.partitions.find((x) => x.topic === row.topic && x.partition === row.partition);
    expect
      .soft({
        at: `${row.group} ${row.topic}[${row.partition}]`,
        currentOffset: p?.currentOffset,
        logEndOffset: p?.logEndOffset,
        lag: p?.lag,
      })
      .toEqual({
        at: `${row.group} ${row.topic}[${row.partition}]`,
        currentOffset: row.currentOffset,
        logEndOffset: row.logEndOffset,
        lag: row.lag,
      });
  }
  for (const g of report.groups) {
    for (const p of g.partitions.filter((x) => x.currentOffset !== null)) {
      expect
        .soft(
          described.some((r) => r.group === g.groupId && r.topic === p.topic && r.partition === p.partition),
          `${g.groupId} ${p.topic}[${p.partition}] printed by Kafka's tool`,
        )
        .toBe(true);
    }
  }
}

describe('tollstream lag', () => {
  let k: TestKafka;
  let db: TestDatabase;
  let topics: Topics;
  let env: Record<string, string>;
  const sink = uniqueName('lagc-sink');
  const departed = uniqueName('lagc-departed');
  const stuck = uniqueName('lagc-stuck');
  // The headless run's anomaly detector is a group of its own that reads the toll topics too.
  const detector = uniqueName('lagc-detector');
  const consumers: { disconnect(): Promise<void> }[] = [];

  beforeAll(async () => {
    k = await testKafka();
    db = await freshDatabase('tollstream_lagc');
    topics = await k.pipelineTopics('lagc', 3);
    // Our group comes from the environment: on `lag`, --group selects groups.
    env = { ...topicEnv(topics), TOLLSTREAM_GROUP_ID: sink, TOLLSTREAM_ANOMALIES_GROUP_ID: detector };
  });
  afterAll(async () => {
    for (const c of consumers) await c.disconnect().catch(() => {});
    await db?.drop();
    await k?.cleanup();
  });

  async function committed(groupId: string): Promise<(string | null)[]> {
    const [offsets] = await k.admin.groupOffsets(groupId, [topics.passages]);
    return offsets?.partitions.map((p) => p.offset) ?? [];
  }

  /** A plain kafkajs consumer that commits the first `cuts[p]` messages of each passages partition, then pauses it. */
  async function halfReader(groupId: string, cuts: number[]): Promise<{ disconnect(): Promise<void> }> {
    const consumer = k.kafka.consumer({ groupId });
    consumers.push(consumer);
    await consumer.connect();
    await consumer.subscribe({ topic: topics.passages, fromBeginning: true });
    await consumer.run({
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, commitOffsetsIfNecessary, pause }) => {
        const cut = cuts[batch.partition] ?? 0;
        for (const m of batch.messages) {
          if (Number(m.offset) >= cut) break;
          resolveOffset(m.offset);
        }
        await commitOffsetsIfNecessary();
        if (Number(batch.lastOffset()) + 1 >= cut) pause();
      },
    });
    const expected = JSON.stringify(cuts.map((c) => (c > 0 ? String(c) : null)));
    await waitFor(async () => JSON.stringify(await committed(groupId)) === expected, {
      what: `${groupId} to commit ${expected}`,
    });
    return consumer;
  }

  it('our sink after a short headless run: lag 0 where it committed, as Kafka says; exit 0', async () => {
    const run = tollstream(
      ['--headless', '--events', '600', '--rate', '0', '--mysql-url', db.url, '--group', sink],
      { ...topicEnv(topics), TOLLSTREAM_ANOMALIES_GROUP_ID: detector },
    );
    expect(await run.exited, run.stderr()).toBe(0);
    expect(run.summary()).toMatchObject({ persisted: 600, reconciled: true });

    const out = await lag(['--group', sink, '--format', 'json', '--samples', '2'], env);
    expect(out.code, out.stderr).toBe(0);
    const report = JSON.parse(out.stdout) as LagReport;
    expect(report).toMatchObject({ version: 1, samples: 2, ourGroupId: sink, status: 'OK' });
    expect(report.sampleSpanMs).toBeGreaterThanOrEqual(2000);
    expect(report.groups.map((g) => [g.groupId, g.ours, g.status, g.totalLag])).toEqual([
      [sink, true, 'OK', 0],
    ]);
    const passages = report.groups[0]!.partitions.filter((p) => p.topic === topics.passages);
    expect(passages.reduce((s, p) => s + Number(p.logEndOffset), 0)).toBe(600);
    for (const p of report.groups[0]!.partitions.filter((x) => x.currentOffset !== null)) {
      expect.soft(p, `${p.topic}[${p.partition}]`).toMatchObject({ lag: 0, status: 'OK', etaMs: 0 });
    }
    expectSameAsKafka(report, await kafkaDescribe(k.config.kafka.brokers[0]!, [sink]));
  });

  it('third-party groups: the same offsets and lag as kafka-consumer-groups; one that left is STOP, one standing still STALL; exit 1', async () => {
    const ends = (await k.admin.topicOffsets(topics.passages)).map((o) => Number(o.high));
    expect(ends.reduce((s, n) => s + n, 0)).toBe(600);
    const cuts = ends.map((n) => Math.floor(n / 2));
    const [gone] = await Promise.all([halfReader(departed, cuts), halfReader(stuck, cuts)]);
    await gone.disconnect();

    // Nothing moves any more, so the two can run side by side and still see the same moment.
    const [out, described] = await Promise.all([
      lag(['--group', departed, '--group', stuck, '--format', 'json'], env),
      kafkaDescribe(k.config.kafka.brokers[0]!, [departed, stuck]),
    ]);
    expect(out.code, out.stderr).toBe(1);
    const report = JSON.parse(out.stdout) as LagReport;
    expect(report.samples).toBe(4);
    expect(report.groups.map((g) => g.groupId).sort()).toEqual([departed, stuck].sort());
    expectSameAsKafka(report, described);
    // The tool agrees on the cases themselves: half of each partition committed, half behind.
    for (const [p, end] of ends.entries()) {
      if (cuts[p]! === 0) continue;
      expect(described.find((r) => r.group === departed && r.partition === p)).toMatchObject({
        currentOffset: String(cuts[p]),
        logEndOffset: String(end),
        lag: end - cuts[p]!,
      });
    }

    const byId = new Map(report.groups.map((g) => [g.groupId, g]));
    expect(byId.get(departed)).toMatchObject({
      status: 'STOP',
      members: 0,
      totalLag: 600 - cuts.reduce((s, n) => s + n, 0),
    });
    expect(byId.get(stuck)).toMatchObject({ status: 'STALL', members: 1, state: 'Stable' });
    expect(report.status).toBe('STOP');
    for (const p of byId.get(departed)!.partitions.filter((x) => (x.lag ?? 0) > 0)) {
      expect
        .soft(p, `${p.topic}[${p.partition}]`)
        .toMatchObject({ status: 'STOP', clientId: null, etaMs: null });
      // The first unconsumed passage was written before lag's first look: its age is known and positive.
      expect.soft(p.timeLagMs, `${p.topic}[${p.partition}] time lag`).toBeGreaterThan(0);
    }
    for (const p of byId.get(stuck)!.partitions.filter((x) => (x.lag ?? 0) > 0)) {
      expect.soft(p, `${p.topic}[${p.partition}]`).toMatchObject({ status: 'STALL', trend: 'flat' });
      expect.soft(p.clientId).toEqual(expect.any(String));
    }
  });

  it('without --group: every group that reads a toll topic, ours first', async () => {
    const out = await lag(['--format', 'json', '--samples', '2'], env);
    expect(out.code, out.stderr).toBe(1);
    const report = JSON.parse(out.stdout) as LagReport;
    expect(report.topics).toEqual(expect.arrayContaining([topics.passages, topics.payments]));
    const ids = report.groups.map((g) => g.groupId);
    expect(ids[0]).toBe(sink);
    expect(ids.slice(1).sort()).toEqual([departed, detector, stuck].sort());
    expect(report.groups[0]).toMatchObject({ ours: true, status: 'OK' });
  });

  it('--watch redraws the table until SIGINT and ends with the last status', async () => {
    const child = spawn(
      process.execPath,
      [path.join(REPO, 'bin', 'tollstream.js'), 'lag', '--group', sink, '--group', stuck, '--watch', '1s'],
      { cwd: REPO, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    await waitFor(
      () => stdout.split(`Every 1s: tollstream lag --group ${sink} --group ${stuck}`).length > 3,
      {
        what: 'three frames',
        timeoutMs: 20_000,
      },
    );
    child.kill('SIGINT');
    expect(await exited).toBe(1);
    const frames = stdout.split(/^Every 1s: /m).slice(1);
    expect(frames[0]).toMatch(new RegExp(`^${sink} \\(ours\\) +\\| Empty +\\| +0 \\| OK `, 'm'));
    expect(frames[0]).toContain('(status settles after 4 looks; 1 so far)');
    // From the second look on, the member standing still is STALL, and the table says why.
    expect(frames[1]).toMatch(
      new RegExp(`^${stuck} \\| ${topics.passages.replace(/\./g, '\\.')} \\|.*\\| STALL `, 'm'),
    );
    expect(frames[1]).toMatch(/STALL: the group is alive but its offset stays at \d+/);
    // Not a terminal: frames follow one another, no screen clearing.
    expect(stdout).not.toContain('\x1b[2J');
  });

  it('bad usage exits 2: a group that does not exist, one that reads no toll topic, a bad --format', async () => {
    const missing = uniqueName('lagc-nobody');
    const elsewhere = uniqueName('lagc-elsewhere');
    // A group with commits only on a topic that is not a toll topic.
    const [other] = await k.topics([{ topic: 'lagc.other', partitions: 1 }]);
    const admin = k.kafka.admin();
    await admin.connect();
    try {
      await admin.setOffsets({
        groupId: elsewhere,
        topic: other!,
        partitions: [{ partition: 0, offset: '0' }],
      });
    } finally {
      await admin.disconnect();
    }
    const [none, off, format] = await Promise.all([
      lag(['--group', sink, '--group', missing], env),
      lag(['--group', elsewhere, '--samples', '2'], env),
      lag(['--format', 'xml'], env),
    ]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain(`consumer group "${missing}" does not exist`);
    expect(none.stdout).toBe('');

    expect(off.code).toBe(2);
    expect(off.stderr).toContain(
      `consumer group "${elsewhere}" has no offsets on the toll topics (${topics.passages}`,
    );

    expect(format.code).toBe(2);
    expect(format.stderr).toContain('--format must be table, json or csv, not "xml"');
  });
});
