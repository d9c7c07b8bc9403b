import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { TollEvent } from '../../../src/domain/types.ts';
import { createHttpSource, foldRangeTemplate, parseHttpOptions } from '../../../src/sources/http.ts';
import {
  floatingTimestamp,
  parseRangeTemplate,
  readSocrataCount,
  socrataCountUrl,
  socrataRangeWhere,
  withRangeParams,
  withSocrataWhere,
} from '../../../src/sources/http-range.ts';
import { setLogSink, type LogEntry } from '../../../src/util/log.ts';
import { createHourlySource } from '../../../src/sources/hourly.ts';
import { CursorStore } from '../../../src/sources/http-cursor.ts';
import { nextFromLinkHeader } from '../../../src/sources/http-fetch.ts';
import { optionBag } from '../../../src/sources/options.ts';
import type { SourceContext } from '../../../src/sources/source.ts';
import { socrataAnswer, type Row } from '../../helpers/fake-socrata.ts';
import { context, drain, expectAllValid } from './helpers.ts';

type Behaviour = 'ok' | 'fail500' | 'hang' | 'malformed' | 'empty' | 'notFound';

interface TestServer {
  url: string;
  base: string;
  rows: Row[];
  /** Rows per page the server gives at most, whatever $limit asks. */
  cap: number;
  requests: { url: string; headers: IncomingHttpHeaders; status: number }[];
  script: Behaviour[];
}

const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    s.close();
  }
});

/**
 * Serves `rows` Socrata-style ($where, $select=count(*), $limit/$offset, a page cap) at /resource/qzve-kjga.json,
 * with an ETag per page. Requests follow `script` first (errors, a hang, malformed JSON, an empty page), then
 * behave.
 */
async function serve(
  rows: Row[],
  script: Behaviour[] = [],
  route?: (url: URL) => unknown,
  cap = 50_000,
): Promise<TestServer> {
  const t: TestServer = { url: '', base: '', rows, cap, requests: [], script };
  const server = createServer((req, res) => {
    const url = new URL(req.url!, 'http://localhost');
    const behaviour = t.script.shift() ?? 'ok';
    const record = (status: number): void => {
      t.requests.push({ url: req.url!, headers: req.headers, status });
    };
    if (behaviour === 'hang') return record(0);
    if (behaviour === 'fail500') {
      record(500);
      res.writeHead(500).end('internal error');
      return;
    }
    if (behaviour === 'notFound') {
      record(404);
      res.writeHead(404).end('no such data set');
      return;
    }
    if (behaviour === 'malformed') {
      record(200);
      res.writeHead(200, { 'content-type': 'application/json' }).end('[{"plaza_id":"21","da');
      return;
    }
    const answer =
      behaviour === 'empty'
        ? { status: 200, body: [] }
        : route
          ? { status: 200, body: route(url) }
          : socrataAnswer(t.rows, url.searchParams, t.cap);
    if (answer.status !== 200) {
      record(answer.status);
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
      return;
    }
    const body = JSON.stringify(answer.body);
    const etag = `"${body.length}-${Buffer.from(body).toString('base64').slice(-12)}"`;
    if (req.headers['if-none-match'] === etag) {
      record(304);
      res.writeHead(304, { etag }).end();
      return;
    }
    record(200);
    res.writeHead(200, { 'content-type': 'application/json', etag }).end(body);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  t.base = `http://127.0.0.1:${port}`;
  t.url = `${t.base}/resource/qzve-kjga.json`;
  return t;
}

const row = (
  plaza: number,
  hour: number,
  dir: string,
  ezpass: number,
  vtoll: number,
  day = 28,
): Record<string, string> => ({
  plaza_id: String(plaza),
  date: `2015-11-${day}T00:00:00.000`,
  hour: String(hour),
  direction: dir,
  vehicles_e_zpass: String(ezpass),
  vehicles_vtoll: String(vtoll),
});

const ROWS = [
  row(21, 0, 'I', 47, 20),
  row(21, 0, 'O', 30, 10),
  row(27, 0, 'I', 40, 2),
  row(21, 1, 'I', 12, 3),
  row(21, 2, 'I', 25, 5),
  row(27, 2, 'O', 9, 1),
];
const TOTAL = ROWS.reduce((n, r) => n + Number(r.vehicles_e_zpass) + Number(r.vehicles_vtoll), 0);

function httpSource(url: string, options: string, ctx: Partial<SourceContext> = {}) {
  const spec = `${url}#${options}`;
  return createHttpSource(spec, parseHttpOptions(optionBag(spec, 'http:<url>', options), url), context(ctx));
}

const stateDir = (): string => mkdtempSync(path.join(tmpdir(), 'http-state-'));
const ids = (events: TollEvent[]): string[] => events.map((e) => e.passage.eventId);
const sortedById = (events: TollEvent[]): TollEvent[] =>
  [...events]
    .sort((a, b) => (a.passage.eventId < b.passage.eventId ? -1 : 1))
    .map((e) => ({ ...e, passage: { ...e.passage, source: 'x' } }));
const FAST = 'timeout=300ms&retryMin=10ms&retryMax=40ms';
/** One query parameter of every request the server saw, in order (null where it was absent). */
const params = (server: TestServer, name: string): (string | null)[] =>
  server.requests.map((r) => new URL(r.url, server.base).searchParams.get(name));

describe('HTTP source, Socrata MTA hourly data', () => {
  it('yields the same passages and payments as the hourly replay of the same rows', async () => {
    const server = await serve(ROWS);
    const fromHttp = await drain(
      httpSource(server.url, `once=true&pageSize=2&${FAST}`, { stateDir: stateDir() }),
    );
    const dir = mkdtempSync(path.join(tmpdir(), 'http-file-'));
    const file = path.join(dir, 'export.csv');
    const csvRows = ROWS.map(
      (r) =>
        `${r.plaza_id},11/${r.date!.slice(8, 10)}/2015,${r.hour},${r.direction},${r.vehicles_e_zpass},${r.vehicles_vtoll}`,
    );
    writeFileSync(
      file,
      ['Plaza ID,Date,Hour,Direction,# Vehicles - E-ZPass,# Vehicles - VToll', ...csvRows].join('\n'),
    );
    const fromFile = await drain(createHourlySource(`hourly:${file}`, { file }, context()));
    expect(fromHttp.events).toHaveLength(TOTAL);
    expect(sortedById(fromHttp.events)).toEqual(sortedById(fromFile.events));
    expect(new Set(ids(fromHttp.events)).size).toBe(TOTAL);
    expectAllValid(fromHttp.events);
    // the row count first, then pages of two rows: offsets 0, 2, 4 (6 rows of 6: no empty page needed)
    expect(params(server, '$select')).toEqual(['count(*)', null, null, null]);
    expect(params(server, '$offset')).toEqual([null, '0', '2', '4']);
    expect(new URL(server.requests[1]!.url, server.base).searchParams.get('$order')).toBe(':id');
  });

  it('yields the same passages as the derived Date,Total,Day file for plaza 7', async () => {
    const server = await serve([row(7, 5, 'I', 300, 45), row(7, 6, 'I', 500, 80)]);
    const fromHttp = await drain(httpSource(server.url, `once=true&${FAST}`, { stateDir: stateDir() }));
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'http-derived-')), 'qmt.csv');
    writeFileSync(file, 'Date,Total,Day\n2015112805,345,Saturday\n2015112806,580,Saturday\n');
    const fromFile = await drain(createHourlySource(`hourly:${file}`, { file }, context()));
    const passages = (events: TollEvent[]) => sortedById(events).map((e) => e.passage);
    expect(passages(fromHttp.events)).toEqual(passages(fromFile.events));
    expect(fromHttp.events).toHaveLength(925);
  });

  it('retries a 500, a server that never answers and malformed JSON, without gaps or repeats', async () => {
    const server = await serve(ROWS, ['fail500', 'hang', 'malformed']);
    // count=false: the failures hit the pages themselves; paging ends at the empty page after the last
    const source = httpSource(server.url, `once=true&count=false&pageSize=2&${FAST}`, {
      stateDir: stateDir(),
    });
    const { events } = await drain(source);
    expect(events).toHaveLength(TOTAL);
    expect(new Set(ids(events)).size).toBe(TOTAL);
    expect(server.requests.map((r) => r.status)).toEqual([500, 0, 200, 200, 200, 200, 200]);
    expect(source.progress().note).toBe('finished');
  });

  it('survives the server failing mid-way: same passages as an undisturbed run', async () => {
    const calm = await drain(
      httpSource((await serve(ROWS)).url, `once=true&pageSize=2&${FAST}`, { stateDir: stateDir() }),
    );
    const server = await serve(ROWS, ['ok', 'fail500', 'fail500', 'hang', 'ok', 'malformed']);
    const { events } = await drain(
      httpSource(server.url, `once=true&pageSize=2&${FAST}`, { stateDir: stateDir() }),
    );
    expect(ids(events)).toEqual(ids(calm.events));
  });

  it('resumes after a restart exactly where the last handed-over passage was', async () => {
    const server = await serve(ROWS);
    const dir = stateDir();
    // a slow rate makes small batches, so the stop falls inside the first hour's merged group
    const first = httpSource(server.url, `once=true&pageSize=3&${FAST}`, {
      stateDir: dir,
      pace: { kind: 'rate', perSecond: 400 },
    });
    const part = await drain(first, { maxEvents: 50 });
    expect(part.events.length).toBeLessThan(100);
    const saved = JSON.parse(readFileSync(new CursorStore(dir, server.url).file, 'utf8'));
    expect(saved.cursor).toMatchObject({ item: 0, groupItems: 3, skip: part.events.length });
    const second = httpSource(server.url, `once=true&pageSize=3&${FAST}`, { stateDir: dir });
    const rest = await drain(second);
    const all = [...ids(part.events), ...ids(rest.events)];
    expect(all).toHaveLength(TOTAL);
    expect(new Set(all).size).toBe(TOTAL);
    const again = await drain(httpSource(server.url, `once=true&pageSize=3&${FAST}`, { stateDir: dir }));
    expect(again.events).toHaveLength(0);
  });

  it('polls after an empty page, and uses the ETag once caught up', async () => {
    const server = await serve([]);
    const source = httpSource(server.url, `interval=100ms&${FAST}`, { stateDir: stateDir() });
    const controller = new AbortController();
    const seen: TollEvent[] = [];
    const run = (async () => {
      for await (const batch of source.events(controller.signal)) seen.push(...batch);
    })();
    await waitUntil(() => server.requests.length >= 1);
    server.rows.push(...ROWS.slice(0, 2));
    await waitUntil(() => seen.length === 67 + 40);
    await waitUntil(() => server.requests.some((r) => r.status === 304));
    const conditional = server.requests.find((r) => r.status === 304)!;
    expect(conditional.headers['if-none-match']).toMatch(/^"/);
    server.rows.push(ROWS[3]!);
    await waitUntil(() => seen.length === 67 + 40 + 15);
    controller.abort();
    await run;
    expect(new Set(ids(seen)).size).toBe(seen.length);
    expect(source.finite).toBe(false);
  });

  it('fails clearly on a 404, and reports rows it cannot read', async () => {
    const missing = await serve(ROWS, ['notFound', 'notFound']);
    await expect(
      drain(httpSource(missing.url, `once=true&${FAST}`, { stateDir: stateDir() })),
    ).rejects.toThrow(/404 Not Found/);
    const messy = await serve([ROWS[0]!, { plaza_id: 'x' }, { ...ROWS[3]!, hour: '24' }, ROWS[4]!]);
    const source = httpSource(messy.url, `once=true&${FAST}`, { stateDir: stateDir() });
    const { events } = await drain(source);
    expect(events).toHaveLength(67 + 30);
    expect(source.recentRejects().map((r) => [r.line, r.reason])).toEqual([
      [1, 'plaza id "x" is not a number in 1..65535'],
      [2, 'hour 24 is not 0..23'],
    ]);
    expect(source.recentRejects()[0]!.where).toContain('/resource/qzve-kjga.json');
  });
});

/** Every hour of `days` of November 2015 at plazas 21 and 27, both directions: 96 rows a day, in :id order. */
function days(...which: number[]): Row[] {
  const out: Row[] = [];
  for (const day of which) {
    for (let hour = 0; hour < 24; hour++) {
      for (const plaza of [21, 27]) {
        for (const dir of ['I', 'O']) {
          const ezpass = ((hour * 7 + plaza + day + (dir === 'I' ? 3 : 0)) % 11) + 1;
          out.push(row(plaza, hour, dir, ezpass, (hour + day) % 4, day));
        }
      }
    }
  }
  return out;
}

/** Passages the rows stand for in [from, to), counted from the rows themselves (hours read as UTC). */
function passagesIn(rows: Row[], from = -Infinity, to = Infinity): number {
  return rows
    .filter((r) => {
      const start = Date.parse(`${r.date!.slice(0, 10)}T${r.hour!.padStart(2, '0')}:00:00Z`);
      return start >= from && start < to;
    })
    .reduce((n, r) => n + Number(r.vehicles_e_zpass) + Number(r.vehicles_vtoll), 0);
}

/** Collects the source's log lines at info and above while `run` runs. */
async function withLogs<T>(run: () => Promise<T>): Promise<{ result: T; logs: LogEntry[] }> {
  const logs: LogEntry[] = [];
  setLogSink((e) => logs.push(e), 'info');
  try {
    return { result: await run(), logs };
  } finally {
    setLogSink(() => {}, 'info');
  }
}

describe('HTTP source, a server that gives fewer rows per page than asked', () => {
  it('pages on past a short page to the end, notices the cap and asks for it', async () => {
    const rows = days(28).slice(0, 48);
    const server = await serve(rows, [], undefined, 20);
    const source = httpSource(server.url, `once=true&pageSize=30&${FAST}`, { stateDir: stateDir() });
    const { result, logs } = await withLogs(() => drain(source));
    expect(result.events).toHaveLength(passagesIn(rows));
    expect(new Set(ids(result.events)).size).toBe(result.events.length);
    // count first (48): 20 of 30 asked while 48 exist is the server's cap, so the next pages ask for 20
    expect(params(server, '$offset')).toEqual([null, '0', '20', '40']);
    expect(params(server, '$limit')).toEqual([null, '30', '20', '20']);
    expect(logs.filter((l) => /at most/.test(l.message)).map((l) => l.message)).toEqual([
      'server returns at most 20 items per page; asking for 20',
    ]);
    expect(source.progress()).toMatchObject({ read: 48, total: 48, pages: 3 });
  });

  it('without a count, a short page is confirmed as a cap by the next one and paging ends at an empty page', async () => {
    const rows = days(28).slice(0, 48);
    const server = await serve(rows, [], undefined, 20);
    const source = httpSource(server.url, `once=true&count=false&pageSize=30&${FAST}`, {
      stateDir: stateDir(),
    });
    const { result, logs } = await withLogs(() => drain(source));
    expect(result.events).toHaveLength(passagesIn(rows));
    expect(params(server, '$offset')).toEqual(['0', '20', '40', '48']);
    expect(params(server, '$limit')).toEqual(['30', '30', '20', '20']);
    expect(logs.filter((l) => /at most/.test(l.message))).toHaveLength(1);
    // a short last page of an uncapped server is the end, not a cap
    const plain = await serve(rows.slice(0, 40));
    const { logs: quiet } = await withLogs(() =>
      drain(httpSource(plain.url, `once=true&count=false&pageSize=30&${FAST}`, { stateDir: stateDir() })),
    );
    expect(params(plain, '$offset')).toEqual(['0', '30', '40']);
    expect(quiet.filter((l) => /at most/.test(l.message))).toEqual([]);
  });

  it('resumes exactly through capped pages: no skips, no repeats after a restart', async () => {
    const rows = days(28);
    const total = passagesIn(rows);
    const server = await serve(rows, [], undefined, 20);
    const dir = stateDir();
    const first = await drain(
      httpSource(server.url, `once=true&pageSize=30&${FAST}`, {
        stateDir: dir,
        pace: { kind: 'rate', perSecond: 20_000 },
      }),
      { maxEvents: Math.floor(total / 2) },
    );
    expect(first.events.length).toBeLessThan(total);
    const saved = JSON.parse(readFileSync(new CursorStore(dir, server.url).file, 'utf8'));
    expect(Number(new URL(saved.cursor.url).searchParams.get('$offset'))).toBeGreaterThan(0);
    const rest = await drain(httpSource(server.url, `once=true&pageSize=30&${FAST}`, { stateDir: dir }));
    const all = [...ids(first.events), ...ids(rest.events)];
    expect(new Set(all).size).toBe(all.length);
    expect(all).toHaveLength(total);
  });
});

describe('HTTP source, --from/--to asked of the server', () => {
  const from = Date.parse('2015-11-29T06:00:00Z');
  const to = Date.parse('2015-11-30T18:00:00Z');

  it('Socrata: $where on date, fewer pages, exactly the passages in range, and a range with an end ends', async () => {
    const rows = days(27, 28, 29, 30);
    const server = await serve(rows, [], undefined, 20);
    const source = httpSource(server.url, `pageSize=30&${FAST}`, { stateDir: stateDir(), from, to });
    expect(source.finite).toBe(true);
    const notes: string[] = [];
    const seen: TollEvent[] = [];
    for await (const batch of source.events(AbortSignal.timeout(10_000))) {
      seen.push(...batch);
      notes.push(source.progress().note ?? '');
    }
    expect(seen).toHaveLength(passagesIn(rows, from, to));
    expect(new Set(ids(seen)).size).toBe(seen.length);
    expect(
      seen.every((e) => Date.parse(e.passage.passedAt) >= from && Date.parse(e.passage.passedAt) < to),
    ).toBe(true);
    const where = "date >= '2015-11-29T00:00:00.000' AND date < '2015-11-30T18:00:00.000'";
    expect(new Set(params(server, '$where'))).toEqual(new Set([where]));
    // the 29th and 30th: 192 rows, 10 pages of 20 (the whole set would be 20 pages and an empty one)
    const pages = params(server, '$offset').filter((o) => o !== null);
    expect(pages).toHaveLength(10);
    expect(source.progress()).toMatchObject({ total: 192, read: 192, pages: 10, note: 'finished' });
    // while importing (the backlog reads ahead of the consumer, so not every page's note is seen)
    expect(notes).toContain('page 7, 140 rows, server total 192');
    expect(
      notes.filter((n) => !/^page \d+, \d+ rows, server total 192$/.test(n) && n !== 'finished'),
    ).toEqual([]);
  });

  it('Socrata: joins the URL own $where with AND, and a second range on the same state folder is its own import', async () => {
    const rows = days(27, 28, 29, 30);
    const server = await serve(rows);
    const url = `${server.url}?$where=${encodeURIComponent("plaza_id = '27'")}`;
    const dir = stateDir();
    const first = await drain(httpSource(url, FAST, { stateDir: dir, from, to }), {
      signal: AbortSignal.timeout(10_000),
    });
    const plaza27 = rows.filter((r) => r.plaza_id === '27');
    expect(first.events).toHaveLength(passagesIn(plaza27, from, to));
    expect(params(server, '$where')[0]).toBe(
      "(plaza_id = '27') AND (date >= '2015-11-29T00:00:00.000' AND date < '2015-11-30T18:00:00.000')",
    );
    const earlier = { from: Date.parse('2015-11-27T00:00:00Z'), to: Date.parse('2015-11-28T00:00:00Z') };
    const second = await drain(httpSource(url, FAST, { stateDir: dir, ...earlier }), {
      signal: AbortSignal.timeout(10_000),
    });
    expect(second.events).toHaveLength(passagesIn(plaza27, earlier.from, earlier.to));
    const again = await drain(httpSource(url, FAST, { stateDir: dir, from, to }), {
      signal: AbortSignal.timeout(10_000),
    });
    expect(again.events).toHaveLength(0);
  });

  it('Socrata: an open range (--from only) asks from that day on and keeps polling', async () => {
    const rows = days(29, 30);
    const server = await serve(rows.slice(0, 100));
    const source = httpSource(server.url, `interval=50ms&${FAST}`, { stateDir: stateDir(), from });
    expect(source.finite).toBe(false);
    const controller = new AbortController();
    const seen: TollEvent[] = [];
    const run = (async () => {
      for await (const batch of source.events(controller.signal)) seen.push(...batch);
    })();
    await waitUntil(() => seen.length === passagesIn(rows.slice(0, 100), from));
    server.rows.push(...rows.slice(100));
    await waitUntil(() => seen.length === passagesIn(rows, from));
    controller.abort();
    await run;
    expect(new Set(params(server, '$where'))).toEqual(new Set(["date >= '2015-11-29T00:00:00.000'"]));
    expect(new Set(ids(seen)).size).toBe(seen.length);
  });

  it('a JSON API: the range template, its total and a capped page size', async () => {
    const items = Array.from({ length: 150 }, (_, i) => ({
      id: `t${i}`,
      booth: 100 + (i % 3),
      plate: `P${i}`,
      at: new Date(Date.parse('2024-05-01T00:00:00Z') + i * 20 * 60_000).toISOString(),
    }));
    const server = await serve([], [], (u) => {
      const since = u.searchParams.get('since');
      const until = u.searchParams.get('until');
      const inRange = items.filter((it) => (!since || it.at >= since) && (!until || it.at < until));
      const offset = Number(u.searchParams.get('offset') ?? 0);
      const limit = Math.min(Number(u.searchParams.get('limit') ?? 10), 20);
      return { data: inRange.slice(offset, offset + limit), meta: { total: inRange.length } };
    });
    const window = { from: Date.parse('2024-05-01T10:00:00Z'), to: Date.parse('2024-05-02T04:00:00Z') };
    const source = httpSource(
      `${server.base}/api`,
      `paging=offset&pageSize=30&total=meta.total&items=data&id=id&idPrefix=api-&plaza=booth&vehicle=plate&time=at&range=since%3D{from}%26until%3D{to}&${FAST}`,
      { stateDir: stateDir(), ...window },
    );
    const { events } = await drain(source, { signal: AbortSignal.timeout(10_000) });
    const wanted = items.filter((it) => Date.parse(it.at) >= window.from && Date.parse(it.at) < window.to);
    expect(ids(events).sort()).toEqual(wanted.map((it) => `api-${it.id}`).sort());
    expect(params(server, 'since')[0]).toBe('2024-05-01T10:00:00.000Z');
    expect(params(server, 'until')[0]).toBe('2024-05-02T04:00:00.000Z');
    // 54 in range: 20 + 20 + 14, ended by the total without an empty page
    expect(params(server, 'offset')).toEqual(['0', '20', '40']);
    expect(source.progress()).toMatchObject({ total: 54, pages: 3 });
  });
});

describe('HTTP range and paging options', () => {
  it('writes the Socrata $where in the time zone, from the start of the first day', () => {
    const ny = 'America/New_York';
    // 13:00Z is 08:00 EST; 2015-11-30T19:30Z is 14:30 EST
    expect(
      socrataRangeWhere(
        'date',
        { from: Date.parse('2015-11-29T13:00:00Z'), to: Date.parse('2015-11-30T19:30:00Z') },
        ny,
      ),
    ).toBe("date >= '2015-11-29T00:00:00.000' AND date < '2015-11-30T14:30:00.000'");
    // summer time: 03:00Z on 1 July is 23:00 EDT on 30 June
    expect(socrataRangeWhere('date', { from: Date.parse('2016-07-01T03:00:00Z') }, ny)).toBe(
      "date >= '2016-06-30T00:00:00.000'",
    );
    expect(socrataRangeWhere('day', { to: Date.parse('2016-07-01T03:00:00.250Z') }, 'UTC')).toBe(
      "day < '2016-07-01T03:00:00.250'",
    );
    expect(socrataRangeWhere('date', {}, 'UTC')).toBeUndefined();
    expect(floatingTimestamp(Date.parse('2015-03-08T07:30:00Z'), ny)).toBe('2015-03-08T03:30:00.000');
  });

  it('joins $where, builds the count query and reads its answer', () => {
    const url =
      'https://data.ny.gov/resource/qzve-kjga.json?$where=plaza_id%3D%2727%27&$order=:id&$limit=30&$offset=60';
    const joined = withSocrataWhere(url, "date >= '2015-11-29T00:00:00.000'");
    expect(new URL(joined).searchParams.get('$where')).toBe(
      "(plaza_id='27') AND (date >= '2015-11-29T00:00:00.000')",
    );
    const count = new URL(socrataCountUrl(joined, '$limit', '$offset')).searchParams;
    expect([...count.keys()].sort()).toEqual(['$select', '$where']);
    expect(count.get('$select')).toBe('count(*)');
    expect(readSocrataCount([{ count: '480' }])).toBe(480);
    expect(readSocrataCount([{ count_1: 7 }])).toBe(7);
    expect(readSocrataCount([{ plaza_id: '1', hour: '2' }])).toBeUndefined();
    expect(readSocrataCount({ error: true })).toBeUndefined();
  });

  it('fills a range template in ISO, epoch seconds (rounded outwards) or epoch ms, leaving out open bounds', () => {
    const template = parseRangeTemplate('since={from}&until={to}');
    expect(template).toEqual([
      ['since', '{from}'],
      ['until', '{to}'],
    ]);
    const t = template as [string, string][];
    const range = {
      from: Date.parse('2024-05-01T10:00:00.400Z'),
      to: Date.parse('2024-05-01T11:00:00.400Z'),
    };
    const q = (url: string) => Object.fromEntries(new URL(url).searchParams);
    expect(q(withRangeParams('http://x/api?a=1', t, range, 'iso'))).toEqual({
      a: '1',
      since: '2024-05-01T10:00:00.400Z',
      until: '2024-05-01T11:00:00.400Z',
    });
    expect(q(withRangeParams('http://x/api', t, range, 'epoch'))).toEqual({
      since: '1714557600',
      until: '1714561201',
    });
    expect(q(withRangeParams('http://x/api', t, { from: range.from }, 'epoch-ms'))).toEqual({
      since: String(range.from),
    });
    expect(withRangeParams('http://x/api', t, {}, 'iso')).toBe('http://x/api');
    expect(parseRangeTemplate('filter=at ge {from} and at lt {to}')).toEqual([
      ['filter', 'at ge {from} and at lt {to}'],
    ]);
    expect(parseRangeTemplate('since={start}')).toMatch(/"\{start\}" is not a placeholder/);
    expect(parseRangeTemplate('since={from}&sort=asc')).toMatch(/fixed parameters belong in the URL/);
  });

  it('takes range=since={from}&until={to} in a spec as one template', () => {
    expect(foldRangeTemplate('items=data&range=since={from}&until={to}&plaza=booth')).toBe(
      'items=data&plaza=booth&range=since={from}%26until={to}',
    );
    expect(foldRangeTemplate('items=data&plaza=booth')).toBe('items=data&plaza=booth');
  });

  it('refuses range options that do not fit the API, naming the option', () => {
    const parse = (url: string, options: string) =>
      parseHttpOptions(optionBag(`${url}#${options}`, 'http:<url>', options), url);
    const socrata = 'http://x/resource/abcd-1234.json';
    const json = 'http://x/api';
    const mapping = 'plaza=b&vehicle=v&time=t';
    expect(() => parse(socrata, 'range=since={from}')).toThrow(/range is for api=json; a Socrata source/);
    expect(() => parse(socrata, 'dateField=date; drop table')).toThrow(/dateField "date; drop table"/);
    expect(parse(socrata, 'dateField=day_of_count')).toMatchObject({
      dateField: 'day_of_count',
      count: true,
    });
    expect(() => parse(json, `${mapping}&dateField=at`)).toThrow(/dateField is for api=socrata/);
    expect(() => parse(json, `${mapping}&rangeFormat=epoch`)).toThrow(/rangeFormat is set but range is not/);
    expect(() => parse(json, `${mapping}&range=since%3D{start}`)).toThrow(
      /range "since=\{start\}" cannot be used/,
    );
    expect(() => parse(json, `${mapping}&range=since%3D{from}&rangeFormat=unix`)).toThrow(
      /option "rangeFormat" is "unix", expected one of iso, epoch, epoch-ms/,
    );
    expect(parse(json, `${mapping}&range=since%3D{from}&total=meta.total`)).toMatchObject({
      range: [['since', '{from}']],
      rangeFormat: 'iso',
      total: 'meta.total',
    });
  });

  it('is finite with an end to its range or once=true, and polls otherwise', () => {
    const url = 'http://127.0.0.1:9/resource/abcd-1234.json';
    expect(httpSource(url, '', { to: Date.parse('2024-01-01') }).finite).toBe(true);
    expect(httpSource(url, 'once=true').finite).toBe(true);
    expect(httpSource(url, '', { from: Date.parse('2024-01-01') }).finite).toBe(false);
    expect(httpSource(url, '').finite).toBe(false);
  });
});

describe('HTTP source, generic JSON API', () => {
  it('follows next links, maps fields declaratively and reports a bad item', async () => {
    const pages: Record<string, unknown> = {
      '1': {
        data: {
          items: [{ id: 'a', booth: 3, car: { plate: 'P1', kind: 'Car' }, at: '2024-05-01T08:00:00Z' }],
        },
        links: { next: '/api?page=2' },
      },
      '2': {
        data: {
          items: [
            { id: 'b', booth: 3, car: { plate: 'P2', kind: 'truck' }, at: '2024-05-01T08:00:05Z' },
            { id: 'c', booth: 9, car: { plate: 'P3', kind: 'bus' }, at: 'soon' },
            { id: 'd', booth: 'B-7', car: { plate: 'P4', kind: 'van' }, at: '2024-05-01T08:00:09Z' },
          ],
        },
        links: {},
      },
    };
    const server = await serve([], [], (url) => pages[url.searchParams.get('page') ?? '1']);
    const source = httpSource(
      `${server.base}/api`,
      `once=true&paging=next&next=links.next&items=data.items&id=id&idPrefix=api-&plaza=booth&vehicle=car.plate&type=car.kind&time=at&${FAST}`,
      { stateDir: stateDir() },
    );
    const { events } = await drain(source);
    expect(events.map((e) => [e.passage.eventId, e.passage.vehicleType, e.passage.source])).toEqual([
      ['api-a', 'car', 'http'],
      ['api-b', 'truck', 'http'],
      ['api-d', 'van', 'http'],
    ]);
    // Plazas met on the way go out with the first passage naming them (booth 9 was only in a rejected item).
    expect(events.map((e) => e.plaza?.code ?? null)).toEqual(['3', null, 'B-7']);
    expect(events[2]!.plaza).toMatchObject({ v: 1, name: 'Plaza B-7', plazaId: events[2]!.passage.plazaId });
    expect(source.recentRejects()).toMatchObject([{ line: 1, reason: expect.stringMatching(/time "soon"/) }]);
    expect(server.requests.map((r) => r.url)).toEqual(['/api', '/api?page=2']);
  });

  it('parses Link headers and refuses a JSON API without a mapping', () => {
    expect(nextFromLinkHeader('<https://x/a?p=1>; rel="prev", <https://x/a?p=3>; rel="next"')).toBe(
      'https://x/a?p=3',
    );
    expect(nextFromLinkHeader('<https://x/a?p=1>; rel="prev"')).toBeUndefined();
    expect(() => parseHttpOptions(optionBag('http://x/api', 'http:<url>', ''), 'http://x/api')).toThrow(
      /the mapping needs plaza=<field>/,
    );
    expect(() =>
      parseHttpOptions(optionBag('s', 'http:<url>', 'interval=soon'), 'http://x/resource/abcd-1234.json'),
    ).toThrow(/interval "soon"/);
  });
});

async function waitUntil(predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for a condition');
    await new Promise((r) => setTimeout(r, 10));
  }
}
