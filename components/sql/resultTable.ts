/**
 * Fits a page of query results into the pane for ink-table: cells become one-line strings, columns shrink
 * (widest first) down to a minimum and then columns that still do not fit are left out and counted.
 */

export interface FittedResult {
  keys: string[];
  /** Same order as keys. */
  align: ('left' | 'right')[];
  data: Record<string, string>[];
  hiddenColumns: number;
}

const MAX_CELL = 40;
const MIN_CELL = 6;

/** ink-table draws "│ cell │": each column costs its width + 2 padding + 1 border, plus one closing border. */
export function tableWidth(widths: readonly number[]): number {
  return widths.reduce((s, w) => s + w + 3, 0) + 1;
}

function cellText(v: string | null): string {
  return v === null ? 'NULL' : v.replace(/[\r\n\t]+/g, ' ');
}

function cut(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, Math.max(0, width - 1))}…` : text;
}

/** Unique, non-empty keys: ink-table keys rows by column name, and SQL allows repeats ("COUNT(*)" twice). */
function uniqueKeys(columns: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return columns.map((c) => {
    const base = c || '?';
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return n === 1 ? base : `${base}~${n}`;
  });
}

export function fitResult(
  columns: readonly string[],
  rows: readonly (readonly (string | null)[])[],
  width: number,
  numeric: readonly boolean[] = [],
): FittedResult {
  const names = uniqueKeys(columns);
  const texts = rows.map((r) => names.map((_, i) => cellText(r[i] ?? null)));
  let count = names.length;
  const widths = names.map((name, i) =>
    Math.min(MAX_CELL, Math.max(name.length, ...texts.map((t) => t[i]!.length), 1)),
  );
  while (count > 0 && tableWidth(widths.slice(0, count)) > width) {
    let widest = 0;
    for (let i = 1; i < count; i++) if (widths[i]! > widths[widest]!) widest = i;
    if (widths[widest]! > MIN_CELL) widths[widest]! -= 1;
    else count -= 1;
  }
  const keys = names.slice(0, count).map((n, i) => cut(n, widths[i]!));
  const fixedKeys = uniqueKeys(keys);
  const data = texts.map((t) => {
    const row: Record<string, string> = {};
    fixedKeys.forEach((k, i) => {
      row[k] = cut(t[i]!, widths[i]!);
    });
    return row;
  });
  return {
    keys: fixedKeys,
    align: fixedKeys.map((_, i) => (numeric[i] ? 'right' : 'left')),
    data,
    hiddenColumns: names.length - count,
  };
}
