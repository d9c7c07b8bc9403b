/**
 * The plaza throughput pane's expected band: per plaza, the usual passages per minute in the current UTC hour of
 * the week, read from the hourly rollup through the read-only query layer (src/query) and published as a snapshot
 * (components/throughput/types.ts). The baseline is the surge rule's (src/anomalies/store.ts loadBaselines): the
 * average, over the hours that had traffic, of the plaza's passages in the same hour of the week in each of the
 * `weeks` weeks before the current hour, per minute; the band is [baseline / factor, baseline × factor].
 *
 * The hourly history changes slowly, so it is read every POLL_MS and again as soon as the hour changes, never on
 * the render path. Reads never overlap; a failed read keeps the last data (the pane drops it once its hour is
 * over), says why and retries with a growing delay. The feed has its own executor: the SQL prompt's runs one
 * statement at a time and stays free for the person.
 */
import type { Config } from '../config/config.ts';
import { hourOfWeek } from '../anomalies/rules/surge.ts';
import { createQueryExecutor } from '../query/executor.ts';
import type { QueryExecutor } from '../query/executor.ts';
import { describeFailure } from '../query/outcome.ts';
import { readerUrl } from '../stack/reader.ts';
import type { Logger } from '../util/log.ts';
import { ThrottledStore } from '../util/store.ts';
import type { ReadableStore } from '../util/store.ts';
import { emptyBaselineSnapshot } from '../../components/throughput/types.ts';
import type { BaselineSnapshot, BaselineStatus, PlazaBaseline } from '../../components/throughput/types.ts';
import type { RunStatement } from './anomaly-feed.ts';

export const POLL_MS = 5 * 60_000;
export const HOUR_MS = 3_600_000;
export const WEEK_MS = 7 * 24 * HOUR_MS;
/** First retry after a failed read; doubles up to POLL_MS. */
const RETRY_MS = 5_000;
/** More plazas than the sink tracks one by one (1,024). */
const ROW_CAP = 10_000;

/** The hour starts of the same hour of the week in each of the `weeks` weeks before `hourStartMs`, newest first. */
export function baselineHours(hourStartMs: number, weeks: number): Date[] {
  return Array.from({ length: weeks }, (_, i) => new Date(hourStartMs - (i + 1) * WEEK_MS));
}

/**
 * Per plaza, the average passages per minute of those hours that have traffic. The hourly rollup's buckets are
 * hour starts, so naming the hours reads `weeks` index ranges instead of every hour of the weeks.
 */
export function baselineSql(weeks: number): string {
  return `SELECT plaza_id, AVG(n) / 60 AS per_minute, COUNT(*) AS weeks FROM (
  SELECT plaza_id, bucket, SUM(passages) AS n FROM traffic_hour
  WHERE bucket IN (${Array.from({ length: weeks }, () => '?').join(', ')})
  GROUP BY plaza_id, bucket) h
GROUP BY plaza_id ORDER BY plaza_id`;
}

/** A statement the server did not answer with rows: the message says why, in the query layer's words. */
class BaselineError extends Error {
  override name = 'BaselineError';
}

/** One read: the baselines of the UTC hour holding `nowMs`. */
export async function readBaselines(
  run: RunStatement,
  nowMs: number,
  weeks: number,
  factor: number,
): Promise<Omit<BaselineSnapshot, 'status'>> {
  const hourStartMs = Math.floor(nowMs / HOUR_MS) * HOUR_MS;
  const outcome = await run(baselineSql(weeks), baselineHours(hourStartMs, weeks));
  if (outcome.kind !== 'rows') throw new BaselineError(describeFailure(outcome) ?? outcome.kind);
  const plazas: PlazaBaseline[] = [];
  for (const r of outcome.rows) {
    const perMinute = Number(r[1]);
    if (!Number.isFinite(perMinute)) continue;
    plazas.push({
      plazaId: Number(r[0]),
      perMinute,
      low: perMinute / factor,
      high: perMinute * factor,
      weeks: Number(r[2]),
    });
  }
  return { readAt: nowMs, hourStartMs, hourOfWeek: hourOfWeek(hourStartMs), factor, weeks, plazas };
}

export interface BaselineFeed {
  store: ReadableStore<BaselineSnapshot>;
  /** Starts reading (idempotent). */
  start(): void;
  /** Stops reading, waits for a read in flight, closes the executor (idempotent). */
  stop(): Promise<void>;
  /** One read now (tests); resolves once its snapshot is published and the next read is scheduled. */
  poll(): Promise<void>;
}

export interface BaselineFeedOptions {
  run: RunStatement;
  factor: number;
  weeks: number;
  intervalMs?: number;
  clock?: () => number;
  logger?: Logger;
  close?: () => Promise<void>;
  /** Set when the feed cannot run at all (no read-only account): published instead of reading. */
  unavailable?: string;
}

function sameData(a: Omit<BaselineSnapshot, 'status' | 'readAt'>, b: BaselineSnapshot): boolean {
  return (
    a.hourStartMs === b.hourStartMs &&
    a.factor === b.factor &&
    a.weeks === b.weeks &&
    JSON.stringify(a.plazas) === JSON.stringify(b.plazas)
  );
}

export function createBaselineFeed({
  run,
  factor,
  weeks,
  intervalMs = POLL_MS,
  clock = Date.now,
  logger,
  close,
  unavailable,
}: BaselineFeedOptions): BaselineFeed {
  let current = emptyBaselineSnapshot(
    factor,
    weeks,
    unavailable ? { kind: 'error', message: unavailable, retryInMs: null } : { kind: 'idle' },
  );
  const store = new ThrottledStore(() => current, 0);
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> | null = null;
  let started = false;
  let stopped = false;
  let failures = 0;

  const publish = (next: BaselineSnapshot): void => {
    current = next;
    store.touch();
    store.flush();
  };

  const setStatus = (status: BaselineStatus): void => {
    if (JSON.stringify(status) !== JSON.stringify(current.status)) publish({ ...current, status });
  };

  /** Reads and returns the delay to the next read: the interval, or less when the hour ends sooner. */
  const readOnce = async (): Promise<number> => {
    try {
      const data = await readBaselines(run, clock(), weeks, factor);
      if (failures > 0) logger?.info('traffic baselines readable again');
      failures = 0;
      if (current.status.kind !== 'running' || !sameData(data, current)) {
        publish({ ...data, status: { kind: 'running' } });
      }
      const untilNextHour = data.hourStartMs! + HOUR_MS - clock();
      return Math.max(0, Math.min(intervalMs, untilNextHour));
    } catch (e) {
      failures++;
      const retryInMs = Math.min(intervalMs, RETRY_MS * 2 ** (failures - 1));
      const message = e instanceof Error ? e.message : String(e);
      if (failures === 1) logger?.warn(`cannot read traffic baselines: ${message}`);
      setStatus({ kind: 'error', message, retryInMs });
      return retryInMs;
    }
  };

  const schedule = (delay: number): void => {
    clearTimeout(timer);
    timer = setTimeout(() => void poll(), delay);
    timer.unref();
  };

  const poll = (): Promise<void> => {
    inFlight ??= readOnce()
      .then((delay) => {
        if (started && !stopped) schedule(delay);
      })
      .finally(() => {
        inFlight = null;
      });
    return inFlight;
  };

  return {
    store,
    start() {
      if (started || stopped || unavailable) return;
      started = true;
      void poll();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      clearTimeout(timer);
      await inFlight?.catch(() => {});
      store.dispose();
      await close?.();
    },
    poll,
  };
}

/** The monitor's feed on the configured server, as the SELECT-only account, with the surge rule's settings. */
export function createMonitorBaselineFeed(config: Config, logger: Logger): BaselineFeed {
  const { factor, baselineWeeks: weeks } = config.anomalies.rules.surge;
  let executor: QueryExecutor;
  try {
    executor = createQueryExecutor({
      url: readerUrl(config),
      timeoutMs: config.run.queryTimeoutMs,
      rowCap: ROW_CAP,
      ssl: config.mysql.ssl,
      ...(config.mysql.sslCaFile ? { sslCaFile: config.mysql.sslCaFile } : {}),
      logger,
    });
  } catch (e) {
    return createBaselineFeed({
      run: () => Promise.reject(e as Error),
      factor,
      weeks,
      unavailable: (e as Error).message,
    });
  }
  return createBaselineFeed({
    run: (sql, params) => executor.run(sql, { params }),
    factor,
    weeks,
    logger,
    close: () => executor.close(),
  });
}
