/**
 * `tollstream import` end to end as a child process on the real broker and MariaDB, with the real FASTag file
 * (read in place from ../shared/data): what a run that rejects rows reports and how it exits, the preview that
 * produces nothing, and the persisted counts kept apart (this import's rows, rows already there, other runs' backlog).
 */
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, testKafka, topicEnv, uniqueName } from '../../helpers/services.ts';
import type { TestDatabase, TestKafka } from '../../helpers/services.ts';
import type { Topics } from '../../../src/config/config.ts';
import { spawnSync } from 'node:child_process';
import { passageCount, REPO, tollstream } from '../headless/cli.ts';

const BIN = path.join(REPO, 'bin', 'tollstream.js');

const FASTAG = fileURLToPath(
  new URL('../../../../shared/data/fastag/FastagFraudDetection.csv', import.meta.url),
);
const MAPPING = 'plaza=TollBoothID&vehicle=Vehicle_Plate_Number&type=Vehicle_Type&id=Transaction_ID';
/** The file's dashed dates are month-first (ids 1-7 run 01-06-23 … 01-12-23, then 1/13/2023 …). */
const TIME = 'time=Timestamp&timeFormat=MM-DD-YY HH:mm|M/D/YYYY HH:mm';

describe('tollstream import', () => {
  let k: TestKafka;
  const dbs: TestDatabase[] = [];
  const dirs: string[] = [];
  beforeAll(async () => {
    k = await testKafka();
  });
  afterAll(async () => {
    for (const db of dbs) await db.drop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    await k.cleanup();
  });

  async function isolated(): Promise<{
    topics: Topics;
    db: TestDatabase;
    args: string[];
    env: Record<string, string>;
  }> {
    const topics = await k.pipelineTopics('imp', 3);
    const db = await freshDatabase('tollstream_imp');
    dbs.push(db);
    const state = mkdtempSync(path.join(os.tmpdir(), 'tollstream-imp-'));
    dirs.push(state);
    return {
      topics,
      db,
      args: ['--mysql-url', db.url, '--group', uniqueName('imp-group'), '--state-dir', state],
      env: topicEnv(topics),
    };
  }

  const produced = async (topic: string): Promise<number> =>
    (await k.admin.topicOffsets(topic)).reduce((n, p) => n + Number(p.high), 0);

  it('fails a file import whose every row is rejected, with the reasons in the summary and a status line', async () => {
    const { topics, db, args, env } = await isolated();
    // No timeFormat: ISO is expected, and the file has none.
    const run = tollstream(
      [
        'import',
        `file:${FASTAG}#${MAPPING}&time=Timestamp`,
        '--format',
        'json',
        '--interval',
        '60s',
        ...args,
      ],
      env,
    );
    expect(await run.exited, run.stderr()).toBe(1);
    expect(run.lines.some((l) => l.type === 'status')).toBe(true);
    const summary = run.summary()!;
    expect(summary.sources).toEqual([
      expect.objectContaining({
        kind: 'file',
        read: 5000,
        total: 5000,
        produced: 0,
        rejected: 5000,
        rejectedByReason: { time: 5000 },
        maxRejects: 0,
      }),
    ]);
    expect(summary.reason).toMatch(/5000 of 5000 rows rejected \(time 5000\).*--max-rejects/);
    expect(run.stderr()).toMatch(/rows rejected/);
    expect(await produced(topics.passages)).toBe(0);
    expect(await passageCount(db.storage)).toBe(0);
  });

  it('lets --max-rejects allow rejected rows, by count or share', async () => {
    const { args, env } = await isolated();
    const spec = `file:${FASTAG}#${MAPPING}&time=Timestamp`;
    const allowed = tollstream(['import', spec, '--max-rejects', '100%', '--format', 'json', ...args], env);
    expect(await allowed.exited, allowed.stderr()).toBe(0);
    expect(allowed.summary()).toMatchObject({ produced: 0, reconciled: true });
    const tooFew = tollstream(['import', spec, '--max-rejects', '4999', '--format', 'json', ...args], env);
    expect(await tooFew.exited, tooFew.stderr()).toBe(1);
  });

  it('previews the mapping with --dry-run: the first rows as they would be produced, nothing produced', async () => {
    const { topics, db, args, env } = await isolated();
    const run = tollstream(
      [
        'import',
        `file:${FASTAG}#${MAPPING}&${TIME}`,
        '--dry-run',
        '--rows',
        '8',
        '--format',
        'json',
        ...args,
      ],
      env,
    );
    expect(await run.exited, run.stderr()).toBe(0);
    const preview = run.lines.find((l) => l.type === 'preview')!;
    expect(preview).toMatchObject({ read: 5000, wouldProduce: 5000, rejected: 0, wouldFail: null });
    const rows = preview.rows as { passage: { eventId: string; passedAt: string } }[];
    expect(rows).toHaveLength(8);
    // Ids 1-7 are January 6th to 12th (month-first), id 8 January 13th.
    expect(rows.map((r) => r.passage.passedAt.slice(0, 10))).toEqual([
      '2023-01-06',
      '2023-01-07',
      '2023-01-08',
      '2023-01-09',
      '2023-01-10',
      '2023-01-11',
      '2023-01-12',
      '2023-01-13',
    ]);
    expect(await produced(topics.passages)).toBe(0);
    expect(await produced(topics.plazas)).toBe(0);
    expect(await passageCount(db.storage)).toBe(0);

    // The table a person reads: the rows with the time as read, and the verdict.
    const table = spawnSync(
      process.execPath,
      [
        BIN,
        'import',
        `file:${FASTAG}#${MAPPING}&${TIME}`,
        '--dry-run',
        '--rows',
        '3',
        '--format',
        'table',
        ...args,
      ],
      {
        env: { ...process.env, ...env },
        encoding: 'utf8',
      },
    );
    expect(table.status, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/First 3 of 5,000 passages as they would be produced/);
    expect(table.stdout).toMatch(
      /file-\S+-id-1 +\| +\d+ \| A-101 +\| KA11AB1234 \| bus +\| 2023-01-06 11:20/,
    );
    expect(table.stdout).toMatch(/The import would pass its checks/);
  });

  it('refuses a day-first reading the file contradicts (exit 2), producing nothing', async () => {
    const { topics, db, args, env } = await isolated();
    const dayFirst = 'time=Timestamp&timeFormat=DD-MM-YY HH:mm|M/D/YYYY HH:mm';
    const run = tollstream(
      ['import', `file:${FASTAG}#${MAPPING}&${dayFirst}`, '--format', 'json', ...args],
      env,
    );
    expect(await run.exited, run.stderr()).toBe(2);
    expect(run.stderr()).toMatch(/column Timestamp: "01-06-23 11:20" is 1 June 2023 under DD-MM-YY HH:mm/);
    expect(await produced(topics.passages)).toBe(0);
    expect(await passageCount(db.storage)).toBe(0);
  });

  it('refuses an endless source', async () => {
    const { args, env } = await isolated();
    const run = tollstream(['import', 'simulator', ...args], env);
    expect(await run.exited).toBe(2);
    expect(run.stderr()).toMatch(/does not end by itself/);
  });

  it("keeps apart this import's new rows, rows already present and other runs' backlog", async () => {
    const { db, args, env } = await isolated();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tollstream-imp-csv-'));
    dirs.push(dir);
    const csv = (name: string, from: number, n: number): string => {
      const file = path.join(dir, name);
      const lines = ['Id,Booth,Plate,At'];
      for (let i = 0; i < n; i++)
        lines.push(
          `${from + i},${7 + (i % 3)},KA${from + i},2024-03-0${1 + (i % 5)} 08:${String(i % 60).padStart(2, '0')}`,
        );
      writeFileSync(file, `${lines.join('\n')}\n`);
      return `file:${file}#plaza=Booth&vehicle=Plate&time=At&id=Id`;
    };
    const first = csv('a.csv', 1, 300);
    // Produced by a producer-only process: nobody persists it until the import's sink joins the group.
    const backlog = tollstream(
      ['--headless', '--role', 'producer', '--source', csv('b.csv', 1000, 120), ...args],
      env,
    );
    expect(await backlog.exited, backlog.stderr()).toBe(0);

    const run = tollstream(['import', first, '--format', 'json', ...args], env);
    expect(await run.exited, run.stderr()).toBe(0);
    expect(run.summary()).toMatchObject({
      produced: 300,
      persisted: 420,
      rows: { passages: 420, payments: 0, thisRun: { written: 300, alreadyPresent: 0 }, backlog: 120 },
    });
    const again = tollstream(['import', first, '--format', 'json', ...args], env);
    expect(await again.exited, again.stderr()).toBe(0);
    expect(again.summary()).toMatchObject({
      produced: 300,
      persisted: 0,
      rows: { passages: 0, thisRun: { written: 0, alreadyPresent: 300 }, backlog: 0 },
    });
    expect(await passageCount(db.storage)).toBe(420);
  });
});
