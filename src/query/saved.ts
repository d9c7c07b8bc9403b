/**
 * Saved queries: the classic questions about toll traffic, with named parameters and defaults. Parameters are
 * validated here and bound as values (`:name` becomes `?`), never pasted into the SQL text.
 *
 * Time windows default to the last `hours` hours that have data (ending at the newest row), not the wall clock,
 * so replays of 2021 data answer as well as a live simulator. `from` / `to` (UTC unless a zone is given) pin the
 * window instead; it is half-open: from <= t < to.
 *
 * The per-hour and per-minute queries read the rollups (traffic_hour, revenue_hour, traffic_minute), not the rows:
 * their window is made of whole buckets, a bucket counting when it starts inside the window (the default window
 * is the last `hours` buckets up to the newest one).
 */
import { parseIso } from '../domain/iso.ts';
import { bindNamed } from './statement.ts';

export type ParamKind = 'datetime' | 'int' | 'text';

export interface SavedParam {
  name: string;
  kind: ParamKind;
  description: string;
  /** Used when the parameter is not given; null means "no value" (the SQL decides); undefined means required. */
  default?: string | number | null;
  min?: number;
  max?: number;
}

export interface SavedQuery {
  name: string;
  description: string;
  params: SavedParam[];
  sql: string;
}

export class ParamError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ParamError';
  }
}

const windowParams: SavedParam[] = [
  {
    name: 'hours',
    kind: 'int',
    min: 1,
    max: 24 * 366,
    default: 24,
    description: 'window length when from is not given',
  },
  { name: 'from', kind: 'datetime', default: null, description: 'window start (default: to minus hours)' },
  {
    name: 'to',
    kind: 'datetime',
    default: null,
    description: 'window end, exclusive (default: just after the newest row)',
  },
];

/**
 * `column` within the window of :from / :to / :hours (or :minutes with `unit` MINUTE); the newest row is
 * MAX(`newest`) of `table`.
 */
function windowOn(column: string, table: string, newest = column, unit: 'HOUR' | 'MINUTE' = 'HOUR'): string {
  const end = `COALESCE(:to, (SELECT MAX(${newest}) FROM ${table}) + INTERVAL 1 SECOND)`;
  const length = unit === 'HOUR' ? ':hours' : ':minutes';
  return `${column} >= COALESCE(:from, ${end} - INTERVAL ${length} ${unit}) AND ${column} < ${end}`;
}

const plazaParam: SavedParam = {
  name: 'plaza',
  kind: 'int',
  min: 1,
  max: 65_535,
  default: null,
  description: 'only this plaza',
};

const limit = (fallback: number): SavedParam => ({
  name: 'limit',
  kind: 'int',
  min: 1,
  max: 100_000,
  default: fallback,
  description: 'rows to return',
});

export const SAVED_QUERIES: readonly SavedQuery[] = [
  {
    name: 'traffic-per-hour',
    description: 'passages per plaza per hour (UTC)',
    params: [...windowParams, plazaParam],
    sql: `SELECT DATE_FORMAT(bucket, '%Y-%m-%d %H:00') AS hour_utc, plaza_id, SUM(passages) AS passages
FROM traffic_hour
WHERE ${windowOn('bucket', 'traffic_hour')} AND (:plaza IS NULL OR plaza_id = :plaza)
GROUP BY bucket, plaza_id
ORDER BY bucket, plaza_id`,
  },
  {
    name: 'vehicle-mix',
    description: 'passages per vehicle type and their share',
    params: windowParams,
    sql: `SELECT vehicle_type, COUNT(*) AS passages, ROUND(100 * COUNT(*) / SUM(COUNT(*)) OVER (), 1) AS share_pct
FROM passages
WHERE ${windowOn('passed_at', 'passages')}
GROUP BY vehicle_type
ORDER BY passages DESC, vehicle_type`,
  },
  {
    name: 'busiest-plazas',
    description: 'plazas with the most passages in a window',
    params: [...windowParams, limit(10)],
    sql: `SELECT p.plaza_id, z.name, COUNT(*) AS passages
FROM passages p LEFT JOIN plazas z ON z.plaza_id = p.plaza_id
WHERE ${windowOn('p.passed_at', 'passages', 'passed_at')}
GROUP BY p.plaza_id, z.name
ORDER BY passages DESC, p.plaza_id
LIMIT :limit`,
  },
  {
    name: 'vehicle-passages',
    description: "one vehicle's passages, newest first, with what it paid",
    params: [{ name: 'vehicle', kind: 'text', description: 'the vehicle id' }, limit(100)],
    sql: `SELECT p.passed_at, p.plaza_id, p.lane, p.vehicle_type, p.axles, pay.method, pay.amount_cents, p.event_id
FROM passages p LEFT JOIN payments pay ON pay.event_id = p.event_id
WHERE p.vehicle_id = :vehicle
ORDER BY p.passed_at DESC, p.event_id
LIMIT :limit`,
  },
  {
    name: 'revenue',
    description: 'payments and revenue per plaza and payment method',
    params: windowParams,
    sql: `SELECT plaza_id, method, currency, SUM(payments) AS payments, SUM(amount_cents) AS amount_cents,
  ROUND(SUM(amount_cents) / 100, 2) AS amount
FROM revenue_hour
WHERE ${windowOn('bucket', 'revenue_hour')}
GROUP BY plaza_id, method, currency
ORDER BY plaza_id, amount_cents DESC, method`,
  },
  {
    name: 'livetolldata',
    description: 'latest rows of the classic livetolldata view',
    params: [limit(20)],
    sql: `SELECT \`timestamp\`, vehicle_id, vehicle_type, toll_plaza_id
FROM livetolldata
ORDER BY \`timestamp\` DESC, vehicle_id
LIMIT :limit`,
  },
  {
    name: 'traffic-per-minute',
    description: 'passages per plaza per minute (UTC), by default the last hour',
    params: [
      {
        name: 'minutes',
        kind: 'int',
        min: 1,
        max: 24 * 60,
        default: 60,
        description: 'window length when from is not given',
      },
      {
        name: 'from',
        kind: 'datetime',
        default: null,
        description: 'window start (default: to minus minutes)',
      },
      {
        name: 'to',
        kind: 'datetime',
        default: null,
        description: 'window end, exclusive (default: just after the newest minute)',
      },
      plazaParam,
    ],
    sql: `SELECT DATE_FORMAT(bucket, '%Y-%m-%d %H:%i') AS minute_utc, plaza_id, SUM(passages) AS passages
FROM traffic_minute
WHERE ${windowOn('bucket', 'traffic_minute', 'bucket', 'MINUTE')} AND (:plaza IS NULL OR plaza_id = :plaza)
GROUP BY bucket, plaza_id
ORDER BY bucket, plaza_id`,
  },
  {
    name: 'revenue-per-hour',
    description: 'payments and revenue per plaza per hour (UTC) and currency',
    params: [...windowParams, plazaParam],
    sql: `SELECT DATE_FORMAT(bucket, '%Y-%m-%d %H:00') AS hour_utc, plaza_id, currency, SUM(payments) AS payments,
  SUM(amount_cents) AS amount_cents, ROUND(SUM(amount_cents) / 100, 2) AS amount
FROM revenue_hour
WHERE ${windowOn('bucket', 'revenue_hour')} AND (:plaza IS NULL OR plaza_id = :plaza)
GROUP BY bucket, plaza_id, currency
ORDER BY bucket, plaza_id, currency`,
  },
  {
    name: 'anomalies-per-rule-per-day',
    description: 'anomaly findings per rule per day (UTC), with the amount at stake',
    params: [{ ...windowParams[0]!, default: 7 * 24 }, ...windowParams.slice(1)],
    sql: `SELECT DATE_FORMAT(observed_at, '%Y-%m-%d') AS day_utc, rule, COUNT(*) AS findings,
  COUNT(DISTINCT plaza_id) AS plazas, SUM(amount_cents) AS amount_cents
FROM anomalies
WHERE ${windowOn('observed_at', 'anomalies')}
GROUP BY day_utc, rule
ORDER BY day_utc, rule`,
  },
  {
    name: 'top-plazas-by-unpaid-amount',
    description:
      'plazas by the amount not paid: tariffs of unpaid passages plus shortfalls of short payments',
    params: [...windowParams, limit(10)],
    sql: `SELECT a.plaza_id, z.name, z.currency,
  SUM(a.rule = 'unpaid') AS unpaid, SUM(IF(a.rule = 'unpaid', a.amount_cents, 0)) AS unpaid_cents,
  SUM(a.rule = 'short-payment') AS short_payments,
  SUM(IF(a.rule = 'short-payment', a.amount_cents, 0)) AS short_cents,
  COALESCE(SUM(a.amount_cents), 0) AS not_paid_cents,
  SUM(a.rule = 'unpaid' AND a.amount_cents IS NULL) AS unpaid_without_tariff
FROM anomalies a LEFT JOIN plazas z ON z.plaza_id = a.plaza_id
WHERE a.rule IN ('unpaid', 'short-payment') AND ${windowOn('a.observed_at', 'anomalies', 'observed_at')}
GROUP BY a.plaza_id, z.name, z.currency
ORDER BY not_paid_cents DESC, unpaid DESC, a.plaza_id
LIMIT :limit`,
  },
];

export function findSaved(name: string): SavedQuery | undefined {
  return SAVED_QUERIES.find((q) => q.name === name);
}

/** Parses `--param k=v` items (repeatable). */
export function parseParamFlags(items: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items) {
    const i = item.indexOf('=');
    if (i <= 0) throw new ParamError(`--param ${JSON.stringify(item)}: expected name=value`);
    out[item.slice(0, i).trim()] = item.slice(i + 1);
  }
  return out;
}

function parseValue(p: SavedParam, raw: string): unknown {
  switch (p.kind) {
    case 'int': {
      const n = /^-?\d+$/.test(raw.trim()) ? Number(raw) : NaN;
      if (!Number.isSafeInteger(n) || n < (p.min ?? -Infinity) || n > (p.max ?? Infinity)) {
        throw new ParamError(`--param ${p.name}=${raw}: expected an integer from ${p.min} to ${p.max}`);
      }
      return n;
    }
    case 'datetime': {
      const date = parseIso(raw);
      if (!date.ok) {
        throw new ParamError(
          `--param ${p.name}=${raw}: ${date.shaped ? `${date.reason}; ` : ''}expected a date like 2021-08-19 or 2021-08-19T21:00:00 (UTC unless a zone is given)`,
        );
      }
      return new Date(date.ms);
    }
    case 'text': {
      if (raw.length < 1 || raw.length > 64 || /\p{Cc}/u.test(raw)) {
        throw new ParamError(`--param ${p.name}: expected 1 to 64 printable characters`);
      }
      return raw;
    }
    default: {
      const never: never = p.kind;
      throw new Error(`unknown parameter kind ${String(never)}`);
    }
  }
}

/** Validated values for every parameter of `query`, defaults filled in. */
export function resolveParams(
  query: SavedQuery,
  given: Readonly<Record<string, string>>,
): Record<string, unknown> {
  const known = new Map(query.params.map((p) => [p.name, p]));
  for (const name of Object.keys(given)) {
    if (!known.has(name)) {
      const names = query.params.map((p) => p.name).join(', ') || 'none';
      throw new ParamError(`${query.name} has no parameter "${name}" (parameters: ${names})`);
    }
  }
  const values: Record<string, unknown> = {};
  for (const p of query.params) {
    const raw = given[p.name];
    if (raw !== undefined) values[p.name] = parseValue(p, raw);
    else if (p.default === undefined)
      throw new ParamError(`${query.name} needs --param ${p.name}=... (${p.description})`);
    else values[p.name] = p.default;
  }
  return values;
}

export interface PreparedQuery {
  query: SavedQuery;
  sql: string;
  values: unknown[];
}

export function prepareSaved(query: SavedQuery, given: Readonly<Record<string, string>>): PreparedQuery {
  return { query, ...bindNamed(query.sql, resolveParams(query, given)) };
}
