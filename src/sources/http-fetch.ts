/**
 * One page of JSON over HTTP, the way a poller needs it: a timeout per request, conditional requests
 * (If-None-Match / If-Modified-Since) when the page was seen before, and retries with exponential backoff for
 * everything a server recovers from (network errors, timeouts, 5xx, 408, 429, malformed JSON). Other 4xx are
 * configuration mistakes (wrong URL, missing token) and fail at once.
 */
import { backoffDelay, sleep } from '../util/backoff.ts';
import type { Logger } from '../util/log.ts';

export class HttpError extends Error {
  constructor(
    message: string,
    readonly retriable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'HttpError';
  }
}

export interface FetchOptions {
  timeoutMs: number;
  retryInitialMs: number;
  retryMaxMs: number;
  /** Give up after this many failed attempts in a row (Infinity: a poller outlives any outage). */
  retries: number;
  headers: Record<string, string>;
}

export type PageResult =
  | { status: 'ok'; body: unknown; etag?: string; lastModified?: string; link?: string }
  | { status: 'not-modified' }
  | { status: 'aborted' };

async function fetchOnce(
  url: string,
  conditional: { etag?: string; lastModified?: string },
  options: FetchOptions,
  signal: AbortSignal,
): Promise<PageResult> {
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  if (conditional.etag) headers['if-none-match'] = conditional.etag;
  if (conditional.lastModified) headers['if-modified-since'] = conditional.lastModified;
  let res: Response;
  try {
    res = await fetch(url, {
      headers,
      signal: AbortSignal.any([signal, AbortSignal.timeout(options.timeoutMs)]),
    });
  } catch (e) {
    if (signal.aborted) return { status: 'aborted' };
    const timedOut = (e as Error).name === 'TimeoutError';
    const why = timedOut
      ? `no answer within ${options.timeoutMs} ms`
      : (((e as Error).cause as Error | undefined)?.message ?? (e as Error).message);
    throw new HttpError(`GET ${url}: ${why}`, true, { cause: e });
  }
  if (res.status === 304) {
    await res.body?.cancel();
    return { status: 'not-modified' };
  }
  let text: string;
  try {
    text = await res.text();
  } catch (e) {
    if (signal.aborted) return { status: 'aborted' };
    throw new HttpError(`GET ${url}: reading the response failed (${(e as Error).message})`, true, {
      cause: e,
    });
  }
  if (!res.ok) {
    const retriable = res.status >= 500 || res.status === 408 || res.status === 429;
    throw new HttpError(`GET ${url}: ${res.status} ${res.statusText}`, retriable);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (e) {
    throw new HttpError(`GET ${url}: malformed JSON (${(e as Error).message})`, true, { cause: e });
  }
  const result: PageResult = { status: 'ok', body };
  const etag = res.headers.get('etag');
  const lastModified = res.headers.get('last-modified');
  const link = res.headers.get('link');
  if (etag) result.etag = etag;
  if (lastModified) result.lastModified = lastModified;
  if (link) result.link = link;
  return result;
}

/**
 * Fetches with retries. `onRetry` reports each failure (for the progress note); a non-retriable error, or the
 * last allowed failure, is thrown.
 */
export async function fetchPage(
  url: string,
  conditional: { etag?: string; lastModified?: string },
  options: FetchOptions,
  signal: AbortSignal,
  log: Logger,
  onRetry: (message: string | undefined) => void,
): Promise<PageResult> {
  for (let attempt = 1; ; attempt++) {
    try {
      const result = await fetchOnce(url, conditional, options, signal);
      onRetry(undefined);
      return result;
    } catch (e) {
      const err =
        e instanceof HttpError
          ? e
          : new HttpError(`GET ${url}: ${(e as Error).message}`, false, { cause: e });
      if (!err.retriable || attempt >= options.retries) throw err;
      const delay = backoffDelay(attempt - 1, {
        initialMs: options.retryInitialMs,
        maxMs: options.retryMaxMs,
      });
      const message = `${err.message}; retry ${attempt} in ${(delay / 1000).toFixed(1)} s`;
      log.warn(message);
      onRetry(message);
      await sleep(delay, signal);
      if (signal.aborted) return { status: 'aborted' };
    }
  }
}

/** The `rel="next"` target of an RFC 8288 Link header. */
export function nextFromLinkHeader(link: string | undefined): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(',')) {
    const m = /<([^>]*)>\s*;(.*)/.exec(part.trim());
    if (m && /\brel="?([^";]*\s)?next(\s[^";]*)?"?/i.test(m[2]!)) return m[1];
  }
  return undefined;
}
