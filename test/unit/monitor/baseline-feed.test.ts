import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  baselineHours,
  baselineSql,
  createBaselineFeed,
  HOUR_MS,
  POLL_MS,
  WEEK_MS,
} from '../../../src/monitor/baseline-feed.ts';
import type { RunStatement } from '../../../src/monitor/anomaly-feed.ts';
import type { QueryOutcome } from '../../../src/query/outcome.ts';

const rows = (r: unknown[][]): QueryOutcome => ({
  kind: 'rows',
  columns: [],
  rows: r,
  truncated: false,
  rowCap: 10_000,
  elapsedMs: 1,
});

/** Tuesday 2026-12-01, 08:57 UTC: three minutes before the hour changes. */
const T0 = Date.UTC(2026, 11, 1, 8, 57);
const HOUR_8 = Date.UTC(2026, 11, 1, 8);

describe('the baselines feed', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    vi.setSystemTime(T0);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** A server answering each read with `answer(hourStart)`, recording when and for which hours it was asked. */
  function server(answer: (params: Date[]) => QueryOutcome | Error) {
    const reads: { at: number; sql: string; params: Date[] }[] = [];
    const run: RunStatement = async (sql, params) => {
      reads.push({ at: Date.now(), sql, params: params as Date[] });
      const out = answer(params as Date[]);
      if (out instanceof Error) throw out;
      return out;
    };
    return { run, reads };
  }

  it('reads the same hour of the week in each of the weeks before this one, and the band around it', async () => {
    const { run, reads } = server(() =>
      rows([
        [4001, '200.0000', 8],
        [4002, 12.5, 3],
      ]),
    );
    const feed = createBaselineFeed({ run, factor: 2, weeks: 8, clock: Date.now });
    await feed.poll();
    expect(reads[0]!.sql).toBe(baselineSql(8));
    expect(reads[0]!.sql).toContain('WHERE bucket IN (?, ?, ?, ?, ?, ?, ?, ?)');
    expect(reads[0]!.params.map((d) => d.toISOString())).toEqual([
      '2026-11-24T08:00:00.000Z',
      '2026-11-17T08:00:00.000Z',
      '2026-11-10T08:00:00.000Z',
      '2026-11-03T08:00:00.000Z',
      '2026-10-27T08:00:00.000Z',
      '2026-10-20T08:00:00.000Z',
      '2026-10-13T08:00:00.000Z',
      '2026-10-06T08:00:00.000Z',
    ]);
    expect(baselineHours(HOUR_8, 2).map((d) => d.getTime())).toEqual([
      HOUR_8 - WEEK_MS,
      HOUR_8 - 2 * WEEK_MS,
    ]);
    expect(feed.store.getSnapshot()).toEqual({
      status: { kind: 'running' },
      readAt: T0,
      hourStartMs: HOUR_8,
      // Tuesday is WEEKDAY 1: 1 * 24 + 8.
      hourOfWeek: 32,
      factor: 2,
      weeks: 8,
      plazas: [
        { plazaId: 4001, perMinute: 200, low: 100, high: 400, weeks: 8 },
        { plazaId: 4002, perMinute: 12.5, low: 6.25, high: 25, weeks: 3 },
      ],
    });
    await feed.stop();
  });

  it('reads again when the hour changes and then every five minutes, never in between', async () => {
    const { run, reads } = server(() => rows([[4001, 10, 8]]));
    const feed = createBaselineFeed({ run, factor: 2, weeks: 8, clock: Date.now });
    feed.start();
    await vi.advanceTimersByTimeAsync(0);
    await vi.advanceTimersByTimeAsync(3 * 60_000 + 2 * POLL_MS + 1000);
    expect(reads.map((r) => new Date(r.at).toISOString().slice(11, 19))).toEqual([
      '08:57:00',
      '09:00:00',
      '09:05:00',
      '09:10:00',
    ]);
    // The read at the hour is for the new hour.
    expect(reads[1]!.params[0]!.toISOString()).toBe('2026-11-24T09:00:00.000Z');
    expect(feed.store.getSnapshot()).toMatchObject({ hourStartMs: HOUR_8 + HOUR_MS, hourOfWeek: 33 });
    await feed.stop();
    await vi.advanceTimersByTimeAsync(2 * POLL_MS);
    expect(reads).toHaveLength(4);
  });

  it('publishes only what changed; a failed read keeps the data, says why and retries sooner, growing', async () => {
    let fail = false;
    let perMinute = 10;
    const { run, reads } = server(() =>
      fail
        ? { kind: 'unavailable', message: 'connect ECONNREFUSED 127.0.0.1:3306' }
        : rows([[4001, perMinute, 8]]),
    );
    const feed = createBaselineFeed({ run, factor: 2, weeks: 8, clock: Date.now });
    let published = 0;
    feed.store.subscribe(() => published++);
    await feed.poll();
    await feed.poll();
    expect(published).toBe(1);

    fail = true;
    await feed.poll();
    const failed = feed.store.getSnapshot();
    expect(failed.status).toMatchObject({ kind: 'error', retryInMs: 5000 });
    expect(failed.status.kind === 'error' && failed.status.message).toMatch(/ECONNREFUSED/);
    expect(failed.plazas).toEqual([{ plazaId: 4001, perMinute: 10, low: 5, high: 20, weeks: 8 }]);

    feed.start();
    await vi.advanceTimersByTimeAsync(0);
    await vi.advanceTimersByTimeAsync(30_001);
    // Each failure doubles the wait (5 s after the first, then 10, 20, 40 s ... up to POLL_MS).
    expect(reads.slice(2).map((r) => r.at - T0)).toEqual([0, 0, 10_000, 30_000]);
    expect(feed.store.getSnapshot().status).toMatchObject({ kind: 'error', retryInMs: 40_000 });

    fail = false;
    perMinute = 12;
    await vi.advanceTimersByTimeAsync(40_000);
    expect(feed.store.getSnapshot()).toMatchObject({
      status: { kind: 'running' },
      plazas: [{ plazaId: 4001, perMinute: 12, low: 6, high: 24, weeks: 8 }],
    });
    await feed.stop();
  });

  it('without a read-only account it never reads and says why', async () => {
    const { run, reads } = server(() => rows([]));
    const close = vi.fn(async () => {});
    const feed = createBaselineFeed({ run, factor: 2, weeks: 8, close, unavailable: 'no read-only account' });
    feed.start();
    await vi.advanceTimersByTimeAsync(POLL_MS);
    expect(reads).toHaveLength(0);
    expect(feed.store.getSnapshot().status).toEqual({
      kind: 'error',
      message: 'no read-only account',
      retryInMs: null,
    });
    await feed.stop();
    await feed.stop();
    expect(close).toHaveBeenCalledTimes(1);
  });
});
