/**
 * Fixing a wrong import with `--replace`, end to end on the real broker and MariaDB: `tollstream --headless` as a
 * child process imports a CSV with a wrong mapping, then again with the corrected one and --replace. MySQL is read
 * directly: every row of the file carries the corrected values, under the same event ids, once; another file's
 * rows are left alone; a replace run that fails (rejected rows, a stop part way) changes nothing and leaves no
 * staged rows behind.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, testKafka, topicEnv, uniqueName, waitFor } from '../../helpers/services.ts';
import type { TestDatabase, TestKafka } from '../../helpers/services.ts';
import { tollstream } from '../headless/cli.ts';
import type { CliRun } from '../headless/cli.ts';

const KINDS = ['Car', 'Truck', 'Bus', 'Mini-Bus/Van'] as const;
const TYPE_OF: Record<(typeof KINDS)[number], string> = {
  Car: 'car',
  Truck: 'truck',
  Bus: 'bus',
  'Mini-Bus/Van': 'van',
};
const FEES = [120, 450, 90, 300];

interface Row {
  plate: string;
  kind: (typeof KINDS)[number];
  fee: number;
  /** As the file writes it (day first, dashed), and as it means it. */
  when: string;
  iso: string;
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** `n` rows, one a minute from `start`; days run past 12, so the dashed dates are plainly day first. */
function rows(n: number, plates: string, start = Date.UTC(2023, 0, 13, 6, 0)): Row[] {
  return Array.from({ length: n }, (_, i) => {
    const at = new Date(start + i * 60_000 + Math.floor(i / 10) * 86_400_000);
    return {
      plate: `${plates}${1000 + i}`,
      kind: KINDS[i % KINDS.length]!,
      fee: FEES[i % FEES.length]!,
      when: `${pad(at.getUTCDate())}-${pad(at.getUTCMonth() + 1)}-${at.getUTCFullYear()} ${pad(at.getUTCHours())}:${pad(at.getUTCMinutes())}`,
      iso: at.toISOString(),
    };
  });
}

function writeCsv(file: string, data: Row[]): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const lines = data.map((r, i) => `${i + 1},${r.when},${4001 + (i % 3)},${r.plate},${r.kind},${r.fee}`);
  writeFileSync(file, ['TxId,When,Booth,Plate,Kind,Fee', ...lines].join('\n') + '\n');
}

const BASE = 'plaza=Booth&vehicle=Plate&time=When&timeFormat=DD-MM-YYYY HH:mm&amount=Fee';
/** The first import's mistakes: no type column (every vehicle a car) and fees read as cents. */
const WRONG = `${BASE}&amountUnit=cents`;
const RIGHT = `${BASE}&amountUnit=units&type=Kind&typeMap=Mini-Bus/Van:van`;
/** Forgets the typeMap: the Mini-Bus/Van rows are rejected. */
const REJECTING = `${BASE}&amountUnit=units&type=Kind`;

type LiveRow = {
  event_id: string;
  vehicle_id: string;
  vehicle_type: string;
  passed_at: string;
  ingested_at: string;
  amount_cents: number | null;
  payments: number;
};

describe('tollstream --replace', () => {
  let k: TestKafka;
  let db: TestDatabase;
  let dir: string;
  let env: Record<string, string>;
  const group = uniqueName('rp-group');

  beforeAll(async () => {
    k = await testKafka();
    db = await freshDatabase('tollstream_rp');
    env = topicEnv(await k.pipelineTopics('rp', 3));
    dir = mkdtempSync(path.join(os.tmpdir(), 'tollstream-replace-'));
  });
  afterAll(async () => {
    await db?.drop();
    await k?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** One headless run on this test's topics, database, group and state directory. */
  const run = (file: string, mapping: string, extra: string[] = []): CliRun =>
    tollstream(
      [
        '--headless',
        '--source',
        `file:${file}#${mapping}`,
        '--mysql-url',
        db.url,
        '--group',
        group,
        '--state-dir',
        path.join(dir, 'state'),
        '--interval',
        '1s',
        ...extra,
      ],
      env,
    );

  const finished = async (r: CliRun, code = 0): Promise<Record<string, unknown>> => {
    expect(await r.exited, r.stderr()).toBe(code);
    return r.summary()!;
  };

  /** The live rows of the passages whose vehicle ids start with `plates`, each with its payment. */
  const live = async (plates: string): Promise<LiveRow[]> =>
    (
      await db.storage.query<LiveRow>(
        `SELECT p.event_id, p.vehicle_id, p.vehicle_type,
                DATE_FORMAT(p.passed_at, '%Y-%m-%dT%H:%i:%s.%fZ') AS passed_at,
                DATE_FORMAT(p.ingested_at, '%Y-%m-%dT%H:%i:%s.%f') AS ingested_at,
                MIN(y.amount_cents) AS amount_cents, COUNT(y.payment_id) AS payments
           FROM passages p LEFT JOIN payments y ON y.event_id = p.event_id
          WHERE p.vehicle_id LIKE CONCAT(?, '%')
          GROUP BY p.event_id ORDER BY p.vehicle_id`,
        [plates],
      )
    ).map((r) => ({
      ...r,
      passed_at: r.passed_at.replace(/(\.\d{3})\d{3}Z$/, '$1Z'),
      amount_cents: r.amount_cents === null ? null : Number(r.amount_cents),
      payments: Number(r.payments),
    }));

  const count = async (sql: string, params: unknown[] = []): Promise<number> =>
    Number((await db.storage.query<{ n: number | string }>(sql, params))[0]!.n);

  const stagedRows = async (): Promise<number> =>
    (await count('SELECT COUNT(*) AS n FROM passages_staging')) +
    (await count('SELECT COUNT(*) AS n FROM payments_staging'));

  /** Rows as `data` with the right mapping makes them. */
  const expectCorrected = (got: LiveRow[], data: Row[]): void => {
    expect(got.map((r) => [r.vehicle_id, r.vehicle_type, r.passed_at, r.amount_cents, r.payments])).toEqual(
      data.map((d) => [d.plate, TYPE_OF[d.kind], d.iso, d.fee * 100, 1]),
    );
  };

  const fileA = (): string => path.join(dir, 'a.csv');
  const dataA = rows(50, 'KA');
  let importA = '';
  let afterA: LiveRow[] = [];

  it('re-imports a file with a corrected mapping: every row corrected, same ids, once, passages and payments', async () => {
    writeCsv(fileA(), dataA);
    const first = await finished(run(fileA(), WRONG));
    expect(first).toMatchObject({ produced: 50, reconciled: true });
    expect(first).not.toHaveProperty('replaced');
    const wrong = await live('KA');
    expect(wrong).toHaveLength(50);
    expect(new Set(wrong.map((r) => r.vehicle_type))).toEqual(new Set(['car']));
    expect(wrong.map((r) => r.amount_cents)).toEqual(dataA.map((d) => d.fee));

    // Without --replace the corrected mapping changes nothing: the same ids are already present.
    const plain = await finished(run(fileA(), RIGHT));
    expect(plain).toMatchObject({ produced: 50, reconciled: true });
    expect(await live('KA')).toEqual(wrong);

    const replacing = run(fileA(), RIGHT, ['--replace']);
    const summary = await finished(replacing);
    expect(summary).toMatchObject({ produced: 50, reconciled: true, missing: 0, duplicatesFound: 0 });
    const replaced = summary.replaced as Record<string, unknown>;
    expect(replaced).toEqual({
      importId: expect.stringMatching(/^file-[0-9a-f]{12}$/),
      runId: expect.stringMatching(/^\d{8}T\d{6}Z-[0-9a-f]{6}$/),
      removed: 50,
      inserted: 50,
      paymentsRemoved: 50,
      paymentsInserted: 50,
    });
    importA = replaced.importId as string;

    afterA = await live('KA');
    expectCorrected(afterA, dataA);
    // The same event ids as the wrong import: rows corrected in place, none added beside them.
    expect(afterA.map((r) => r.event_id)).toEqual(wrong.map((r) => r.event_id));
    expect(afterA.every((r) => r.event_id.startsWith(`${importA}-`))).toBe(true);
    expect(await count('SELECT COUNT(*) AS n FROM passages')).toBe(50);
    expect(await count('SELECT COUNT(*) AS n FROM payments')).toBe(50);
    expect(await stagedRows()).toBe(0);

    const record = await db.storage.query(
      `SELECT import_id, run_id, source, state, passages_removed, passages_inserted, payments_removed,
              payments_inserted, replaced_at IS NOT NULL AS replaced, reason
         FROM imports`,
    );
    expect(record).toEqual([
      {
        import_id: importA,
        run_id: replaced.runId,
        source: `file:${fileA()}#${RIGHT}`,
        state: 'replaced',
        passages_removed: 50,
        passages_inserted: 50,
        payments_removed: 50,
        payments_inserted: 50,
        replaced: 1,
        reason: null,
      },
    ]);
  });

  it("replacing another file (even one of the same name) leaves the first import's rows alone", async () => {
    expect(afterA).toHaveLength(50);
    const fileB = path.join(dir, 'next-month', 'a.csv');
    const dataB = rows(20, 'KB', Date.UTC(2023, 1, 14, 6, 0));
    writeCsv(fileB, dataB);
    expect(await finished(run(fileB, WRONG))).toMatchObject({ produced: 20, reconciled: true });
    expect(await live('KB')).toHaveLength(20);

    const summary = await finished(run(fileB, RIGHT, ['--replace']));
    const replaced = summary.replaced as Record<string, unknown>;
    expect(replaced).toMatchObject({ removed: 20, inserted: 20, paymentsRemoved: 20, paymentsInserted: 20 });
    expect(replaced.importId).not.toBe(importA);
    expectCorrected(await live('KB'), dataB);
    // The first file's rows are the very rows its replace wrote (same ingestion time).
    expect(await live('KA')).toEqual(afterA);
    expect(await count('SELECT COUNT(*) AS n FROM passages')).toBe(70);
    expect(await count("SELECT COUNT(*) AS n FROM imports WHERE state = 'replaced'")).toBe(2);
  });

  it('a replace run that rejects rows swaps nothing and deletes what it staged', async () => {
    const before = await live('K');
    expect(before).toHaveLength(70);
    const summary = await finished(run(fileA(), REJECTING, ['--replace']), 1);
    expect(summary).not.toHaveProperty('replaced');
    expect(summary.reason).toMatch(/rows rejected/);
    expect(summary.reason).toMatch(/--replace swapped nothing, the earlier import's rows are unchanged/);
    // The accepted rows did reach staging (persisted there), and are gone again.
    const accepted = dataA.filter((d) => d.kind !== 'Mini-Bus/Van').length;
    expect(accepted).toBe(38);
    expect((summary.rows as { passages: number }).passages).toBe(accepted);
    expect(await live('K')).toEqual(before);
    expect(await stagedRows()).toBe(0);
    const [abandoned] = await db.storage.query<{ state: string; reason: string }>(
      "SELECT state, reason FROM imports WHERE import_id = ? AND state <> 'replaced'",
      [importA],
    );
    expect(abandoned).toMatchObject({ state: 'abandoned', reason: expect.stringMatching(/rejected/) });
  });

  it('a replace run stopped part way swaps nothing and deletes what it staged', async () => {
    const fileC = path.join(dir, 'c.csv');
    const dataC = rows(60, 'KC', Date.UTC(2023, 2, 14, 6, 0)).map((r, i) => {
      // One a minute, in one hour: at --speed 300 the replace takes about 12 s.
      const at = new Date(Date.UTC(2023, 2, 14, 6, i));
      return { ...r, when: `14-03-2023 06:${pad(i)}`, iso: at.toISOString() };
    });
    writeCsv(fileC, dataC);
    expect(await finished(run(fileC, WRONG))).toMatchObject({ produced: 60, reconciled: true });
    const before = await live('K');
    expect(before).toHaveLength(130);

    const replacing = run(fileC, RIGHT, ['--replace', '--speed', '300']);
    // Some of its rows are staged while the live ones are still the wrong import's.
    await waitFor(async () => (await count('SELECT COUNT(*) AS n FROM passages_staging')) >= 5, {
      what: 'rows of the replace to reach staging',
    });
    expect(await live('K')).toEqual(before);
    replacing.child.kill('SIGINT');
    const summary = await finished(replacing, 1);
    expect(summary).toMatchObject({ stoppedBy: 'signal' });
    expect(summary).not.toHaveProperty('replaced');
    expect(summary.produced as number).toBeLessThan(60);
    expect(summary.reason).toMatch(
      /--replace: the run stopped \(signal\) before the whole file was imported/,
    );
    expect(await live('K')).toEqual(before);
    expect(await stagedRows()).toBe(0);
    expect(await count("SELECT COUNT(*) AS n FROM imports WHERE state = 'abandoned'")).toBe(2);
  });

  it('a replace run killed outright leaves its staged rows to the next replace of the file, which deletes them', async () => {
    const fileC = path.join(dir, 'c.csv');
    const killed = run(fileC, RIGHT, ['--replace', '--speed', '300']);
    await waitFor(async () => (await count('SELECT COUNT(*) AS n FROM passages_staging')) >= 5, {
      what: 'rows of the replace to reach staging',
    });
    killed.child.kill('SIGKILL');
    await killed.exited;
    const [open] = await db.storage.query<{ stage_id: string }>(
      "SELECT stage_id FROM imports WHERE state = 'staging'",
    );
    expect(open).toBeDefined();
    const before = await live('KC');
    expect(new Set(before.map((r) => r.vehicle_type))).toEqual(new Set(['car'])); // still the wrong import

    const summary = await finished(run(fileC, RIGHT, ['--replace']));
    expect(summary.replaced).toMatchObject({ removed: 60, inserted: 60, paymentsRemoved: 60 });
    const after = await live('KC');
    expect(after).toHaveLength(60);
    expect(after.map((r) => r.event_id)).toEqual(before.map((r) => r.event_id));
    expect(new Set(after.map((r) => r.vehicle_type))).toEqual(new Set(['car', 'truck', 'bus', 'van']));
    expect(await stagedRows()).toBe(0);
    const [superseded] = await db.storage.query<{ state: string; reason: string }>(
      'SELECT state, reason FROM imports WHERE stage_id = ?',
      [open!.stage_id],
    );
    expect(superseded).toEqual({
      state: 'abandoned',
      reason: `superseded by replace run ${(summary.replaced as { runId: string }).runId} of the same file`,
    });
  });

  it('a new consumer group replaying the topics from the start does not undo a replacement', async () => {
    const before = await live('K');
    expect(before).toHaveLength(130);
    const fileE = path.join(dir, 'e.csv');
    writeCsv(fileE, rows(2, 'KE', Date.UTC(2023, 3, 14, 6, 0)));
    // A run of role all waits until its sink has read every message on the topics: all of them, for a new group.
    const replay = tollstream(
      [
        '--headless',
        '--source',
        `file:${fileE}#${RIGHT}`,
        '--mysql-url',
        db.url,
        '--group',
        uniqueName('rp-replay'),
        '--state-dir',
        path.join(dir, 'state'),
      ],
      env,
    );
    const summary = await finished(replay);
    expect(summary).toMatchObject({ produced: 2, reconciled: true });
    // The wrong imports' messages find their ids present; the replace runs' staged copies are discarded.
    expect(await live('K')).toEqual(
      [...before, ...(await live('KE'))].sort((a, b) => (a.vehicle_id < b.vehicle_id ? -1 : 1)),
    );
    expect(replay.stderr()).toMatch(/rows of a replace run that is over \(swapped or abandoned\) discarded/);
    expect(await stagedRows()).toBe(0);
  });

  it('refuses what it cannot replace before producing anything (exit 2)', async () => {
    const producer = run(fileA(), RIGHT, ['--replace', '--role', 'producer']);
    expect(await producer.exited).toBe(2);
    expect(producer.stderr()).toMatch(/--replace needs --role all/);
    const simulator = tollstream(
      ['--headless', '--source', 'simulator', '--replace', '--mysql-url', db.url, '--group', group],
      env,
    );
    expect(await simulator.exited).toBe(2);
    expect(simulator.stderr()).toMatch(/is a never-ending simulator source/);
    const events = run(fileA(), RIGHT, ['--replace', '--events', '10']);
    expect(await events.exited).toBe(2);
    expect(events.stderr()).toMatch(/drop --events 10/);
  });
});
