/** Query results as a readable table, a JSON array of objects, or RFC 4180 CSV (pure). */
import type { QueryColumn } from './outcome.ts';

export const FORMATS = ['table', 'json', 'csv'] as const;
export type OutputFormat = (typeof FORMATS)[number];

export function parseFormat(raw: unknown): OutputFormat | null {
  if (raw === undefined || raw === null || raw === '') return 'table';
  const s = String(raw).toLowerCase();
  return (FORMATS as readonly string[]).includes(s) ? (s as OutputFormat) : null;
}

/** Column names made unique for JSON keys: a second "id" becomes "id_2". */
export function uniqueNames(columns: readonly QueryColumn[]): string[] {
  const seen = new Map<string, number>();
  return columns.map((c) => {
    const n = (seen.get(c.name) ?? 0) + 1;
    seen.set(c.name, n);
    return n === 1 ? c.name : `${c.name}_${n}`;
  });
}

/** A value as JSON carries it: dates ISO 8601 (UTC), BIGINT/DECIMAL as the strings the driver gives, bytes hex. */
export function jsonValue(value: unknown): unknown {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (Buffer.isBuffer(value)) return `0x${value.toString('hex')}`;
  if (typeof value === 'bigint') return value.toString();
  return value ?? null;
}

/** A value as text; null for SQL NULL. */
export function textValue(value: unknown): string | null {
  const v = jsonValue(value);
  if (v === null) return null;
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

export function formatJson(columns: readonly QueryColumn[], rows: readonly unknown[][]): string {
  const names = uniqueNames(columns);
  const objects = rows.map((row) => Object.fromEntries(names.map((n, i) => [n, jsonValue(row[i])])));
  return `${JSON.stringify(objects, null, 2)}\n`;
}

function csvField(text: string | null): string {
  if (text === null) return '';
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** RFC 4180: a header record, CRLF after every record, fields quoted when they hold a comma, quote or line break. */
export function formatCsv(columns: readonly QueryColumn[], rows: readonly unknown[][]): string {
  const records = [
    columns.map((c) => csvField(c.name)),
    ...rows.map((r) => columns.map((_, i) => csvField(textValue(r[i])))),
  ];
  return records.map((fields) => `${fields.join(',')}\r\n`).join('');
}

const CONTROL = /\p{Cc}/gu;

/** One table cell: NULL spelled out, control characters made visible, long values cut with an ellipsis. */
function cell(value: unknown, maxWidth: number): string {
  const text = textValue(value);
  if (text === null) return 'NULL';
  const visible = text.replace(CONTROL, (c) =>
    c === '\n' ? '\\n' : c === '\t' ? '\\t' : c === '\r' ? '\\r' : '?',
  );
  return visible.length > maxWidth ? `${visible.slice(0, maxWidth - 1)}…` : visible;
}

/**
 * Columns padded to their widest cell, numbers right-aligned, a rule under the header, like the mysql client
 * without the box. Values wider than `maxWidth` are cut (JSON and CSV never cut).
 */
export function formatTable(
  columns: readonly QueryColumn[],
  rows: readonly unknown[][],
  { maxWidth = 60 }: { maxWidth?: number } = {},
): string {
  const cells = rows.map((r) => columns.map((_, i) => cell(r[i], maxWidth)));
  const widths = columns.map((c, i) => Math.max(c.name.length, ...cells.map((r) => r[i]!.length)));
  const line = (values: string[], alignNumbers: boolean): string =>
    values
      .map((v, i) => (alignNumbers && columns[i]!.numeric ? v.padStart(widths[i]!) : v.padEnd(widths[i]!)))
      .join(' | ')
      .trimEnd();
  const header = line(
    columns.map((c) => c.name),
    true,
  );
  const rule = widths.map((w) => '-'.repeat(w)).join('-+-');
  return [header, rule, ...cells.map((r) => line(r, true))].map((l) => `${l}\n`).join('');
}

/** Renders rows in the chosen output format (table options apply to the table only). */
export function formatRows(
  format: OutputFormat,
  columns: readonly QueryColumn[],
  rows: readonly unknown[][],
  tableOptions: { maxWidth?: number } = {},
): string {
  switch (format) {
    case 'table':
      return formatTable(columns, rows, tableOptions);
    case 'json':
      return formatJson(columns, rows);
    case 'csv':
      return formatCsv(columns, rows);
    default: {
      const never: never = format;
      throw new Error(`unknown format ${String(never)}`);
    }
  }
}
