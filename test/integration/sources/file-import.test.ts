/**
 * File imports through the CLI (`tollstream --headless`) on the real broker and MariaDB: the FASTag file (read in
 * place from ../shared/data) is refused under a format that cannot tell its day/month order and lands with the
 * right dates under one that can; an import's identity is its content, not its file name.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, testKafka, topicEnv, uniqueName } from '../../helpers/services.ts';
import type { TestDatabase, TestKafka } from '../../helpers/services.ts';
import type { Topics } from '../../../src/config/config.ts';
import { passageCount, passageIds, tollstream } from '../headless/cli.ts';

const FASTAG = fileURLToPath(
  new URL('../../../../shared/data/fastag/FastagFraudDetection.csv', import.meta.url),
);
const MAPPING =
  'plaza=TollBoothID&vehicle=Vehicle_Plate_Number&type=Vehicle_Type&time=Timestamp&id=Transaction_ID';
/** What the README said: the dashed dates read day first, although the file writes them month first. */
const OLD_README_FORMAT = 'timeFormat=DD-MM-YY HH:mm|M/D/YYYY HH:mm';
const MONTH_FIRST_FORMAT = 'timeFormat=MM-DD-YY HH:mm|M/D/YYYY HH:mm';

/** The content identity the file source must give a file: computed here from its bytes. */
const contentId = (file: string): string =>
  `file-${createHash('sha256').update(readFileSync(file)).digest('hex').slice(0, 12)}`;

/**
 * The file's own reading of its first rows, by Transaction_ID, as MySQL prints DATETIME: the dashed dates are
 * month-first like the slashed ones (ids 1-7 run 01-06-23 ... 01-12-23 a day apart, id 8 is 1/13/2023).
 */
function monthFirstTimes(ids: number[]): Map<number, string> {
  const out = new Map<number, string>();
  const pad = (n: string | number): string => String(n).padStart(2, '0');
  for (const line of readFileSync(FASTAG, 'utf8').split(/\r?\n/).slice(1)) {
    const [id, ts] = line.split(',');
    if (!ids.includes(Number(id))) continue;
    const m = /^(\d{1,2})[-/](\d{1,2})[-/](\d{2}|\d{4}) (\d{1,2}):(\d{2})$/.exec(ts!)!;
    const year = m[3]!.length === 2 ? `20${m[3]}` : m[3]!;
    out.set(Number(id), `${year}-${pad(m[1]!)}-${pad(m[2]!)} ${pad(m[4]!)}:${m[5]}:00`);
  }
  return out;
}

describe('file import', () => {
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

  const tempDir = (prefix: string): string => {
    const d = mkdtempSync(path.join(os.tmpdir(), prefix));
    dirs.push(d);
    return d;
  };

  async function isolated(): Promise<{
    topics: Topics;
    db: TestDatabase;
    args: string[];
    env: Record<string, string>;
  }> {
    const topics = await k.pipelineTopics('fimp', 3);
    const db = await freshDatabase('tollstream_fimp');
    dbs.push(db);
    const args = [
      '--mysql-url',
      db.url,
      '--group',
      uniqueName('fimp-group'),
      '--state-dir',
      tempDir('tollstream-fimp-'),
      '--speed',
      'max',
      '--tz',
      'UTC',
    ];
    return { topics, db, args, env: topicEnv(topics) };
  }

  const produced = async (topic: string): Promise<number> =>
    (await k.admin.topicOffsets(topic)).reduce((n, p) => n + Number(p.high), 0);

  it("refuses the README's old FASTag spec before producing anything, naming the ambiguity and the fix", async () => {
    const { topics, db, args, env } = await isolated();
    const run = tollstream(
      ['--headless', '--source', `file:${FASTAG}#${MAPPING}&${OLD_README_FORMAT}`, ...args],
      env,
    );
    expect(await run.exited, run.stderr()).toBe(2);
    expect(run.stderr()).toContain(
      'column Timestamp: "01-06-23 11:20" is 1 June 2023 under DD-MM-YY HH:mm (day-first) but 6 January 2023 month-first',
    );
    expect(run.stderr()).toContain('timeFormat=MM-DD-YY HH:mm|M/D/YYYY HH:mm');
    expect(run.stderr()).toContain('dayFirst=');
    expect(await produced(topics.passages)).toBe(0);
    expect(await passageCount(db.storage)).toBe(0);
  });

  it('imports all 5,000 FASTag rows under the month-first spec, with the dates the file means', async () => {
    const { db, args, env } = await isolated();
    const run = tollstream(
      ['--headless', '--source', `file:${FASTAG}#${MAPPING}&${MONTH_FIRST_FORMAT}`, ...args],
      env,
    );
    expect(await run.exited, run.stderr()).toBe(0);
    expect(await passageCount(db.storage)).toBe(5000);
    const id = contentId(FASTAG);
    const expected = monthFirstTimes([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(expected.get(1)).toBe('2023-01-06 11:20:00');
    const rows = await db.storage.query<{ event_id: string; at: string }>(
      `SELECT event_id, DATE_FORMAT(passed_at, '%Y-%m-%d %H:%i:%s') AS at FROM passages
        WHERE event_id IN (${[...expected.keys()].map(() => '?').join(',')}) ORDER BY passed_at`,
      [...expected.keys()].map((n) => `${id}-id-${n}`),
    );
    expect(rows.map((r) => [r.event_id, r.at])).toEqual(
      [...expected].map(([n, at]) => [`${id}-id-${n}`, at]),
    );
  });

  it('lands two different files of the same name, and recognises the same bytes under another name', async () => {
    const { db, args, env } = await isolated();
    const csv = (plates: string[]): string =>
      `booth,plate,at\n${plates.map((p, i) => `7,${p},2024-05-01T08:0${i}:00Z`).join('\n')}\n`;
    const january = path.join(tempDir('export-jan-'), 'export.csv');
    const february = path.join(tempDir('export-feb-'), 'export.csv');
    writeFileSync(january, csv(['JAN-1', 'JAN-2', 'JAN-3']));
    writeFileSync(february, csv(['FEB-1', 'FEB-2', 'FEB-3']));
    const renamed = path.join(tempDir('export-copy-'), 'january-again.csv');
    writeFileSync(renamed, readFileSync(january));
    const importFile = async (file: string): Promise<Record<string, unknown>> => {
      const run = tollstream(
        ['--headless', '--source', `file:${file}#plaza=booth&vehicle=plate&time=at`, ...args],
        env,
      );
      expect(await run.exited, run.stderr()).toBe(0);
      return run.summary()!;
    };

    await importFile(january);
    await importFile(february);
    const ids = (file: string): string[] => [2, 3, 4].map((line) => `${contentId(file)}-${line}`);
    expect(contentId(january)).not.toBe(contentId(february));
    expect((await passageIds(db.storage)).sort()).toEqual([...ids(january), ...ids(february)].sort());
    const plates = await db.storage.query<{ vehicle_id: string }>(
      'SELECT vehicle_id FROM passages ORDER BY vehicle_id',
    );
    expect(plates.map((r) => r.vehicle_id)).toEqual(['FEB-1', 'FEB-2', 'FEB-3', 'JAN-1', 'JAN-2', 'JAN-3']);

    const again = await importFile(renamed);
    expect(await passageCount(db.storage)).toBe(6);
    expect(again).toMatchObject({ rows: { thisRun: { written: 0, alreadyPresent: 3 } } });
  });
});
