/**
 * How fast the saved queries that read the rollups answer over a long history. Fills the four rollup tables of a
 * database of its own (dropped and created again) as the sink would have filled them for `--passages` passages at
 * `--plazas` plazas over the `--days` days before `--end`, then times each saved query that reads them.
 *
 *   node --import tsx scripts/rollup-history.ts [--passages 50000000] [--plazas 40] [--days 92]
 *       [--end 2026-01-01] [--database tollstream_rollup_bench] [--seed 12] [--runs 7] [--queries-only]
 *
 * The history: every passage is drawn one by one (seeded) and counted in its plaza's minute and hour, the way the
 * sink tallies rows. Passages per plaza and minute are Poisson around a rate that follows the hour of the week
 * (morning and evening peaks on weekdays, flatter weekends, quiet nights) and the plaza's size (Zipf-like: a
 * few busy plazas, many small ones). Each passage gets a class (car 78 %, truck 10 %, van 7 %, bus 3 %,
 * motorcycle 2 %); 97 % are paid, in the same minute, by e-tag 72 %, cash 14 % or card 14 %, at the class's tariff
 * in USD. No passages or payments rows are written: the queries under test do not read them.
 *
 * Rows are loaded in primary-key order with LOAD DATA; the bucket indexes are built after the load. The MySQL
 * URL is the usual one (--mysql-url, TOLLSTREAM_MYSQL_URL, config), with the database replaced.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config/config.ts';
import { findSaved, prepareSaved } from '../src/query/saved.ts';
import { Storage } from '../src/storage/db.ts';
import { applySchema } from '../src/storage/schema.ts';

const { values: opts } = parseArgs({
  options: {
    passages: { type: 'string', default: '50000000' },
    plazas: { type: 'string', default: '40' },
    days: { type: 'string', default: '92' },
    end: { type: 'string', default: '2026-01-01' },
    database: { type: 'string', default: 'tollstream_rollup_bench' },
    seed: { type: 'string', default: '12' },
    runs: { type: 'string', default: '7' },
    'mysql-url': { type: 'string' },
    'queries-only': { type: 'boolean', default: false },
  },
});

const PASSAGES = Number(opts.passages);
const PLAZAS = Number(opts.plazas);
const DAYS = Number(opts.days);
const END = Date.parse(opts.end);
const RUNS = Number(opts.runs);
const DATABASE = opts.database;
if (!/bench/.test(DATABASE))
  throw new Error(`--database ${DATABASE}: the database is dropped; its name must say "bench"`);
if (![PASSAGES, PLAZAS, DAYS, END, RUNS].every(Number.isFinite)) throw new Error('bad numeric option');

const TYPES = ['car', 'truck', 'van', 'bus', 'motorcycle'] as const;
const TYPE_SHARE = [0.78, 0.1, 0.07, 0.03, 0.02];
const TARIFF = [450, 1275, 600, 900, 225];
const METHODS = ['e-tag', 'cash', 'card'] as const;
const METHOD_SHARE = [0.72, 0.14, 0.14];
const PAID = 0.97;

/** mulberry32: small and seeded, enough for counts. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const cumulative = (shares: number[]): number[] =>
  shares.map((_, i) => shares.slice(0, i + 1).reduce((a, b) => a + b));
const TYPE_CUM = cumulative(TYPE_SHARE);
const METHOD_CUM = cumulative(METHOD_SHARE);
const pick = (cum: number[], u: number): number => {
  let i = 0;
  while (i < cum.length - 1 && u >= cum[i]!) i++;
  return i;
};

/** Knuth's method below 40, a rounded normal above (plenty for traffic counts). */
function poisson(lambda: number, random: () => number): number {
  if (lambda < 40) {
    const limit = Math.exp(-lambda);
    let k = 0;
    let p = random();
    while (p > limit) {
      k++;
      p *= random();
    }
    return k;
  }
  const z = Math.sqrt(-2 * Math.log(random() || 1e-12)) * Math.cos(2 * Math.PI * random());
  return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * z));
}

/** Relative traffic in an hour of the week (0 = Monday 00:00 UTC). */
function hourWeight(hourOfWeek: number): number {
  const day = Math.floor(hourOfWeek / 24);
  const h = hourOfWeek % 24;
  const night = h < 5 ? 0.15 : h < 6 ? 0.4 : h >= 22 ? 0.35 : 1;
  if (day >= 5) return night * (h >= 10 && h < 19 ? 1.1 : 0.8);
  const peak = h >= 7 && h < 10 ? 2.2 : h >= 16 && h < 19 ? 2 : 1;
  return night * peak;
}

const sqlTime = (ms: number): string => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');

async function generate(storage: Storage): Promise<{ passages: number; rows: Record<string, number> }> {
  const random = rng(Number(opts.seed));
  const start = END - DAYS * 86_400_000;
  const minutes = DAYS * 1440;
  const plazaWeight = Array.from({ length: PLAZAS }, (_, i) => 1 / Math.pow(i + 1, 0.6));
  const plazaTotal = plazaWeight.reduce((a, b) => a + b);
  // Monday 00:00 UTC before the start: hours of the week count from there.
  const monday = Date.UTC(1970, 0, 5);
  const hourOfWeek = (ms: number): number => Math.floor((ms - monday) / 3_600_000) % 168;
  let weightTotal = 0;
  for (let m = 0; m < minutes; m++) weightTotal += hourWeight(hourOfWeek(start + m * 60_000));

  const buffers: Record<string, unknown[][]> = {
    traffic_minute: [],
    traffic_hour: [],
    revenue_minute: [],
    revenue_hour: [],
  };
  const rows: Record<string, number> = {
    traffic_minute: 0,
    traffic_hour: 0,
    revenue_minute: 0,
    revenue_hour: 0,
  };
  const flush = async (table: string, force = false): Promise<void> => {
    const list = buffers[table]!;
    if (!list.length || (!force && list.length < 100_000)) return;
    const columns = table.startsWith('traffic')
      ? ['plaza_id', 'bucket', 'vehicle_type', 'passages']
      : ['plaza_id', 'bucket', 'method', 'currency', 'payments', 'amount_cents'];
    await storage.transaction((tx) => tx.insertRows(table, columns, list));
    rows[table]! += list.length;
    buffers[table] = [];
  };
  const push = async (table: string, row: unknown[]): Promise<void> => {
    buffers[table]!.push(row);
    await flush(table);
  };

  let passages = 0;
  const started = Date.now();
  for (let p = 0; p < PLAZAS; p++) {
    const plazaId = 1001 + p;
    const perWeight = (PASSAGES * plazaWeight[p]!) / plazaTotal / weightTotal;
    const hourTypes = new Array<number>(TYPES.length).fill(0);
    const hourPaid = new Array<number>(METHODS.length).fill(0);
    const hourAmount = new Array<number>(METHODS.length).fill(0);
    const types = new Array<number>(TYPES.length);
    const paid = new Array<number>(METHODS.length);
    const amount = new Array<number>(METHODS.length);
    for (let m = 0; m < minutes; m++) {
      const at = start + m * 60_000;
      const n = poisson(perWeight * hourWeight(hourOfWeek(at)), random);
      types.fill(0);
      paid.fill(0);
      amount.fill(0);
      for (let i = 0; i < n; i++) {
        const t = pick(TYPE_CUM, random());
        types[t]!++;
        if (random() < PAID) {
          const k = pick(METHOD_CUM, random());
          paid[k]!++;
          amount[k]! += TARIFF[t]!;
        }
      }
      passages += n;
      const bucket = sqlTime(at);
      for (let t = 0; t < TYPES.length; t++) {
        if (!types[t]) continue;
        hourTypes[t]! += types[t]!;
        await push('traffic_minute', [plazaId, bucket, TYPES[t], types[t]]);
      }
      for (let k = 0; k < METHODS.length; k++) {
        if (!paid[k]) continue;
        hourPaid[k]! += paid[k]!;
        hourAmount[k]! += amount[k]!;
        await push('revenue_minute', [plazaId, bucket, METHODS[k], 'USD', paid[k], amount[k]]);
      }
      if (m % 60 === 59) {
        const hour = sqlTime(at - 59 * 60_000);
        for (let t = 0; t < TYPES.length; t++)
          if (hourTypes[t]) await push('traffic_hour', [plazaId, hour, TYPES[t], hourTypes[t]]);
        for (let k = 0; k < METHODS.length; k++)
          if (hourPaid[k])
            await push('revenue_hour', [plazaId, hour, METHODS[k], 'USD', hourPaid[k], hourAmount[k]]);
        hourTypes.fill(0);
        hourPaid.fill(0);
        hourAmount.fill(0);
      }
    }
    process.stderr.write(
      `\rplaza ${p + 1}/${PLAZAS}: ${passages.toLocaleString('en')} passages, ${Math.round((Date.now() - started) / 1000)} s`,
    );
  }
  for (const table of Object.keys(buffers)) await flush(table, true);
  process.stderr.write('\n');
  return { passages, rows };
}

interface Case {
  name: string;
  params: Record<string, string>;
}

const CASES: Case[] = [
  { name: 'traffic-per-hour', params: {} },
  { name: 'traffic-per-hour', params: { plaza: '1001' } },
  { name: 'traffic-per-hour', params: { hours: '168' } },
  { name: 'traffic-per-hour', params: { hours: '720' } },
  { name: 'revenue', params: {} },
  { name: 'revenue', params: { hours: '168' } },
  { name: 'revenue-per-hour', params: {} },
  { name: 'traffic-per-minute', params: {} },
  { name: 'traffic-per-minute', params: { plaza: '1001', minutes: '1440' } },
];

async function timeQueries(storage: Storage): Promise<void> {
  const lines: string[] = [];
  for (const c of CASES) {
    const prepared = prepareSaved(findSaved(c.name)!, c.params);
    const times: number[] = [];
    let resultRows = 0;
    for (let i = 0; i <= RUNS; i++) {
      const t0 = process.hrtime.bigint();
      const rows = await storage.query(prepared.sql, prepared.values);
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
      resultRows = rows.length;
    }
    const first = times.shift()!;
    times.sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)]!;
    const explain = await storage.query<{ table: string; type: string; key: string | null; rows: string }>(
      `EXPLAIN ${prepared.sql}`,
      prepared.values,
    );
    // The plan of the rollup table read (the subqueries' MAX is answered from the index: no table).
    const plan = explain
      .filter((e) => e.table)
      .map((e) => `${e.table}: ${e.type} on ${e.key ?? '-'}, ~${e.rows} rows`)
      .join('; ');
    const label = `${c.name} ${Object.entries(c.params)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}`.trim();
    lines.push(
      `${label.padEnd(44)} ${String(resultRows).padStart(6)} rows  first ${first.toFixed(1).padStart(7)} ms  median ${median.toFixed(1).padStart(7)} ms  max ${times.at(-1)!.toFixed(1).padStart(7)} ms  ${plan}`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

async function tableSizes(storage: Storage): Promise<void> {
  const sizes = await storage.query<{ t: string; n: string; data: string; idx: string }>(
    `SELECT table_name AS t, table_rows AS n, ROUND(data_length / 1048576) AS data, ROUND(index_length / 1048576) AS idx
       FROM information_schema.tables WHERE table_schema = ? AND table_name IN ('traffic_minute', 'traffic_hour', 'revenue_minute', 'revenue_hour') ORDER BY 1`,
    [DATABASE],
  );
  for (const s of sizes)
    process.stdout.write(
      `${s.t.padEnd(16)} ~${Number(s.n).toLocaleString('en')} rows, data ${s.data} MB, index ${s.idx} MB\n`,
    );
}

const config = loadConfig(
  opts['mysql-url'] ? { mysqlUrl: opts['mysql-url'] } : {},
  process.env,
  process.cwd(),
);
const url = new URL(config.mysql.url);
url.pathname = `/${DATABASE}`;
const storage = await Storage.open({ url: url.toString(), createDatabase: true, connectionLimit: 2 });
try {
  if (!opts['queries-only']) {
    await storage.execute(`DROP DATABASE IF EXISTS \`${DATABASE}\``);
    await storage.execute(`CREATE DATABASE \`${DATABASE}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    await applySchema(storage, DATABASE);
    const secondary = ['traffic_minute', 'traffic_hour', 'revenue_minute', 'revenue_hour'];
    for (const t of secondary) await storage.execute(`ALTER TABLE ${t} DROP INDEX ${t}_bucket`);
    const t0 = Date.now();
    const { passages, rows } = await generate(storage);
    const loaded = Date.now();
    for (const t of secondary) await storage.execute(`ALTER TABLE ${t} ADD INDEX ${t}_bucket (bucket)`);
    for (const t of secondary) await storage.execute(`ANALYZE TABLE ${t}`);
    process.stdout.write(
      `history: ${passages.toLocaleString('en')} passages at ${PLAZAS} plazas over ${DAYS} days up to ${opts.end}; ` +
        `generated and loaded in ${Math.round((loaded - t0) / 1000)} s, indexes ${Math.round((Date.now() - loaded) / 1000)} s\n` +
        `rows: ${Object.entries(rows)
          .map(([t, n]) => `${t} ${n.toLocaleString('en')}`)
          .join(', ')}\n`,
    );
  }
  await tableSizes(storage);
  await timeQueries(storage);
} finally {
  await storage.close();
}
