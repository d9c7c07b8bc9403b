/**
 * Rollups: passages per plaza, bucket and vehicle class (traffic_minute, traffic_hour) and payments with their
 * amount per plaza, bucket, method and currency (revenue_minute, revenue_hour). A bucket is the UTC minute or
 * hour a row's passed_at / paid_at falls in. They change only in the transactions that change the rows they count
 * (the sink's chunk, a replace run's swap, the version 4 upgrade), so they are exactly once like the rows.
 *
 * Two ways to the same numbers: the sink tallies its rows in memory (RollupTally) and adds one row per bucket;
 * the swap and the upgrade let MySQL group the rows (addRollupsOf / subtractRollupsOf). Both take the bucket from
 * the DATETIME text ("2021-08-19 21:54:38.250" is in minute "2021-08-19 21:54:00" and hour "2021-08-19 21:00:00").
 */
import type { Transaction } from './db.ts';

export type Grain = 'minute' | 'hour';
export const GRAINS: readonly Grain[] = ['minute', 'hour'];

/** The bucket of a DATETIME literal 'YYYY-MM-DD HH:MM:SS[.fff]' (as the sink writes passed_at and paid_at). */
export function bucketOf(sqlTime: string, grain: Grain): string {
  return grain === 'minute' ? `${sqlTime.slice(0, 16)}:00` : `${sqlTime.slice(0, 13)}:00:00`;
}

/** The same bucket computed by MySQL from a DATETIME column. */
export function bucketSql(column: string, grain: Grain): string {
  const format = grain === 'minute' ? '%Y-%m-%d %H:%i:00' : '%Y-%m-%d %H:00:00';
  return `CAST(DATE_FORMAT(${column}, '${format}') AS DATETIME)`;
}

export type RollupKind = 'traffic' | 'revenue';

const table = (kind: RollupKind, grain: Grain): string => `${kind}_${grain}`;

interface TrafficCount {
  plazaId: number;
  bucket: string;
  vehicleType: string;
  passages: number;
}

interface RevenueCount {
  plazaId: number;
  bucket: string;
  method: string;
  currency: string;
  payments: number;
  amountCents: number;
}

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The rollup rows of one transaction's inserts, counted per minute as rows are added; hours are summed from the
 * minutes when the rows are written. Rows come out in primary-key order, so concurrent transactions that touch
 * the same rollup rows lock them in the same order.
 */
export class RollupTally {
  private readonly traffic = new Map<string, TrafficCount>();
  private readonly revenue = new Map<string, RevenueCount>();

  /** `passedAt`: the DATETIME literal written to passages.passed_at. */
  passage(plazaId: number, passedAt: string, vehicleType: string): void {
    const bucket = bucketOf(passedAt, 'minute');
    const key = `${plazaId}|${bucket}|${vehicleType}`;
    const held = this.traffic.get(key);
    if (held) held.passages++;
    else this.traffic.set(key, { plazaId, bucket, vehicleType, passages: 1 });
  }

  /** `paidAt`: the DATETIME literal written to payments.paid_at. */
  payment(plazaId: number, paidAt: string, method: string, currency: string, amountCents: number): void {
    const bucket = bucketOf(paidAt, 'minute');
    const key = `${plazaId}|${bucket}|${method}|${currency}`;
    const held = this.revenue.get(key);
    if (held) {
      held.payments++;
      held.amountCents += amountCents;
    } else this.revenue.set(key, { plazaId, bucket, method, currency, payments: 1, amountCents });
  }

  get empty(): boolean {
    return this.traffic.size === 0 && this.revenue.size === 0;
  }

  /** [plaza_id, bucket, vehicle_type, passages] in primary-key order. */
  trafficRows(grain: Grain): [number, string, string, number][] {
    let counts = [...this.traffic.values()];
    if (grain === 'hour') {
      const hours = new Map<string, TrafficCount>();
      for (const c of counts) {
        const bucket = bucketOf(c.bucket, 'hour');
        const key = `${c.plazaId}|${bucket}|${c.vehicleType}`;
        const held = hours.get(key);
        if (held) held.passages += c.passages;
        else hours.set(key, { ...c, bucket });
      }
      counts = [...hours.values()];
    }
    return counts
      .sort(
        (a, b) =>
          a.plazaId - b.plazaId ||
          compareText(a.bucket, b.bucket) ||
          compareText(a.vehicleType, b.vehicleType),
      )
      .map((c) => [c.plazaId, c.bucket, c.vehicleType, c.passages]);
  }

  /** [plaza_id, bucket, method, currency, payments, amount_cents] in primary-key order. */
  revenueRows(grain: Grain): [number, string, string, string, number, number][] {
    let counts = [...this.revenue.values()];
    if (grain === 'hour') {
      const hours = new Map<string, RevenueCount>();
      for (const c of counts) {
        const bucket = bucketOf(c.bucket, 'hour');
        const key = `${c.plazaId}|${bucket}|${c.method}|${c.currency}`;
        const held = hours.get(key);
        if (held) {
          held.payments += c.payments;
          held.amountCents += c.amountCents;
        } else hours.set(key, { ...c, bucket });
      }
      counts = [...hours.values()];
    }
    return counts
      .sort(
        (a, b) =>
          a.plazaId - b.plazaId ||
          compareText(a.bucket, b.bucket) ||
          compareText(a.method, b.method) ||
          compareText(a.currency, b.currency),
      )
      .map((c) => [c.plazaId, c.bucket, c.method, c.currency, c.payments, c.amountCents]);
  }
}

const TRAFFIC_COLUMNS = ['plaza_id', 'bucket', 'vehicle_type', 'passages'];
const REVENUE_COLUMNS = ['plaza_id', 'bucket', 'method', 'currency', 'payments', 'amount_cents'];
/** Adds to the row a bucket already has; qualified, as the SELECT that feeds an INSERT has columns of these names. */
const addTo = (kind: RollupKind, target: string): string =>
  kind === 'traffic'
    ? `ON DUPLICATE KEY UPDATE ${target}.passages = ${target}.passages + VALUES(passages)`
    : `ON DUPLICATE KEY UPDATE ${target}.payments = ${target}.payments + VALUES(payments), ${target}.amount_cents = ${target}.amount_cents + VALUES(amount_cents)`;

/** Adds the tally to the rollups, inside the transaction that inserted its rows. */
export async function writeTally(tx: Transaction, tally: RollupTally): Promise<void> {
  if (tally.empty) return;
  for (const grain of GRAINS) {
    const traffic = tally.trafficRows(grain);
    const trafficTable = table('traffic', grain);
    if (traffic.length)
      await tx.insertMany(trafficTable, TRAFFIC_COLUMNS, traffic, { suffix: addTo('traffic', trafficTable) });
    const revenue = tally.revenueRows(grain);
    const revenueTable = table('revenue', grain);
    if (revenue.length)
      await tx.insertMany(revenueTable, REVENUE_COLUMNS, revenue, { suffix: addTo('revenue', revenueTable) });
  }
}

/**
 * Rows of passages or payments (or their staging tables, which have the same columns) chosen by `where`; a
 * replace run's swap and the upgrade hand these to MySQL to group.
 */
export interface RowSelection {
  kind: RollupKind;
  /** passages / passages_staging for traffic, payments / payments_staging for revenue. */
  table: string;
  where: string;
  params: unknown[];
}

/** SELECT plaza_id, bucket, <class columns>, <counts> of the selection, grouped per bucket of `grain`. */
function grouped({ kind, table: from, where }: RowSelection, grain: Grain): string {
  if (kind === 'traffic') {
    return `SELECT plaza_id, ${bucketSql('passed_at', grain)} AS bucket, vehicle_type, COUNT(*) AS passages
      FROM ${from} WHERE ${where} GROUP BY plaza_id, bucket, vehicle_type`;
  }
  return `SELECT plaza_id, ${bucketSql('paid_at', grain)} AS bucket, method, currency, COUNT(*) AS payments,
      SUM(amount_cents) AS amount_cents
    FROM ${from} WHERE ${where} GROUP BY plaza_id, bucket, method, currency`;
}

const joinOn = (kind: RollupKind): string =>
  `t.plaza_id = d.plaza_id AND t.bucket = d.bucket AND ${
    kind === 'traffic' ? 't.vehicle_type = d.vehicle_type' : 't.method = d.method AND t.currency = d.currency'
  }`;

/** Adds the selected rows to both grains of their rollups (rows that are, or are about to be, in the live table). */
export async function addRollupsOf(tx: Transaction, rows: RowSelection): Promise<void> {
  for (const grain of GRAINS) {
    const columns = (rows.kind === 'traffic' ? TRAFFIC_COLUMNS : REVENUE_COLUMNS).join(', ');
    const target = table(rows.kind, grain);
    // Through a derived table: MySQL refuses VALUES() in the ON DUPLICATE KEY UPDATE of a grouped SELECT.
    await tx.execute(
      `INSERT INTO ${target} (${columns}) SELECT ${columns} FROM (${grouped(rows, grain)}) d ${addTo(rows.kind, target)}`,
      rows.params,
    );
  }
}

/**
 * Takes the selected rows (about to leave the live table) out of both grains of their rollups. A rollup row
 * that counts no more than the selection is deleted (GROUP BY over the live table has no empty groups); the
 * others are lowered. Never below zero: rows a rollup did not count (written by a sink older than version 4 after
 * the upgrade) leave it at least at zero instead of failing the swap.
 */
export async function subtractRollupsOf(tx: Transaction, rows: RowSelection): Promise<void> {
  const [count, lower] =
    rows.kind === 'traffic'
      ? ['passages', 't.passages = t.passages - d.passages']
      : [
          'payments',
          't.payments = t.payments - d.payments, t.amount_cents = t.amount_cents - LEAST(t.amount_cents, d.amount_cents)',
        ];
  for (const grain of GRAINS) {
    const target = table(rows.kind, grain);
    const d = `(${grouped(rows, grain)}) d ON ${joinOn(rows.kind)}`;
    await tx.execute(`DELETE t FROM ${target} t JOIN ${d} WHERE t.${count} <= d.${count}`, rows.params);
    await tx.execute(`UPDATE ${target} t JOIN ${d} SET ${lower}`, rows.params);
  }
}

/**
 * Counts every row of passages and payments afresh: the version 4 upgrade of a database whose rows were written
 * before the sink kept rollups.
 */
export async function rebuildRollups(tx: Transaction): Promise<void> {
  for (const kind of ['traffic', 'revenue'] as const)
    for (const grain of GRAINS) await tx.execute(`DELETE FROM ${table(kind, grain)}`);
  await addRollupsOf(tx, { kind: 'traffic', table: 'passages', where: 'TRUE', params: [] });
  await addRollupsOf(tx, { kind: 'revenue', table: 'payments', where: 'TRUE', params: [] });
}
