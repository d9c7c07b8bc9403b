/**
 * Importing a range from an HTTP API as a user does: `tollstream --headless --source <url> --from --to` as a child
 * process on the real broker and MariaDB, against a server in this test that caps its pages at 20 rows (asked
 * for 30) and counts the requests. The run must end by itself, and MySQL must hold exactly the passages of the
 * range, counted from the served rows by this test, not by the pipeline.
 */
import { createServer, type Server } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, testKafka, topicEnv, uniqueName } from '../../helpers/services.ts';
import type { TestDatabase, TestKafka } from '../../helpers/services.ts';
import { socrataAnswer, type Row } from '../../helpers/fake-socrata.ts';
import { tollstream, type CliRun } from '../headless/cli.ts';

const CAP = 20;

interface CountingServer {
  base: string;
  /** Every request's query parameters, in order. */
  requests: URLSearchParams[];
}

async function listen(handler: (url: URL) => { status: number; body: unknown }): Promise<CountingServer> {
  const requests: URLSearchParams[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url!, 'http://localhost');
    requests.push(url.searchParams);
    const { status, body } = handler(url);
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { base: `http://127.0.0.1:${(server.address() as { port: number }).port}`, requests };
}
const servers: Server[] = [];

/** The MTA hourly data set's shape: every hour of 27-30 Nov 2015 at plazas 21 and 27, both ways (384 rows). */
function mtaRows(): Row[] {
  const rows: Row[] = [];
  for (const day of [27, 28, 29, 30]) {
    for (let hour = 0; hour < 24; hour++) {
      for (const plaza of [21, 27]) {
        for (const direction of ['I', 'O']) {
          rows.push({
            plaza_id: String(plaza),
            date: `2015-11-${day}T00:00:00.000`,
            hour: String(hour),
            direction,
            vehicles_e_zpass: String(((hour * 7 + plaza + day + (direction === 'I' ? 3 : 0)) % 11) + 1),
            vehicles_vtoll: String((hour + day) % 4),
          });
        }
      }
    }
  }
  return rows;
}

/** "YYYY-MM-DD HH" of a UTC instant, as MySQL's DATE_FORMAT(passed_at, '%Y-%m-%d %H') writes it. */
const utcHour = (ms: number): string => new Date(ms).toISOString().slice(0, 13).replace('T', ' ');

async function passagesPerHour(db: TestDatabase): Promise<Record<string, number>> {
  const rows = await db.storage.query<{ h: string; n: number | string }>(
    "SELECT CONCAT(plaza_id, ' ', DATE_FORMAT(passed_at, '%Y-%m-%d %H')) AS h, COUNT(*) AS n FROM passages GROUP BY h",
  );
  return Object.fromEntries(rows.map((r) => [r.h, Number(r.n)]));
}

/** Waits for the run to end by itself; a run still going after `ms` is stopped and the test fails. */
async function endsByItself(run: CliRun, ms = 120_000): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), ms)));
  const code = await Promise.race([run.exited, late]);
  clearTimeout(timer);
  if (code === 'late') {
    run.child.kill('SIGKILL');
    await run.exited;
    throw new Error(
      `the run did not end by itself within ${ms / 1000} s; stderr:\n${run.stderr().slice(-3000)}`,
    );
  }
  return code;
}

describe('tollstream --headless importing a range from an HTTP API', () => {
  let k: TestKafka;
  const dbs: TestDatabase[] = [];
  beforeAll(async () => {
    k = await testKafka();
  });
  afterAll(async () => {
    for (const s of servers) {
      s.closeAllConnections();
      s.close();
    }
    for (const db of dbs) await db.drop();
    await k.cleanup();
  });

  async function isolated(
    prefix: string,
  ): Promise<{ db: TestDatabase; env: Record<string, string>; args: string[] }> {
    const topics = await k.pipelineTopics(prefix, 3);
    const db = await freshDatabase(`tollstream_${prefix}`);
    dbs.push(db);
    return {
      db,
      env: { ...topicEnv(topics), TOLLSTREAM_MYSQL_URL: db.url },
      args: [
        '--headless',
        '--group',
        uniqueName(`${prefix}-group`),
        '--state-dir',
        mkdtempSync(path.join(tmpdir(), `${prefix}-state-`)),
        '--speed',
        'max',
        '--interval',
        '1s',
      ],
    };
  }

  it('Socrata: asks for the range with $where, pages past the cap, ends by itself with exactly the range', async () => {
    const rows = mtaRows();
    const server = await listen((url) => socrataAnswer(rows, url.searchParams, CAP));
    const { db, env, args } = await isolated('httpsoc');
    // The MTA counts are New York wall-clock hours (EST, UTC-5, in late November).
    const from = '2015-11-29T08:00:00-05:00';
    const to = '2015-11-30T19:00:00-05:00';
    const run = tollstream(
      [
        ...args,
        '--source',
        `${server.base}/resource/abcd-1234.json#pageSize=30`,
        '--tz',
        'America/New_York',
        '--from',
        from,
        '--to',
        to,
      ],
      env,
    );
    const code = await endsByItself(run);
    expect(code, run.stderr()).toBe(0);

    // What MySQL must hold, from the served rows alone: each row's hour is [day + hour + 5 h) in UTC.
    const expected: Record<string, number> = {};
    for (const r of rows) {
      const start = Date.UTC(2015, 10, Number(r.date!.slice(8, 10)), Number(r.hour) + 5);
      if (start < Date.parse(from) || start >= Date.parse(to)) continue;
      const key = `${r.plaza_id} ${utcHour(start)}`;
      expected[key] = (expected[key] ?? 0) + Number(r.vehicles_e_zpass) + Number(r.vehicles_vtoll);
    }
    const total = Object.values(expected).reduce((a, b) => a + b, 0);
    expect(Object.keys(expected)).toHaveLength(2 * 35); // two plazas, 35 hours
    expect(await passagesPerHour(db)).toEqual(expected);
    expect(run.summary()).toMatchObject({ stoppedBy: 'sources-finished', produced: total });

    // The server was asked for the range: the 29th from midnight to 19:00 on the 30th, New York time.
    const where = "date >= '2015-11-29T00:00:00.000' AND date < '2015-11-30T19:00:00.000'";
    expect(new Set(server.requests.map((p) => p.get('$where')))).toEqual(new Set([where]));
    expect(server.requests[0]!.get('$select')).toBe('count(*)');
    // 192 matching rows in pages of 20: 10 pages, where the whole data set takes 20 and an empty one
    const pages = server.requests.filter((p) => p.has('$offset'));
    const wholeSet = Math.ceil(rows.length / CAP);
    expect(pages.map((p) => p.get('$offset'))).toEqual(Array.from({ length: 10 }, (_, i) => String(i * CAP)));
    expect(pages.length).toBeLessThan(wholeSet);
    expect(run.stderr()).toContain('server returns at most 20 items per page; asking for 20');
    const last = run.lines.filter((l) => l.type === 'status').at(-1) as {
      producers?: { progress: { total?: number } }[];
    };
    expect(last.producers?.[0]?.progress.total).toBe(192);
  }, 180_000);

  it('a JSON API: the range through a parameter template, offset paging past a capped page size', async () => {
    // 300 passages, one every 10 minutes from 1 May 2024 00:00 UTC, at three booths
    const items = Array.from({ length: 300 }, (_, i) => ({
      id: `t${i}`,
      booth: 101 + (i % 3),
      vehicle: { plate: `KA01-${1000 + i}`, kind: i % 5 === 0 ? 'truck' : 'car' },
      at: new Date(Date.UTC(2024, 4, 1) + i * 600_000).toISOString(),
    }));
    const server = await listen((url) => {
      const since = url.searchParams.get('since');
      const until = url.searchParams.get('until');
      const matching = items.filter((it) => (!since || it.at >= since) && (!until || it.at < until));
      const offset = Number(url.searchParams.get('offset') ?? 0);
      const limit = Math.min(Number(url.searchParams.get('limit') ?? 50), CAP);
      return { status: 200, body: { data: matching.slice(offset, offset + limit) } };
    });
    const { db, env, args } = await isolated('httpjson');
    const from = '2024-05-01T06:00:00Z';
    const to = '2024-05-02T00:00:00Z';
    const options =
      'paging=offset&pageSize=30&items=data&id=id&idPrefix=api-&plaza=booth&vehicle=vehicle.plate&type=vehicle.kind&time=at&range=since={from}&until={to}';
    const run = tollstream(
      [...args, '--source', `${server.base}/v1/passages#${options}`, '--from', from, '--to', to],
      env,
    );
    const code = await endsByItself(run);
    expect(code, run.stderr()).toBe(0);

    const wanted = items.filter(
      (it) => it.at >= '2024-05-01T06:00:00.000Z' && it.at < '2024-05-02T00:00:00.000Z',
    );
    expect(wanted).toHaveLength(108);
    const stored = await db.storage.query<{ event_id: string }>('SELECT event_id FROM passages');
    expect(stored.map((r) => r.event_id).sort()).toEqual(wanted.map((it) => `api-${it.id}`).sort());
    const expected: Record<string, number> = {};
    for (const it of wanted) {
      const key = `${it.booth} ${utcHour(Date.parse(it.at))}`;
      expected[key] = (expected[key] ?? 0) + 1;
    }
    expect(await passagesPerHour(db)).toEqual(expected);

    // every request carried the range; 108 rows at 20 a page, then the empty page that ends it: 7 requests,
    // where the whole data set takes 15 and an empty one
    expect(new Set(server.requests.map((p) => `${p.get('since')} ${p.get('until')}`))).toEqual(
      new Set(['2024-05-01T06:00:00.000Z 2024-05-02T00:00:00.000Z']),
    );
    expect(server.requests.map((p) => p.get('offset'))).toEqual(['0', '20', '40', '60', '80', '100', '108']);
    expect(server.requests.length).toBeLessThan(Math.ceil(items.length / CAP));
    expect(run.stderr()).toContain('server returns at most 20 items per page; asking for 20');
  }, 180_000);
});
