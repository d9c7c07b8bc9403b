/**
 * The three shapes MTA hourly counts come in, each read into a HourCount (a string result is the reason a row
 * is rejected):
 * - the derived file `Date,Total,Day` (Date = YYYYMMDDHH; one plaza, inbound, total only);
 * - the open-data CSV export `Plaza ID,Date,Hour,Direction,# Vehicles - E-ZPass,# Vehicles - VToll`;
 * - the Socrata API's JSON rows (qzve-kjga), every value a string.
 *
 * Non-E-ZPass vehicles: the older data calls them "cash" (toll booths took cash), so they pay 'cash'. Since
 * cashless tolling they are "VToll", tolls by mail: the plate is billed and the bill is paid later, mostly
 * online by card, and never in cash at the plaza, so they pay 'card'.
 */
import type { HourCount } from './hourly-expand.ts';

/** A corrupt count must not expand into millions of passages; the busiest MTA crossings see ~10k per hour. */
const MAX_PER_HOUR = 50_000;

export const DERIVED_HEADER = 'Date,Total,Day';
export const EXPORT_HEADER = 'Plaza ID,Date,Hour,Direction,# Vehicles - E-ZPass,# Vehicles - VToll';

/** Column positions of an export, found by header name so a reordered export still reads. */
export interface ExportColumns {
  plaza: number;
  date: number;
  hour: number;
  direction: number;
  eZPass: number;
  other: number;
  otherMethod: 'cash' | 'card';
}

/** Recognises the file by its header; undefined when it is neither shape. */
export function detectHourlyFormat(
  header: string[],
): { format: 'derived' } | { format: 'export'; columns: ExportColumns } | undefined {
  const names = header.map((h) => h.trim().toLowerCase());
  if (names[0] === 'date' && names[1] === 'total') return { format: 'derived' };
  const at = (name: string): number => names.indexOf(name);
  const vtoll = at('# vehicles - vtoll');
  const cash = at('# vehicles - cash');
  const columns = {
    plaza: at('plaza id'),
    date: at('date'),
    hour: at('hour'),
    direction: at('direction'),
    eZPass: at('# vehicles - e-zpass'),
    other: vtoll >= 0 ? vtoll : cash,
    otherMethod: vtoll >= 0 ? ('card' as const) : ('cash' as const),
  };
  return Object.values(columns).every((v) => v !== -1) ? { format: 'export', columns } : undefined;
}

function count(text: string | undefined, what: string): number | string {
  const t = (text ?? '').trim().replace(/,/g, '');
  if (!/^\d{1,9}$/.test(t)) return `${what} "${text ?? ''}" is not a count`;
  const n = Number(t);
  return n > MAX_PER_HOUR ? `${what} ${n} is more than ${MAX_PER_HOUR} vehicles in an hour` : n;
}

function checkDate(year: number, month: number, day: number, hour: number): string | undefined {
  const d = new Date(Date.UTC(year, month - 1, day));
  if (d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) {
    return `${year}-${month}-${day} is not a date`;
  }
  if (!(hour >= 0 && hour <= 23)) return `hour ${hour} is not 0..23`;
  if (year < 2000) return `year ${year} is before 2000`;
  return undefined;
}

function plazaId(text: string | undefined): number | string {
  const t = (text ?? '').trim();
  return /^\d{1,5}$/.test(t) && +t >= 1 && +t <= 65535
    ? +t
    : `plaza id "${text ?? ''}" is not a number in 1..65535`;
}

function direction(text: string | undefined): string {
  return (text ?? '').trim().toUpperCase();
}

/** `2010010100,416,Friday`. The file is one plaza's inbound traffic; its plaza id comes from the options. */
export function parseDerivedRow(fields: string[], plaza: number): HourCount | string {
  if (fields.length < 2) return `expected Date,Total,Day, got ${fields.length} field(s)`;
  const date = fields[0]!.trim();
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})$/.exec(date);
  if (!m) return `Date "${date}" is not YYYYMMDDHH`;
  const [year, month, day, hour] = [+m[1]!, +m[2]!, +m[3]!, +m[4]!];
  const bad = checkDate(year, month, day, hour);
  if (bad) return bad;
  const total = count(fields[1], 'Total');
  if (typeof total === 'string') return total;
  return { plazaId: plaza, year, month, day, hour, direction: 'I', total, otherMethod: 'cash' };
}

/** `21,11/28/2015,0,I,477,205` by the columns of the export's header. */
export function parseExportRow(fields: string[], columns: ExportColumns): HourCount | string {
  const plaza = plazaId(fields[columns.plaza]);
  if (typeof plaza === 'string') return plaza;
  const dateText = (fields[columns.date] ?? '').trim();
  const m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:\s+12:00:00\s*AM|\s+00:00(?::00)?)?$/i.exec(dateText);
  if (!m) return `Date "${dateText}" is not MM/DD/YYYY`;
  const hourText = (fields[columns.hour] ?? '').trim();
  if (!/^\d{1,2}$/.test(hourText)) return `Hour "${hourText}" is not 0..23`;
  const [year, month, day, hour] = [+m[3]!, +m[1]!, +m[2]!, +hourText];
  const bad = checkDate(year, month, day, hour);
  if (bad) return bad;
  const dir = direction(fields[columns.direction]);
  if (!/^[A-Z]{1,3}$/.test(dir)) return `Direction "${fields[columns.direction] ?? ''}" is not I or O`;
  const eZPass = count(fields[columns.eZPass], 'E-ZPass count');
  if (typeof eZPass === 'string') return eZPass;
  const other = count(fields[columns.other], columns.otherMethod === 'card' ? 'VToll count' : 'cash count');
  if (typeof other === 'string') return other;
  return {
    plazaId: plaza,
    year,
    month,
    day,
    hour,
    direction: dir,
    total: eZPass + other,
    eZPass,
    otherMethod: columns.otherMethod,
  };
}

/** `{"plaza_id":"1","date":"2015-11-28T00:00:00.000","hour":"0","direction":"I","vehicles_e_zpass":"477",...}` */
export function parseSocrataRow(item: unknown): HourCount | string {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) return 'row is not a JSON object';
  const row = item as Record<string, unknown>;
  const text = (key: string): string | undefined => {
    const v = row[key];
    return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
  };
  const plaza = plazaId(text('plaza_id'));
  if (typeof plaza === 'string') return plaza;
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T00:00(?::00(?:\.0+)?)?)?$/.exec(text('date') ?? '');
  if (!m) return `date "${text('date') ?? ''}" is not a date like 2015-11-28T00:00:00.000`;
  const hourText = text('hour') ?? '';
  if (!/^\d{1,2}$/.test(hourText)) return `hour "${hourText}" is not 0..23`;
  const [year, month, day, hour] = [+m[1]!, +m[2]!, +m[3]!, +hourText];
  const bad = checkDate(year, month, day, hour);
  if (bad) return bad;
  const dir = direction(text('direction'));
  if (!/^[A-Z]{1,3}$/.test(dir)) return `direction "${text('direction') ?? ''}" is not I or O`;
  const eZPass = count(text('vehicles_e_zpass'), 'vehicles_e_zpass');
  if (typeof eZPass === 'string') return eZPass;
  const vtoll = text('vehicles_vtoll');
  const otherMethod = vtoll !== undefined ? 'card' : 'cash';
  const other = count(
    vtoll ?? text('vehicles_cash'),
    vtoll !== undefined ? 'vehicles_vtoll' : 'vehicles_cash',
  );
  if (typeof other === 'string') return other;
  return {
    plazaId: plaza,
    year,
    month,
    day,
    hour,
    direction: dir,
    total: eZPass + other,
    eZPass,
    otherMethod,
  };
}
