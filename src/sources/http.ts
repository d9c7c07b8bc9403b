/**
 * Polls a JSON API. Two shapes:
 * - `api=socrata` (automatic for `/resource/<id>.json` URLs): the MTA hourly data sets on data.ny.gov, each row
 *   expanded into its passages by the same code as the hourly file replay, so both yield identical passages.
 * - `api=json`: any JSON API, with a declarative mapping (record-mapping.ts) and `items=<path to the array>`.
 * Paging by `$limit/$offset` style parameters, by a next link (a body field or a Link header), or none.
 *
 * Position. Every passage carries its place in the input: page URL, item, and for an item expanded with others of
 * the same hour, how many of the group's passages went before it. After each handed-over batch that place is
 * saved (http-cursor.ts), so a restart re-reads the page and continues with the very next passage: no skips, no
 * repeats. A group is fixed by its item range, so it regroups identically even if the page has grown.
 * Once caught up, the source polls the last page again every `interval`, conditionally when the server gave an
 * ETag or Last-Modified.
 */
import type { Plaza, TollEvent } from '../domain/types.ts';
import { createLogger } from '../util/log.ts';
import { sleep } from '../util/backoff.ts';
import type { SourceContext } from './source.ts';
import { RejectLog } from './rejects.ts';
import { createReplaySource, inWindow, type ReadCounters, type RecordSource } from './replay-source.ts';
import { expandHour, hourKey, mtaPlaza, type HourCount } from './hourly-expand.ts';
import { parseSocrataRow } from './hourly-rows.ts';
import { parseRecordMapping, RecordMapper, type RecordMapping } from './record-mapping.ts';
import { CursorStore, startCursor, type HttpCursor } from './http-cursor.ts';
import { fetchPage, nextFromLinkHeader, type FetchOptions } from './http-fetch.ts';
import { hash32 } from './random.ts';
import { parseDurationMs, type OptionBag } from './options.ts';

export const HTTP_FORM =
  'http:<url> or an http(s):// URL, options after #: api=socrata|json, paging=offset|next|none, pageSize, interval, once, ... (json: items=<path>&plaza=<field>&vehicle=<field>&time=<field>...)';

export interface HttpOptions {
  url: string;
  api: 'socrata' | 'json';
  mapping?: RecordMapping;
  /** json: dotted path to the array of records in the response; empty when the response is the array. */
  items: string;
  paging: 'offset' | 'next' | 'none';
  pageSize: number;
  limitParam: string;
  offsetParam: string;
  /** paging=next: dotted path to the next page's URL in the body; without it the Link header is used. */
  next?: string;
  intervalMs: number;
  /** Stop once caught up instead of polling forever (a finite source). */
  once: boolean;
  fetch: FetchOptions;
}

const SOCRATA_PATH = /\/resource\/[a-z0-9]{4}-[a-z0-9]{4}\.json$/i;
/** MTA bridge and tunnel plaza ids in the hourly data: 1-11 until 2017, 21-30 since. */
const MTA_PLAZA_IDS = [
  ...Array.from({ length: 11 }, (_, i) => i + 1),
  ...Array.from({ length: 10 }, (_, i) => i + 21),
];

function duration(bag: OptionBag, key: string, fallbackMs: number): number {
  const text = bag.string(key);
  if (text === undefined) return fallbackMs;
  const ms = parseDurationMs(text);
  if (!(ms > 0)) bag.fail(`${key} "${text}" is not a duration like 500ms, 30s or 5m`);
  return ms;
}

export function parseHttpOptions(bag: OptionBag, url: string): HttpOptions {
  const api = bag.oneOf(
    'api',
    ['socrata', 'json'] as const,
    SOCRATA_PATH.test(new URL(url).pathname) ? 'socrata' : 'json',
  );
  const socrata = api === 'socrata';
  const retries = bag.string('retries');
  const headers: Record<string, string> = {};
  const appToken = bag.string('appToken');
  if (appToken) headers['x-app-token'] = appToken;
  const options: HttpOptions = {
    url,
    api,
    items: bag.string('items', ''),
    paging: bag.oneOf('paging', ['offset', 'next', 'none'] as const, socrata ? 'offset' : 'none'),
    pageSize: bag.int('pageSize', 1000, 1, 50_000),
    limitParam: bag.string('limitParam', socrata ? '$limit' : 'limit'),
    offsetParam: bag.string('offsetParam', socrata ? '$offset' : 'offset'),
    intervalMs: duration(bag, 'interval', 60_000),
    once: bag.bool('once', false),
    fetch: {
      timeoutMs: duration(bag, 'timeout', 30_000),
      retryInitialMs: duration(bag, 'retryMin', 500),
      retryMaxMs: duration(bag, 'retryMax', 30_000),
      retries: retries === undefined ? Infinity : bag.int('retries', 0, 1, 1_000_000),
      headers,
    },
  };
  const next = bag.string('next');
  if (next !== undefined) options.next = next;
  if (!socrata) options.mapping = parseRecordMapping(bag, `http-${hash32(url).toString(16)}-id-`);
  bag.rejectUnknown();
  return options;
}

/** Where a passage came from, to move the cursor past it once it is handed over. */
interface Place {
  url: string;
  item: number;
  groupItems: number;
  skip: number;
  groupSize: number;
}

function atPath(body: unknown, dotted: string): unknown {
  let v = body;
  for (const key of dotted === '' ? [] : dotted.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

const byTime = (a: TollEvent, b: TollEvent): number =>
  a.passage.passedAt < b.passage.passedAt ? -1 : a.passage.passedAt > b.passage.passedAt ? 1 : 0;

export function createHttpSource(spec: string, options: HttpOptions, ctx: SourceContext): RecordSource {
  const log = createLogger('source:http');
  const rejects = new RejectLog(log);
  const counters: ReadCounters = { read: 0 };
  const store = new CursorStore(ctx.stateDir, options.url);
  const places = new WeakMap<TollEvent, Place>();
  // A generic API names its plazas as it goes: each one's record goes out with the first passage that names it.
  const mapper = options.mapping
    ? new RecordMapper(options.mapping, ctx.tz, 'http', {
        announcePlazas: true,
        known: Object.values(options.mapping.plazaMap),
        registry: ctx.plazaRegistry,
      })
    : undefined;
  const urlHash = hash32(options.url).toString(16);
  let cursor: HttpCursor | undefined;

  const firstUrl = (): string => {
    if (options.paging !== 'offset') return options.url;
    const u = new URL(options.url);
    if (options.api === 'socrata' && !u.searchParams.has('$order')) u.searchParams.set('$order', ':id');
    u.searchParams.set(options.limitParam, String(options.pageSize));
    u.searchParams.set(options.offsetParam, '0');
    return u.toString();
  };
  const offsetOf = (url: string): number => Number(new URL(url).searchParams.get(options.offsetParam) ?? 0);
  const withOffset = (url: string, offset: number): string => {
    const u = new URL(url);
    u.searchParams.set(options.limitParam, String(options.pageSize));
    u.searchParams.set(options.offsetParam, String(offset));
    return u.toString();
  };

  /** The next page's URL when this page says there is one; undefined when caught up. */
  function nextPage(url: string, body: unknown, link: string | undefined, count: number): string | undefined {
    if (options.paging === 'offset') {
      const limit = Number(new URL(url).searchParams.get(options.limitParam) ?? options.pageSize);
      return count >= limit ? withOffset(url, offsetOf(url) + count) : undefined;
    }
    if (options.paging === 'next') {
      const target = options.next === undefined ? nextFromLinkHeader(link) : atPath(body, options.next);
      return typeof target === 'string' && target !== '' && target !== url
        ? new URL(target, url).toString()
        : undefined;
    }
    return undefined;
  }

  /** The passage of one generic JSON item, or none (rejected or outside the window). */
  function itemEvents(url: string, items: unknown[], index: number): TollEvent[] {
    const item = items[index];
    const fallbackId =
      options.paging === 'offset'
        ? `http-${urlHash}-${offsetOf(url) + index}`
        : `http-${hash32(url).toString(16)}-${index}`;
    const event =
      item !== null && typeof item === 'object' && !Array.isArray(item)
        ? mapper!.map((field) => {
            const v = atPath(item, field);
            return v === undefined || v === null
              ? undefined
              : typeof v === 'object'
                ? JSON.stringify(v)
                : String(v);
          }, fallbackId)
        : 'item is not a JSON object';
    if (typeof event === 'string') {
      rejects.reject(url, index, event, JSON.stringify(item));
      return [];
    }
    return inWindow(ctx, Date.parse(event.passage.passedAt)) ? [event] : [];
  }

  /**
   * The group of Socrata rows starting at `start`: consecutive valid rows of the same hour (or exactly
   * `fixedItems` rows when resuming a saved group), and their passages merged in time order. Each row is parsed
   * and, when bad, reported once.
   */
  function socrataGroup(
    url: string,
    items: unknown[],
    start: number,
    fixedItems?: number,
  ): { end: number; events: TollEvent[] } {
    const counts: HourCount[] = [];
    let end = start;
    const limit = fixedItems === undefined ? items.length : Math.min(items.length, start + fixedItems);
    while (end < limit) {
      const row = parseSocrataRow(items[end]);
      if (typeof row === 'string') {
        if (fixedItems === undefined && end > start) break;
        rejects.reject(url, end, row, JSON.stringify(items[end]));
        end++;
        if (fixedItems === undefined) break;
        continue;
      }
      if (fixedItems === undefined && counts.length > 0 && hourKey(row) !== hourKey(counts[0]!)) break;
      counts.push(row);
      end++;
    }
    const parts = counts.map((c) => expandHour(c, ctx.tz, 'http'));
    const merged = parts.length === 1 ? parts[0]! : parts.flat().sort(byTime);
    return { end, events: merged.filter((e) => inWindow(ctx, Date.parse(e.passage.passedAt))) };
  }

  function group(
    url: string,
    items: unknown[],
    start: number,
    fixedItems?: number,
  ): { end: number; events: TollEvent[] } {
    return mapper
      ? { end: start + 1, events: itemEvents(url, items, start) }
      : socrataGroup(url, items, start, fixedItems);
  }

  async function* open(signal: () => AbortSignal): AsyncGenerator<TollEvent[]> {
    if (mapper) await ctx.plazaRegistry?.load();
    cursor = (await store.load()) ?? startCursor(firstUrl());
    if (cursor.item > 0 || cursor.url !== firstUrl())
      log.info(`resuming ${options.url} at ${cursor.url}, item ${cursor.item}`);
    for (;;) {
      const at: HttpCursor = cursor;
      const conditional = at.complete ? { etag: at.etag, lastModified: at.lastModified } : {};
      const page = await fetchPage(at.url, conditional, options.fetch, signal(), log, (note) => {
        counters.note = note;
      });
      if (page.status === 'aborted') {
        yield [];
        continue;
      }
      let next: string | undefined;
      let count = at.item;
      if (page.status === 'ok') {
        const items = atPath(page.body, options.items);
        if (!Array.isArray(items)) {
          throw new Error(
            `GET ${at.url}: the response has no array at "${options.items || '(top level)'}"; set items=<path>`,
          );
        }
        count = items.length;
        for (let start = at.item; start < items.length;) {
          const resuming = start === at.item && at.groupItems > 0;
          const { end, events } = group(at.url, items, start, resuming ? at.groupItems : undefined);
          counters.read += end - start;
          const skip = resuming ? at.skip : 0;
          events.forEach((e, j) =>
            places.set(e, {
              url: at.url,
              item: start,
              groupItems: end - start,
              skip: j + 1,
              groupSize: events.length,
            }),
          );
          for (let i = skip; i < events.length; i += 5000) yield events.slice(i, i + 5000);
          start = end;
        }
        next = nextPage(at.url, page.body, page.link, items.length);
        if (next === undefined) {
          cursor = { url: at.url, item: count, groupItems: 0, skip: 0, complete: true };
          if (page.etag) cursor.etag = page.etag;
          if (page.lastModified) cursor.lastModified = page.lastModified;
        } else {
          cursor = startCursor(next);
        }
        await store.save(cursor);
      }
      if (next !== undefined) continue;
      if (options.once) return;
      counters.note = `caught up; next poll in ${Math.round(options.intervalMs / 1000)} s`;
      await sleep(options.intervalMs, signal());
      if (signal().aborted) yield [];
      counters.note = undefined;
    }
  }

  async function handedOver(batch: TollEvent[]): Promise<void> {
    const place = places.get(batch[batch.length - 1]!);
    if (!place) return;
    cursor =
      place.skip >= place.groupSize
        ? { url: place.url, item: place.item + place.groupItems, groupItems: 0, skip: 0, complete: false }
        : {
            url: place.url,
            item: place.item,
            groupItems: place.groupItems,
            skip: place.skip,
            complete: false,
          };
    await store.save(cursor);
  }

  async function plazas(): Promise<Plaza[]> {
    if (options.api === 'socrata') return MTA_PLAZA_IDS.map(mtaPlaza);
    // Generic APIs name their plazas as they go; only the configured ones are known before the first passage.
    return Object.entries(options.mapping?.plazaMap ?? {}).map(([code, plazaId]) => ({
      v: 1,
      plazaId,
      code: code.slice(0, 32),
      name: `Plaza ${code}`.slice(0, 128),
      lanes: options.mapping!.lanes,
    }));
  }

  return createReplaySource({
    kind: 'http',
    spec,
    finite: options.once,
    ctx,
    counters,
    rejects,
    plazas,
    open,
    handedOver,
  });
}
