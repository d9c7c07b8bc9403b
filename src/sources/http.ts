/**
 * Polls a JSON API. Two shapes:
 * - `api=socrata` (automatic for `/resource/<id>.json` URLs): the MTA hourly data sets on data.ny.gov, each row
 *   expanded into its passages by the same code as the hourly file replay, so both yield identical passages.
 * - `api=json`: any JSON API, with a declarative mapping (record-mapping.ts) and `items=<path to the array>`.
 * Paging by `$limit/$offset` style parameters, by a next link (a body field or a Link header), or none. A page
 * shorter than asked is not the end: servers cap their pages (Socrata and most APIs do), so offset paging goes on
 * until a page comes back empty or the server's total (a Socrata count, or `total=<path>`) is reached, and a cap
 * it notices is used as the page size from then on.
 *
 * Range. --from/--to are put to the server (http-range.ts) so a two-day import fetches two days, not the data
 * set; the local filter keeps only passages inside the range whatever the server sends. A range with an end
 * (--to) makes the source finite: it ends once caught up. Without one it polls every `interval` for new records.
 *
 * Position. Every passage carries its place in the input: page URL, item, and for an item expanded with others of
 * the same hour, how many of the group's passages went before it. After each handed-over batch that place is
 * saved (http-cursor.ts), so a restart re-reads the page and continues with the very next passage: no skips, no
 * repeats. A group is fixed by its item range, so it regroups identically even if the page has grown.
 * Once caught up, an open-ended source polls the last page again every `interval`, conditionally when the
 * server gave an ETag or Last-Modified.
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
import { fetchPage, HttpError, nextFromLinkHeader, type FetchOptions } from './http-fetch.ts';
import {
  parseRangeTemplate,
  RANGE_FORMATS,
  asCount,
  readSocrataCount,
  socrataCountUrl,
  socrataRangeWhere,
  SOQL_FIELD,
  withRangeParams,
  withSocrataWhere,
  type RangeFormat,
  type RangeParam,
  type TimeRange,
} from './http-range.ts';
import { hash32 } from './random.ts';
import { parseDurationMs, type OptionBag } from './options.ts';

export const HTTP_FORM =
  'http:<url> or an http(s):// URL, options after #: api=socrata|json, paging=offset|next|none, pageSize, interval, once, ... (socrata: dateField, count; json: items=<path>&plaza=<field>&vehicle=<field>&time=<field>..., range=since={from}&until={to}, rangeFormat=iso|epoch|epoch-ms, total=<path>)';

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
  /** Stop once caught up instead of polling (a finite source); a range with an end (--to) implies it. */
  once: boolean;
  /** socrata: the column --from/--to are asked on with $where. */
  dateField: string;
  /** socrata: ask `$select=count(*)` for the total (progress, and paging ends at it without an empty page). */
  count: boolean;
  /** json: query parameters carrying --from/--to, e.g. since={from}&until={to}. */
  range?: RangeParam[];
  rangeFormat: RangeFormat;
  /** json: dotted path to the number of records the query matches, in each page's body. */
  total?: string;
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

function parseSocrataRange(bag: OptionBag, options: HttpOptions): void {
  const misplaced = ['range', 'rangeFormat', 'total'].filter((k) => bag.has(k));
  if (misplaced.length) {
    bag.fail(
      `${misplaced.join(', ')} ${misplaced.length > 1 ? 'are' : 'is'} for api=json; a Socrata source asks for --from/--to with $where on dateField= and counts with $select=count(*)`,
    );
  }
  options.dateField = bag.string('dateField', 'date');
  if (!SOQL_FIELD.test(options.dateField)) {
    bag.fail(
      `dateField "${options.dateField}" is not a column name (letters, digits, _), e.g. dateField=date`,
    );
  }
  options.count = bag.bool('count', true);
}

function parseJsonRange(bag: OptionBag, options: HttpOptions): void {
  const misplaced = ['dateField', 'count'].filter((k) => bag.has(k));
  if (misplaced.length) {
    bag.fail(
      `${misplaced.join(', ')} ${misplaced.length > 1 ? 'are' : 'is'} for api=socrata; a JSON API takes range=<template> and total=<path>`,
    );
  }
  const range = bag.string('range');
  if (range !== undefined) {
    const params = parseRangeTemplate(range);
    if (typeof params === 'string') {
      bag.fail(`range "${range}" cannot be used: ${params}; expected e.g. range=since={from}&until={to}`);
    }
    options.range = params;
  } else if (bag.has('rangeFormat')) {
    bag.fail('rangeFormat is set but range is not; add e.g. range=since={from}&until={to}');
  }
  options.rangeFormat = bag.oneOf('rangeFormat', RANGE_FORMATS, 'iso');
  const total = bag.string('total');
  if (total !== undefined) options.total = total;
}

/**
 * In a spec, `&` separates our options, so `range=since={from}&until={to}` arrives as two options. Every part
 * after `range=` that carries a {from} or {to} placeholder belongs to the template (no option of ours takes one).
 */
export function foldRangeTemplate(fragment: string): string {
  const parts = fragment.split('&');
  const at = parts.findIndex((p) => /^\s*range\s*=/.test(p));
  if (at < 0) return fragment;
  const template = [parts[at]!];
  const others: string[] = [];
  parts.forEach((p, i) => {
    if (i > at && /\{(from|to)\}/.test(p)) template.push(p);
    else if (i !== at) others.push(p);
  });
  return [...others, template.join('%26')].join('&');
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
    dateField: 'date',
    count: socrata,
    rangeFormat: 'iso',
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
  if (socrata) parseSocrataRange(bag, options);
  else parseJsonRange(bag, options);
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
  const range: TimeRange = {
    ...(ctx.from !== undefined ? { from: ctx.from } : {}),
    ...(ctx.to !== undefined ? { to: ctx.to } : {}),
  };
  const finite = options.once || ctx.to !== undefined;
  const query = serverQuery(options, range, ctx.tz);
  // Offsets and page links belong to one question: a cursor saved for another range must not be resumed here.
  const store = new CursorStore(ctx.stateDir, query.url);
  const places = new WeakMap<TollEvent, Place>();
  // A generic API names its plazas as it goes: each one's record goes out with the first passage that names it.
  const mapper = options.mapping
    ? new RecordMapper(options.mapping, ctx.tz, 'http', {
        announcePlazas: true,
        known: Object.values(options.mapping.plazaMap),
        registry: ctx.plazaRegistry,
      })
    : undefined;
  const urlHash = hash32(query.url).toString(16);
  let cursor: HttpCursor | undefined;
  /** Items per page the server gives at most, once a short page was followed by more. */
  let cap: number | undefined;
  /** The previous page's length when it was shorter than asked: a cap, or the end (the next page tells). */
  let shortPage: number | undefined;
  /** Records the server holds for the query, when it says (count query or `total=`). */
  let serverTotal: number | undefined;
  /** Where in the server's list this run started (offset paging), so total and read both count this run. */
  let startRow = 0;
  let pages = 0;
  const warned = new Set<string>();
  const warnOnce = (key: string, message: string): void => {
    if (warned.has(key)) return;
    warned.add(key);
    log.warn(message);
  };

  const firstUrl = (): string => {
    if (options.paging !== 'offset') return query.url;
    const u = new URL(query.url);
    if (options.api === 'socrata' && !u.searchParams.has('$order')) u.searchParams.set('$order', ':id');
    u.searchParams.set(options.limitParam, String(options.pageSize));
    u.searchParams.set(options.offsetParam, '0');
    return u.toString();
  };
  const offsetOf = (url: string): number => Number(new URL(url).searchParams.get(options.offsetParam) ?? 0);
  const withOffset = (url: string, offset: number): string => {
    const u = new URL(url);
    u.searchParams.set(options.limitParam, String(cap ?? options.pageSize));
    u.searchParams.set(options.offsetParam, String(offset));
    return u.toString();
  };

  const setTotal = (n: number): void => {
    serverTotal = n;
    counters.total = Math.max(0, n - startRow);
  };

  function noticeCap(items: number): void {
    if (cap !== undefined) return;
    cap = items;
    log.info(`server returns at most ${items} items per page; asking for ${items}`);
  }

  /**
   * After a page of `count` items: the next page to fetch, or caught up — at this page (it was empty, or the
   * last one), or before the page at `url` (the server's total is reached; a later poll starts there).
   */
  function step(
    url: string,
    body: unknown,
    link: string | undefined,
    count: number,
  ): { next: string } | { caughtUp: 'here' } | { caughtUp: 'before'; url: string } {
    if (options.paging === 'offset') {
      if (count === 0) {
        shortPage = undefined;
        return { caughtUp: 'here' };
      }
      const limit = Number(new URL(url).searchParams.get(options.limitParam) ?? options.pageSize);
      const offset = offsetOf(url) + count;
      if (shortPage !== undefined) noticeCap(shortPage);
      shortPage = undefined;
      const atTotal = serverTotal !== undefined && offset >= serverTotal;
      if (count < limit && !atTotal) {
        if (serverTotal !== undefined) noticeCap(count);
        else shortPage = count;
      }
      const next = withOffset(url, offset);
      return atTotal ? { caughtUp: 'before', url: next } : { next };
    }
    if (options.paging === 'next') {
      const target = options.next === undefined ? nextFromLinkHeader(link) : atPath(body, options.next);
      return typeof target === 'string' && target !== '' && target !== url
        ? { next: new URL(target, url).toString() }
        : { caughtUp: 'here' };
    }
    return { caughtUp: 'here' };
  }

  /** Asks a Socrata server how many rows the query matches. False when the run was stopped meanwhile. */
  async function countRows(signal: () => AbortSignal): Promise<boolean> {
    if (options.api !== 'socrata' || !options.count || options.paging !== 'offset' || query.raw) return true;
    const url = socrataCountUrl(firstUrl(), options.limitParam, options.offsetParam);
    let page;
    try {
      page = await fetchPage(url, {}, options.fetch, signal(), log, (note) => {
        counters.note = note;
      });
    } catch (e) {
      if (!(e instanceof HttpError) || e.retriable) throw e;
      warnOnce('count', `${e.message}: no row count, paging on to an empty page (count=false skips this)`);
      return true;
    }
    if (page.status === 'aborted') return false;
    if (page.status !== 'ok') return true;
    const n = readSocrataCount(page.body);
    if (n === undefined) {
      warnOnce(
        'count',
        `GET ${url}: ${JSON.stringify(page.body).slice(0, 120)} is not a row count; paging on to an empty page`,
      );
    } else setTotal(n);
    return true;
  }

  function pageNote(rows: number): string {
    const total = serverTotal === undefined ? '' : `, server total ${serverTotal}`;
    const resumed = startRow > 0 ? `, resumed at row ${startRow}` : '';
    return `page ${pages}, ${rows} rows${total}${resumed}`;
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
    if (query.asked)
      log.info(`asking ${options.url} for ${query.asked}; passages outside the range are dropped here`);
    else if (query.why) log.info(query.why);
    cursor = (await store.load()) ?? startCursor(firstUrl());
    if (cursor.item > 0 || cursor.url !== firstUrl())
      log.info(`resuming ${options.url} at ${cursor.url}, item ${cursor.item}`);
    if (options.paging === 'offset') startRow = offsetOf(cursor.url) + cursor.item;
    let countDue = true;
    for (;;) {
      if (countDue) {
        if (!(await countRows(signal))) {
          yield [];
          continue;
        }
        countDue = false;
      }
      const at: HttpCursor = cursor;
      const conditional = at.complete ? { etag: at.etag, lastModified: at.lastModified } : {};
      const page = await fetchPage(at.url, conditional, options.fetch, signal(), log, (note) => {
        counters.note = note;
      });
      if (page.status === 'aborted') {
        yield [];
        continue;
      }
      pages++;
      let next: ReturnType<typeof step> = { caughtUp: 'here' };
      if (page.status === 'ok') {
        const items = atPath(page.body, options.items);
        if (!Array.isArray(items)) {
          throw new Error(
            `GET ${at.url}: the response has no array at "${options.items || '(top level)'}"; set items=<path>`,
          );
        }
        if (options.total !== undefined) {
          const total = asCount(atPath(page.body, options.total));
          if (total === undefined) {
            warnOnce('total', `GET ${at.url}: no count at total=${options.total}; paging on without a total`);
          } else setTotal(total);
        }
        counters.note = pageNote(counters.read + Math.max(0, items.length - at.item));
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
        next = step(at.url, page.body, page.link, items.length);
        if ('next' in next) cursor = startCursor(next.next);
        else if (next.caughtUp === 'before') cursor = startCursor(next.url);
        else {
          cursor = { url: at.url, item: items.length, groupItems: 0, skip: 0, complete: true };
          if (page.etag) cursor.etag = page.etag;
          if (page.lastModified) cursor.lastModified = page.lastModified;
        }
        await store.save(cursor);
      }
      if ('next' in next) continue;
      const done = `${pages} page${pages === 1 ? '' : 's'}, ${counters.read} rows`;
      if (finite) {
        log.info(
          `read ${options.url}: ${done}${serverTotal === undefined ? '' : ` (server total ${serverTotal})`}`,
        );
        counters.note = undefined;
        return;
      }
      counters.note = `caught up after ${done}; next poll in ${Math.round(options.intervalMs / 1000)} s`;
      await sleep(options.intervalMs, signal());
      if (signal().aborted) yield [];
      counters.note = undefined;
      countDue = true;
      // a short page before the wait says nothing about the page after it
      shortPage = undefined;
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

  const source = createReplaySource({
    kind: 'http',
    spec,
    finite,
    ctx,
    counters,
    rejects,
    plazas,
    open,
    handedOver,
  });
  return { ...source, progress: () => ({ ...source.progress(), pages }) };
}

/**
 * The question put to the server: the URL with --from/--to in it when the API can take them (`asked` says how),
 * or as given (`why` says why not, when there is a range). `raw` marks a Socrata `$query` URL, which takes no
 * other parameters.
 */
function serverQuery(
  options: HttpOptions,
  range: TimeRange,
  tz: string,
): { url: string; asked?: string; why?: string; raw?: boolean } {
  const raw = options.api === 'socrata' && new URL(options.url).searchParams.has('$query');
  if (range.from === undefined && range.to === undefined)
    return { url: options.url, ...(raw ? { raw } : {}) };
  if (options.api === 'socrata') {
    if (raw) {
      return {
        url: options.url,
        raw,
        why: `${options.url} has a $query, which takes no $where: --from/--to are applied here to everything it returns`,
      };
    }
    const where = socrataRangeWhere(options.dateField, range, tz)!;
    return { url: withSocrataWhere(options.url, where), asked: `$where=${where}` };
  }
  if (!options.range) {
    return {
      url: options.url,
      why: `${options.url} is read in full and --from/--to applied here; range=<template> (e.g. range=since={from}&until={to}) asks the API for the range`,
    };
  }
  const url = withRangeParams(options.url, options.range, range, options.rangeFormat);
  const asked = [...new URL(url).searchParams]
    .filter(([name]) => options.range!.some(([p]) => p === name))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
  return { url, asked };
}
