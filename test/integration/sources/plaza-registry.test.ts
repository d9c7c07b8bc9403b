/**
 * The plaza registry on the real stack: `tollstream --headless` runs as a child process, one after the other, on
 * one set of topics and one database, each importing a different CSV file whose plaza codes overlap. A code keeps
 * its id from run to run, codes whose hashes collide get ids of their own (none is rejected, none merged), and
 * the plaza topic holds one plaza per code. Judged by the rows themselves (every passage's vehicle names the
 * booth it was written for) and by kcat's read of the topic.
 */
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  freePort,
  freshDatabase,
  testConfig,
  testKafka,
  topicEnv,
  uniqueName,
} from '../../helpers/services.ts';
import type { TestDatabase, TestKafka } from '../../helpers/services.ts';
import { readTopic } from '../../helpers/read-topic.ts';
import { createPlazaRegistry } from '../../../src/engines/producer/plaza-codes.ts';
import { preferredPlazaId } from '../../../src/sources/plaza-registry.ts';
import { tollstream } from '../headless/cli.ts';

const FASTAG = fileURLToPath(
  new URL('../../../../shared/data/fastag/FastagFraudDetection.csv', import.meta.url),
);

/** Two codes whose hashes pick the same id (brute force over C-<n>: both prefer 63848). */
const COLLIDING = ['C-76', 'C-250'] as const;

/** A CSV whose vehicle ids name their booth, so each row can be checked against the plaza it was written for. */
function csv(dir: string, name: string, run: string, booths: string[]): string {
  const lines = ['booth,plate,at'];
  booths.forEach((booth, i) => {
    for (let j = 0; j < 3; j++) {
      const minute = String(i * 3 + j).padStart(2, '0');
      lines.push(`${booth},${run}:${booth}:${j},2024-05-01T08:${minute}:00Z`);
    }
  });
  const file = path.join(dir, name);
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

describe('plaza registry', () => {
  let k: TestKafka;
  let db: TestDatabase;
  let dir: string;
  beforeAll(async () => {
    k = await testKafka();
    db = await freshDatabase('tollstream_plz');
    dir = mkdtempSync(path.join(os.tmpdir(), 'tollstream-plz-'));
  });
  afterAll(async () => {
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
    await k?.cleanup();
  });

  it('keeps a code its id across runs and files, gives colliding codes their own ids, one plaza each', async () => {
    expect(preferredPlazaId(COLLIDING[0])).toBe(preferredPlazaId(COLLIDING[1]));
    const topics = await k.pipelineTopics('plz', 3);
    const env = topicEnv(topics);
    const group = uniqueName('plz-group');
    const run = async (file: string): Promise<string> => {
      const state = mkdtempSync(path.join(dir, 'state-'));
      const cli = tollstream(
        [
          '--headless',
          '--source',
          `file:${file}#plaza=booth&vehicle=plate&time=at`,
          '--mysql-url',
          db.url,
          '--group',
          group,
          '--state-dir',
          state,
          '--interval',
          '1s',
        ],
        env,
      );
      expect(await cli.exited, cli.stderr()).toBe(0);
      expect(cli.summary()).toMatchObject({ reconciled: true, missing: 0 });
      return cli.stderr();
    };

    const first = await run(csv(dir, 'monday.csv', 'r1', ['A-101', 'B-7', COLLIDING[0], '12']));
    const second = await run(
      csv(dir, 'tuesday.csv', 'r2', ['B-7', COLLIDING[1], 'A-101', COLLIDING[0], 'D-104']),
    );

    // Each code is registered once, by the run that saw it first; a numeric plaza is an id, not a code.
    const registered = (log: string): string[] =>
      [...log.matchAll(/plaza code "([^"]+)" registered as id (\d+)/g)].map((m) => m[1]!).sort();
    expect(registered(first)).toEqual(['A-101', 'B-7', COLLIDING[0]].sort());
    expect(registered(second)).toEqual([COLLIDING[1], 'D-104'].sort());

    const plazas = await db.storage.query<{ plaza_id: number | string; code: string }>(
      'SELECT plaza_id, code FROM plazas ORDER BY code',
    );
    const idOf = new Map(plazas.map((p) => [p.code, Number(p.plaza_id)]));
    expect([...idOf.keys()].sort()).toEqual(
      ['12', 'A-101', 'B-7', COLLIDING[1], COLLIDING[0], 'D-104'].sort(),
    );
    expect(plazas).toHaveLength(6);
    expect(idOf.get('12')).toBe(12);
    expect(idOf.get('A-101')).toBe(preferredPlazaId('A-101'));
    expect(idOf.get(COLLIDING[0])).toBe(preferredPlazaId(COLLIDING[0]));
    expect(idOf.get(COLLIDING[1])).toBe(preferredPlazaId(COLLIDING[0]) + 1);

    // Every passage of both runs sits at the plaza of the booth its vehicle names, none was rejected.
    const rows = await db.storage.query<{
      vehicle_id: string;
      plaza_id: number | string;
      code: string | null;
    }>(
      'SELECT p.vehicle_id, p.plaza_id, z.code FROM passages p LEFT JOIN plazas z ON z.plaza_id = p.plaza_id',
    );
    expect(rows).toHaveLength(3 * 4 + 3 * 5);
    const wrong = rows.filter((r) => r.vehicle_id.split(':')[1] !== r.code);
    expect(wrong).toEqual([]);
    const idsByCode = new Map<string, Set<number>>();
    for (const r of rows) {
      const set = idsByCode.get(r.code!) ?? new Set<number>();
      set.add(Number(r.plaza_id));
      idsByCode.set(r.code!, set);
    }
    for (const code of ['A-101', 'B-7', COLLIDING[0]]) {
      expect(rows.filter((r) => r.code === code && r.vehicle_id.startsWith('r1:'))).toHaveLength(3);
      expect(rows.filter((r) => r.code === code && r.vehicle_id.startsWith('r2:'))).toHaveLength(3);
      expect(idsByCode.get(code)?.size).toBe(1);
    }

    // The topic, read by kcat: each code under one plaza id, each plaza id with one code.
    const records = await readTopic(
      k.kafka,
      k.config.kafka.brokers,
      topics.plazas,
      (r) => new Set(r.map((x) => x.key)).size >= 6,
    );
    const pairs = new Set(
      records.map((r) => {
        const p = JSON.parse(r.value) as { plazaId: number; code: string };
        expect(r.key).toBe(String(p.plazaId));
        return `${p.code}\t${p.plazaId}`;
      }),
    );
    expect([...pairs].sort()).toEqual([...idOf].map(([code, id]) => `${code}\t${id}`).sort());
  }, 180_000);

  it('the FASTag file takes the ids its booths were registered with, and registers the others', async () => {
    const topics = await k.pipelineTopics('plzf', 3);
    const fastagDb = await freshDatabase('tollstream_plzf');
    try {
      const env = topicEnv(topics);
      const args = ['--mysql-url', fastagDb.url, '--group', uniqueName('plzf-group'), '--interval', '2s'];
      const small = csv(dir, 'booths.csv', 'r1', ['A-101', 'D-104']);
      const first = tollstream(
        [
          '--headless',
          '--source',
          `file:${small}#plaza=booth&vehicle=plate&time=at`,
          '--state-dir',
          mkdtempSync(path.join(dir, 'state-')),
          ...args,
        ],
        env,
      );
      expect(await first.exited, first.stderr()).toBe(0);
      const mapping =
        'plaza=TollBoothID&vehicle=Vehicle_Plate_Number&type=Vehicle_Type&id=Transaction_ID' +
        '&time=Timestamp&timeFormat=MM-DD-YY HH:mm|M/D/YYYY HH:mm';
      const fastag = tollstream(
        [
          '--headless',
          '--source',
          `file:${FASTAG}#${mapping}`,
          '--state-dir',
          mkdtempSync(path.join(dir, 'state-')),
          '--max-rejects',
          '100%',
          ...args,
        ],
        env,
      );
      expect(await fastag.exited, fastag.stderr()).toBe(0);
      const registered = [...fastag.stderr().matchAll(/plaza code "([^"]+)" registered as id (\d+)/g)];
      // The file's other booths; A-101 and D-104 were registered by the first run.
      expect(registered.map((m) => m[1]).sort()).toEqual(['B-102', 'C-103', 'D-105', 'D-106']);

      const plazas = await fastagDb.storage.query<{ plaza_id: number | string; code: string }>(
        'SELECT plaza_id, code FROM plazas',
      );
      const idOf = new Map(plazas.map((p) => [p.code, Number(p.plaza_id)]));
      expect(new Set(idOf.values()).size).toBe(idOf.size);
      expect(idOf.get('A-101')).toBe(preferredPlazaId('A-101'));
      expect(idOf.get('D-104')).toBe(preferredPlazaId('D-104'));
      // Passages per booth, by the plaza their rows were written with: the file's own counts per TollBoothID,
      // plus the first run's 3 rows for each of A-101 and D-104.
      const perBooth = await fastagDb.storage.query<{ code: string; n: number | string }>(
        `SELECT z.code, COUNT(*) AS n FROM passages p JOIN plazas z ON z.plaza_id = p.plaza_id
          GROUP BY z.code ORDER BY z.code`,
      );
      expect(perBooth.map((b) => [b.code, Number(b.n)])).toEqual([
        ['A-101', 1428 + 3],
        ['B-102', 1432],
        ['C-103', 1426],
        ['D-104', 40 + 3],
        ['D-105', 104],
        ['D-106', 570],
      ]);
    } finally {
      await fastagDb.drop();
    }
  }, 240_000);

  it('fails to load without Kafka, naming the topic and the brokers; a preview carries on', async () => {
    const port = await freePort();
    const config = testConfig({ brokers: `127.0.0.1:${port}` });
    const registry = createPlazaRegistry(config, {
      topic: 'toll.plazas',
      timeoutMs: 2000,
      mysqlTimeoutMs: 500,
    });
    await expect(registry.load()).rejects.toThrow(
      new RegExp(
        `cannot read the plaza registry from topic toll\\.plazas at 127\\.0\\.0\\.1:${port}: .*start Kafka`,
      ),
    );
    expect(() => registry.idFor('A-101')).toThrow(/not loaded/);
    const preview = createPlazaRegistry(config, {
      topic: 'toll.plazas',
      preview: true,
      timeoutMs: 2000,
      mysqlTimeoutMs: 500,
    });
    await preview.load();
    expect(preview.idFor('A-101')).toBe(preferredPlazaId('A-101'));
  }, 30_000);
});
