/**
 * Replay of the classic toll data set: three files describing the same passages, joined by Rowid.
 * - vehicle-data.csv: Rowid, ctime, vehicle number, type, axles, vehicle code (CRLF, no final line end)
 * - tollplaza-data.tsv: the same five fields, then plaza id and plaza code
 * - payment-data.txt: fixed width; payment code at columns 59-61, vehicle code at 63-67
 * The set is small (10,000 rows) and not in time order, so it is joined and sorted in memory, then paced.
 * A row that does not parse, or whose Rowid is missing from another file or disagrees with it, is rejected and
 * reported; the others replay. Ids derive from the Rowid, so replaying twice adds nothing.
 */
import path from 'node:path';
import type { Passage, Payment, PaymentMethod, Plaza, TollEvent } from '../domain/types.ts';
import { validatePassageObject, validatePaymentObject, validatePlazaObject } from '../domain/validate.ts';
import { parseCtime } from '../domain/time.ts';
import { createLogger } from '../util/log.ts';
import type { SourceContext } from './source.ts';
import { readLines, type Line } from './lines.ts';
import { CsvReader } from './csv.ts';
import { RejectLog } from './rejects.ts';
import { createReplaySource, inWindow, type ReadCounters, type RecordSource } from './replay-source.ts';
import { classTariffs, TARIFF_CURRENCY, tollCents } from './tariff.ts';
import { isoUtc } from './iso-time.ts';

export const TOLLDATA_FILES = {
  vehicles: 'vehicle-data.csv',
  plazas: 'tollplaza-data.tsv',
  payments: 'payment-data.txt',
} as const;

/** The data set says nothing about lanes; four is a typical small plaza. */
export const TOLLDATA_LANES = 4;

const PAYMENT_CODES: Record<string, PaymentMethod> = { PTE: 'e-tag', PTC: 'cash', PTP: 'prepaid' };

interface Located {
  rowid: number;
  timeMs: number;
  vehicleId: string;
  line: number;
}
export interface VehicleRow extends Located {
  vehicleType: string;
  axles: number;
}
export interface PlazaRow extends VehicleRow {
  plazaId: number;
  plazaCode: string;
}
export interface PaymentRow extends Located {
  plazaId: number;
  plazaCode: string;
  method: PaymentMethod;
}

const ROWID = /^\d{1,9}$/;
const PLAZA_ID = /^\d{1,5}$/;

function located(
  rowid: string,
  stamp: string,
  vehicleId: string,
  line: number,
  tz: string,
): Located | string {
  if (!ROWID.test(rowid.trim())) return `Rowid "${rowid}" is not a number`;
  const timeMs = parseCtime(stamp, tz);
  if (Number.isNaN(timeMs))
    return `timestamp "${stamp}" is not a ctime string like "Thu Aug 19 21:54:38 2021"`;
  if (vehicleId.trim() === '') return 'the vehicle number is empty';
  return { rowid: Number(rowid), timeMs, vehicleId: vehicleId.trim(), line };
}

/** `Rowid,Timestamp,Anonymized vehicle number,Vehicle type,Number of axles,Vehicle code`; a string is a reason. */
export function parseVehicleFields(fields: string[], line: number, tz: string): VehicleRow | string {
  if (fields.length !== 6) return `expected 6 comma-separated fields, got ${fields.length}`;
  const [rowid, stamp, vehicle, type, axles] = fields as [string, string, string, string, string];
  const base = located(rowid, stamp, vehicle, line, tz);
  if (typeof base === 'string') return base;
  if (!/^\d{1,2}$/.test(axles.trim())) return `number of axles "${axles}" is not a number`;
  return { ...base, vehicleType: type.trim().toLowerCase(), axles: Number(axles) };
}

/** The vehicle fields followed by `Tollplaza id, Tollplaza code`, tab-separated. */
export function parsePlazaFields(fields: string[], line: number, tz: string): PlazaRow | string {
  if (fields.length !== 7) return `expected 7 tab-separated fields, got ${fields.length}`;
  const vehicle = parseVehicleFields([...fields.slice(0, 5), ''], line, tz);
  if (typeof vehicle === 'string') return vehicle;
  const [plazaId, plazaCode] = [fields[5]!.trim(), fields[6]!.trim()];
  if (!PLAZA_ID.test(plazaId)) return `toll plaza id "${plazaId}" is not a number`;
  if (plazaCode === '') return 'the toll plaza code is empty';
  return { ...vehicle, plazaId: Number(plazaId), plazaCode };
}

/**
 * Fixed width: Rowid (cols 1-6), ctime (8-31), then vehicle number, plaza id and plaza code separated by
 * spaces (their widths vary with the numbers), payment code at 59-61, vehicle code at 63-67.
 */
export function parsePaymentLine(text: string, line: number, tz: string): PaymentRow | string {
  if (text.length < 61) return `line is ${text.length} characters, the fixed-width format needs at least 61`;
  const middle = text.slice(32, 57).trim().split(/\s+/);
  if (middle.length !== 3) return 'expected vehicle number, plaza id and plaza code in columns 33-57';
  const [vehicle, plazaId, plazaCode] = middle as [string, string, string];
  const base = located(text.slice(0, 6), text.slice(7, 31), vehicle, line, tz);
  if (typeof base === 'string') return base;
  if (!PLAZA_ID.test(plazaId)) return `toll plaza id "${plazaId}" is not a number`;
  const code = text.slice(58, 61);
  const method = PAYMENT_CODES[code];
  if (!method) return `payment code "${code}" (columns 59-61) is not PTE, PTC or PTP`;
  return { ...base, plazaId: Number(plazaId), plazaCode, method };
}

export interface TolldataSet {
  /** Valid joined events in [from, to), sorted by event time, ties by Rowid. */
  events: TollEvent[];
  /** One per plaza id seen in the plaza file. */
  plazas: Plaza[];
}

type Parser<R> = (line: Line) => R | string | undefined;

async function readRows<R extends Located>(
  file: string,
  parse: Parser<R>,
  rejects: RejectLog,
): Promise<Map<number, R>> {
  const rows = new Map<number, R>();
  const name = path.basename(file);
  for await (const chunk of readLines(file)) {
    for (const line of chunk) {
      if (line.text.trim() === '') continue;
      const row = parse(line);
      if (row === undefined) continue;
      if (typeof row === 'string') {
        rejects.reject(name, line.no, row, line.text);
      } else if (rows.has(row.rowid)) {
        rejects.reject(
          name,
          line.no,
          `duplicate Rowid ${row.rowid} (first at line ${rows.get(row.rowid)!.line})`,
        );
      } else {
        rows.set(row.rowid, row);
      }
    }
  }
  return rows;
}

/** Parses a CSV/TSV line with the shared reader; the tolldata files never quote, so one line is one record. */
function fieldsParser<R>(
  reader: CsvReader,
  parse: (fields: string[], line: number) => R | string,
): Parser<R> {
  return (line) => {
    const [result] = reader.push(line);
    if (!result) return undefined;
    return result.ok ? parse(result.fields, result.line) : result.reason;
  };
}

/** Why `a` (from the plaza file) and `b` disagree, or undefined when they describe the same passage. */
function mismatch(a: PlazaRow, b: Located & { plazaId?: number }, file: string): string | undefined {
  if (a.timeMs !== b.timeMs) return `timestamp differs from ${file} line ${b.line}`;
  if (a.vehicleId !== b.vehicleId) return `vehicle number differs from ${file} line ${b.line}`;
  if (b.plazaId !== undefined && a.plazaId !== b.plazaId)
    return `plaza id differs from ${file} line ${b.line}`;
  return undefined;
}

export async function loadTolldata(
  dir: string,
  ctx: Pick<SourceContext, 'tz' | 'from' | 'to'>,
  rejects: RejectLog,
  now = Date.now(),
): Promise<TolldataSet> {
  const { tz } = ctx;
  const csv = new CsvReader({ delimiter: ',', quote: '' });
  const tsv = new CsvReader({ delimiter: '\t', quote: '' });
  const [vehicles, plazaRows, payments] = await Promise.all([
    readRows(
      path.join(dir, TOLLDATA_FILES.vehicles),
      fieldsParser(csv, (f, l) => parseVehicleFields(f, l, tz)),
      rejects,
    ),
    readRows(
      path.join(dir, TOLLDATA_FILES.plazas),
      fieldsParser(tsv, (f, l) => parsePlazaFields(f, l, tz)),
      rejects,
    ),
    readRows(path.join(dir, TOLLDATA_FILES.payments), (l) => parsePaymentLine(l.text, l.no, tz), rejects),
  ]);

  const plazas = new Map<number, Plaza>();
  for (const row of plazaRows.values()) {
    if (plazas.has(row.plazaId)) continue;
    plazas.set(
      row.plazaId,
      validatePlazaObject({
        v: 1,
        plazaId: row.plazaId,
        code: row.plazaCode,
        name: `Plaza ${row.plazaId}`,
        lanes: TOLLDATA_LANES,
        // The payments below are charged from this table, so its class tariffs are the plaza's.
        tariffs: classTariffs(),
        currency: TARIFF_CURRENCY,
      }),
    );
  }

  const joined: { timeMs: number; rowid: number; event: TollEvent }[] = [];
  const rowids = new Set([...vehicles.keys(), ...plazaRows.keys(), ...payments.keys()]);
  for (const rowid of rowids) {
    const v = vehicles.get(rowid);
    const p = plazaRows.get(rowid);
    const pay = payments.get(rowid);
    if (!v || !p || !pay) {
      const missing = [
        !v && TOLLDATA_FILES.vehicles,
        !p && TOLLDATA_FILES.plazas,
        !pay && TOLLDATA_FILES.payments,
      ];
      const [where, line] = p
        ? [TOLLDATA_FILES.plazas, p.line]
        : v
          ? [TOLLDATA_FILES.vehicles, v.line]
          : [TOLLDATA_FILES.payments, pay!.line];
      rejects.reject(where, line, `Rowid ${rowid} has no row in ${missing.filter(Boolean).join(' and ')}`);
      continue;
    }
    const why =
      mismatch(p, v, TOLLDATA_FILES.vehicles) ??
      (v.vehicleType !== p.vehicleType || v.axles !== p.axles
        ? `vehicle type or axles differ from ${TOLLDATA_FILES.vehicles} line ${v.line}`
        : undefined) ??
      mismatch(p, pay, TOLLDATA_FILES.payments);
    if (why) {
      rejects.reject(TOLLDATA_FILES.plazas, p.line, `Rowid ${rowid}: ${why}`);
      continue;
    }
    const passedAt = isoUtc(p.timeMs);
    const passage: Passage = {
      v: 1,
      eventId: `tolldata-${rowid}`,
      plazaId: p.plazaId,
      vehicleId: p.vehicleId,
      vehicleType: p.vehicleType,
      axles: p.axles,
      passedAt,
      source: 'tolldata',
    };
    const payment: Payment = {
      v: 1,
      paymentId: `pay-tolldata-${rowid}`,
      eventId: passage.eventId,
      plazaId: p.plazaId,
      method: pay.method,
      amountCents: tollCents(p.vehicleType, p.axles),
      currency: TARIFF_CURRENCY,
      paidAt: passedAt,
    };
    try {
      validatePassageObject({ ...passage }, now);
      validatePaymentObject({ ...payment }, now);
    } catch (e) {
      rejects.reject(TOLLDATA_FILES.plazas, p.line, `Rowid ${rowid}: ${(e as Error).message}`);
      continue;
    }
    if (inWindow(ctx, p.timeMs)) joined.push({ timeMs: p.timeMs, rowid, event: { passage, payment } });
  }
  joined.sort((a, b) => a.timeMs - b.timeMs || a.rowid - b.rowid);
  return {
    events: joined.map((j) => j.event),
    plazas: [...plazas.values()].sort((a, b) => a.plazaId - b.plazaId),
  };
}

export interface TolldataOptions {
  dir: string;
}

export function createTolldataSource(
  spec: string,
  options: TolldataOptions,
  ctx: SourceContext,
): RecordSource {
  const log = createLogger('source:tolldata');
  const rejects = new RejectLog(log);
  const counters: ReadCounters = { read: 0 };
  let loading: Promise<TolldataSet> | undefined;
  const load = (): Promise<TolldataSet> => {
    loading ??= loadTolldata(options.dir, ctx, rejects).then((set) => {
      counters.total = set.events.length;
      log.info(`loaded ${set.events.length} passages from ${options.dir} (${rejects.count} rows rejected)`);
      return set;
    });
    return loading;
  };
  return createReplaySource({
    kind: 'tolldata',
    spec,
    finite: true,
    ctx,
    counters,
    rejects,
    plazas: async () => (await load()).plazas,
    async *open() {
      const { events } = await load();
      for (let i = 0; i < events.length; i += 500) {
        const chunk = events.slice(i, i + 500);
        counters.read += chunk.length;
        yield chunk;
      }
    },
  });
}
