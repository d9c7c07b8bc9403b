import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { TollEvent } from '../../../src/domain/types.ts';
import { createHttpSource, parseHttpOptions } from '../../../src/sources/http.ts';
import { createHourlySource } from '../../../src/sources/hourly.ts';
import { CursorStore } from '../../../src/sources/http-cursor.ts';
import { nextFromLinkHeader } from '../../../src/sources/http-fetch.ts';
import { optionBag } from '../../../src/sources/options.ts';
import type { SourceContext } from '../../../src/sources/source.ts';
import { context, drain, expectAllValid } from './helpers.ts';

type Behaviour = 'ok' | 'fail500' | 'hang' | 'malformed' | 'empty' | 'notFound';

interface TestServer {
  url: string;
  base: string;
  rows: unknown[];
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
 * Serves `rows` Socrata-style ($limit/$offset) at /resource/qzve-kjga.json, with an ETag per page. Requests
 * follow `script` first (errors, a hang, malformed JSON, an empty page), then behave.
 */
async function serve(
  rows: unknown[],
  script: Behaviour[] = [],
  route?: (url: URL) => unknown,
): Promise<TestServer> {
  const t: TestServer = { url: '', base: '', rows, requests: [], script };
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
    const body = JSON.stringify(
      behaviour === 'empty'
        ? []
        : route
          ? route(url)
          : t.rows
              .slice(Number(url.searchParams.get('$offset') ?? 0))
              .slice(0, Number(url.searchParams.get('$limit') ?? 1e9)),
    );
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
    // pages of two rows: offsets 0, 2, 4, then 6 (empty: caught up)
    expect(server.requests.map((r) => new URL(r.url, server.base).searchParams.get('$offset'))).toEqual([
      '0',
      '2',
      '4',
      '6',
    ]);
    expect(new URL(server.requests[0]!.url, server.base).searchParams.get('$order')).toBe(':id');
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
    const source = httpSource(server.url, `once=true&pageSize=2&${FAST}`, { stateDir: stateDir() });
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
    const missing = await serve(ROWS, ['notFound']);
    await expect(
      drain(httpSource(missing.url, `once=true&${FAST}`, { stateDir: stateDir() })),
    ).rejects.toThrow(/404 Not Found/);
    const messy = await serve([ROWS[0], { plaza_id: 'x' }, { ...ROWS[3], hour: '24' }, ROWS[4]]);
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
