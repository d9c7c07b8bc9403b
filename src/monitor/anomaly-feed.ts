/**
 * The anomalies view's data: polls the `anomalies` table through the read-only query layer (src/query) every
 * POLL_MS and publishes a snapshot (components/anomalies/types.ts) when what it read changed. It reads MySQL, not
 * the detector, so the view works the same whether the detector runs in this process or elsewhere.
 *
 * Each poll reads the hour of findings that ends after the newest one's minute (event time, like the saved
 * queries' "last hours of data", so replays of old files show their own hour): counts per rule per minute, the
 * most recently detected findings, and what the detector wrote since the monitor started (the footer's alerts).
 * Every statement is bounded by observed_at, which the table indexes; detected_at only filters within that hour.
 *
 * Polls never overlap; a failed poll keeps the last data, says why and retries with a growing delay. The poller
 * has its own executor (the prompt's runs one statement at a time and must stay free for the person).
 */
import type { Config } from '../config/config.ts';
import { createQueryExecutor } from '../query/executor.ts';
import type { QueryExecutor } from '../query/executor.ts';
import { findingQuery, plazaQuery } from '../query/findings.ts';
import { describeFailure } from '../query/outcome.ts';
import type { QueryOutcome } from '../query/outcome.ts';
import { readerUrl } from '../stack/reader.ts';
import type { Logger } from '../util/log.ts';
import { ThrottledStore } from '../util/store.ts';
import type { ReadableStore } from '../util/store.ts';
import { RULE_ORDER, WINDOW_MINUTES, emptyAnomaliesSnapshot } from '../../components/anomalies/types.ts';
import type {
  AnomaliesSnapshot,
  FeedStatus,
  Finding,
  RecentFindings,
  RuleActivity,
} from '../../components/anomalies/types.ts';

export const POLL_MS = 2000;
export const NEWEST_LIMIT = 50;
export const SURGE_LIMIT = 10;
/** The footer's per-minute alerts count what the detector wrote in this much wall-clock time. */
export const RECENT_MS = 60_000;
const MAX_RETRY_MS = 30_000;
const MINUTE_MS = 60_000;
/** The feed's own cap; its largest result is rules × minutes. */
const FEED_ROW_CAP = 1000;

export type RunStatement = (sql: string, params: unknown[]) => Promise<QueryOutcome>;

const FINDING_COLUMNS =
  'anomaly_id, rule, plaza_id, vehicle_id, event_id, observed_at, detected_at, amount_cents, expected, observed';

export const FEED_SQL = {
  newest: 'SELECT MAX(observed_at) AS newest FROM anomalies',
  perMinute: `SELECT rule, TIMESTAMPDIFF(MINUTE, ?, observed_at) AS minute, COUNT(*) AS findings,
  SUM(detected_at >= ?) AS recent, SUM(IF(detected_at >= ?, amount_cents, 0)) AS recent_cents
FROM anomalies
WHERE observed_at >= ? AND observed_at < ?
GROUP BY rule, minute`,
  latest: `SELECT ${FINDING_COLUMNS}
FROM anomalies
WHERE observed_at >= ? AND observed_at < ?
ORDER BY detected_at DESC, observed_at DESC, anomaly_id DESC
LIMIT ${NEWEST_LIMIT}`,
  surges: `SELECT ${FINDING_COLUMNS}
FROM anomalies
WHERE rule = 'surge' AND observed_at >= ? AND observed_at < ? AND detected_at >= ?
ORDER BY detected_at DESC, anomaly_id DESC
LIMIT ${SURGE_LIMIT}`,
} as const;

/** A statement the server did not answer with rows: the message says why, in the query layer's words. */
class FeedError extends Error {
  override name = 'FeedError';
}

async function rows(run: RunStatement, sql: string, params: unknown[]): Promise<unknown[][]> {
  const outcome = await run(sql, params);
  if (outcome.kind === 'rows') return outcome.rows;
  throw new FeedError(describeFailure(outcome) ?? outcome.kind);
}

function num(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isFinite(n) ? n : null;
}

function ms(v: unknown): number | null {
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.getTime();
  return v === null || v === undefined ? null : num(v);
}

function text(v: unknown): string | null {
  return v === null || v === undefined ? null : String(v);
}

export function toFinding(r: readonly unknown[]): Finding {
  const base = {
    anomalyId: String(r[0]),
    rule: String(r[1]),
    plazaId: num(r[2]),
    vehicleId: text(r[3]),
    eventId: text(r[4]),
    observedAtMs: ms(r[5]) ?? 0,
    detectedAtMs: ms(r[6]) ?? 0,
    amountCents: num(r[7]),
    expected: num(r[8]),
    observed: num(r[9]),
  };
  return { ...base, query: findingQuery(base), plazaQuery: plazaQuery(base) };
}

function ruleRank(rule: string): number {
  const i = (RULE_ORDER as readonly string[]).indexOf(rule);
  return i === -1 ? RULE_ORDER.length : i;
}

function ruleOrder(a: string, b: string): number {
  return ruleRank(a) - ruleRank(b) || a.localeCompare(b);
}

/** Per-rule activity and the recent counts from the per-minute rows; every listed rule, with zeros. */
export function ruleActivity(perMinute: readonly unknown[][]): {
  rules: RuleActivity[];
  recent: RecentFindings[];
} {
  const byRule = new Map<string, RuleActivity>();
  const recent = new Map<string, RecentFindings>();
  const activity = (rule: string): RuleActivity => {
    let a = byRule.get(rule);
    if (!a) byRule.set(rule, (a = { rule, total: 0, perMinute: Array<number>(WINDOW_MINUTES).fill(0) }));
    return a;
  };
  for (const rule of RULE_ORDER) activity(rule);
  for (const r of perMinute) {
    const rule = String(r[0]);
    const minute = num(r[1]) ?? -1;
    const findings = num(r[2]) ?? 0;
    const a = activity(rule);
    a.total += findings;
    if (minute >= 0 && minute < WINDOW_MINUTES) a.perMinute[minute]! += findings;
    const n = num(r[3]) ?? 0;
    if (n > 0) {
      const seen = recent.get(rule) ?? { rule, findings: 0, amountCents: 0 };
      seen.findings += n;
      seen.amountCents += num(r[4]) ?? 0;
      recent.set(rule, seen);
    }
  }
  return {
    rules: [...byRule.values()].sort((a, b) => ruleOrder(a.rule, b.rule)),
    recent: [...recent.values()].sort((a, b) => ruleOrder(a.rule, b.rule)),
  };
}

/** One poll: the snapshot's data as of `now`. */
export async function readAnomalies(
  run: RunStatement,
  startedAt: number,
  now: number,
): Promise<Omit<AnomaliesSnapshot, 'status'>> {
  const newest = ms((await rows(run, FEED_SQL.newest, []))[0]?.[0]);
  if (newest === null) return { ...emptyAnomaliesSnapshot(), readAt: now };
  const endMs = Math.floor(newest / MINUTE_MS) * MINUTE_MS + MINUTE_MS;
  const startMs = endMs - WINDOW_MINUTES * MINUTE_MS;
  const start = new Date(startMs);
  const end = new Date(endMs);
  const since = new Date(Math.max(startedAt, now - RECENT_MS));
  const perMinute = await rows(run, FEED_SQL.perMinute, [start, since, since, start, end]);
  const latest = await rows(run, FEED_SQL.latest, [start, end]);
  const surges = await rows(run, FEED_SQL.surges, [start, end, new Date(startedAt)]);
  return {
    readAt: now,
    window: { startMs, endMs },
    ...ruleActivity(perMinute),
    newest: latest.map(toFinding),
    surges: surges.map(toFinding),
  };
}

export interface AnomalyFeed {
  store: ReadableStore<AnomaliesSnapshot>;
  /** Starts polling (idempotent). */
  start(): void;
  /** Stops polling, waits for a poll in flight, closes the executor (idempotent). */
  stop(): Promise<void>;
  /** One poll now (tests); resolves once its snapshot is published. */
  poll(): Promise<void>;
}

export interface AnomalyFeedOptions {
  run: RunStatement;
  startedAt: number;
  intervalMs?: number;
  clock?: () => number;
  logger?: Logger;
  close?: () => Promise<void>;
  /** Set when the feed cannot run at all (no read-only account): shown instead of polling. */
  unavailable?: string;
}

function sameData(a: Omit<AnomaliesSnapshot, 'status' | 'readAt'>, b: AnomaliesSnapshot): boolean {
  return (
    JSON.stringify([a.window, a.rules, a.newest, a.recent, a.surges]) ===
    JSON.stringify([b.window, b.rules, b.newest, b.recent, b.surges])
  );
}

export function createAnomalyFeed({
  run,
  startedAt,
  intervalMs = POLL_MS,
  clock = Date.now,
  logger,
  close,
  unavailable,
}: AnomalyFeedOptions): AnomalyFeed {
  let current = emptyAnomaliesSnapshot(
    unavailable ? { kind: 'error', message: unavailable, retryInMs: null } : { kind: 'idle' },
  );
  const store = new ThrottledStore(() => current, 0);
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> | null = null;
  let started = false;
  let stopped = false;
  let failures = 0;

  const publish = (next: AnomaliesSnapshot): void => {
    current = next;
    store.touch();
    store.flush();
  };

  const setStatus = (status: FeedStatus): void => {
    if (JSON.stringify(status) !== JSON.stringify(current.status)) publish({ ...current, status });
  };

  const pollOnce = async (): Promise<number> => {
    try {
      const data = await readAnomalies(run, startedAt, clock());
      if (failures > 0) logger?.info('anomalies readable again');
      failures = 0;
      if (current.status.kind !== 'running' || !sameData(data, current)) {
        publish({ ...data, status: { kind: 'running' } });
      }
      return intervalMs;
    } catch (e) {
      failures++;
      const retryInMs = Math.min(MAX_RETRY_MS, intervalMs * 2 ** failures);
      const message = e instanceof Error ? e.message : String(e);
      if (failures === 1) logger?.warn(`cannot read the anomalies table: ${message}`);
      setStatus({ kind: 'error', message, retryInMs });
      return retryInMs;
    }
  };

  const poll = (): Promise<void> => {
    inFlight ??= pollOnce()
      .then((delay) => {
        if (started && !stopped) schedule(delay);
      })
      .finally(() => {
        inFlight = null;
      });
    return inFlight;
  };

  const schedule = (delay: number): void => {
    clearTimeout(timer);
    timer = setTimeout(() => void poll(), delay);
    timer.unref();
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

/** The monitor's feed on the configured server, as the SELECT-only account. */
export function createMonitorAnomalyFeed(config: Config, logger: Logger, startedAt: number): AnomalyFeed {
  let executor: QueryExecutor;
  try {
    executor = createQueryExecutor({
      url: readerUrl(config),
      timeoutMs: config.run.queryTimeoutMs,
      rowCap: FEED_ROW_CAP,
      ssl: config.mysql.ssl,
      ...(config.mysql.sslCaFile ? { sslCaFile: config.mysql.sslCaFile } : {}),
      logger,
    });
  } catch (e) {
    return createAnomalyFeed({
      run: () => Promise.reject(e as Error),
      startedAt,
      unavailable: (e as Error).message,
    });
  }
  return createAnomalyFeed({
    run: (sql, params) => executor.run(sql, { params }),
    startedAt,
    logger,
    close: () => executor.close(),
  });
}
