/**
 * Column layout for the monitor's tables: each column has a width and a priority; when the pane is narrow the
 * least important columns go first, and one `grow` column takes any space left over.
 */
import { fit } from '../format/format.ts';
import type { Tone } from '../theme/theme.ts';

export interface Column<K extends string = string> {
  key: K;
  title: string;
  width: number;
  align?: 'left' | 'right';
  /** 0 is never dropped; higher numbers are dropped first when space runs out. */
  priority: number;
  grow?: boolean;
}

export interface Cell {
  text: string;
  tone?: Tone;
  bold?: boolean;
}

export const GAP = 1;

export function fitColumns<K extends string>(columns: readonly Column<K>[], width: number): Column<K>[] {
  let kept = [...columns];
  const total = (cs: Column<K>[]): number =>
    cs.reduce((s, c) => s + c.width, 0) + GAP * Math.max(0, cs.length - 1);
  while (total(kept) > width && kept.length > 1) {
    const worst = kept.reduce((w, c) => (c.priority > w.priority ? c : w), kept[0]!);
    if (worst.priority === 0) break;
    kept = kept.filter((c) => c !== worst);
  }
  const spare = width - total(kept);
  const grow = kept.find((c) => c.grow);
  if (spare !== 0 && grow) {
    kept = kept.map((c) => (c === grow ? { ...c, width: Math.max(4, c.width + spare) } : c));
  }
  return kept;
}

/** One table line as coloured segments (separators carry no tone). */
export function rowSegments<K extends string>(columns: readonly Column<K>[], cells: Record<K, Cell>): Cell[] {
  const out: Cell[] = [];
  columns.forEach((c, i) => {
    if (i > 0) out.push({ text: ' '.repeat(GAP) });
    const cell = cells[c.key];
    out.push({ ...cell, text: fit(cell.text, c.width, c.align ?? 'left') });
  });
  return out;
}

export function headerLine<K extends string>(columns: readonly Column<K>[]): string {
  return columns.map((c) => fit(c.title, c.width, c.align ?? 'left')).join(' '.repeat(GAP));
}
