/**
 * Per-plaza throughput charts. Buckets are converted to passages per minute, the unit of the expected band the pane
 * shows beside them, so the scale labels mean the same whatever the bucket size; the busiest plazas (over the
 * window on screen) come first.
 */
import asciichart from 'asciichart';
import type { PlazaThroughput } from '../../src/engines/types.ts';
import { formatCompact } from '../format/format.ts';
import { pageCount } from '../widgets/window.ts';

export const LABEL_COLUMN = 12;
const SCALE_WIDTH = 5;
const MINUTE_MS = 60_000;

export interface PlazaRow {
  plazaId: number;
  /** Passages per minute per bucket for the window shown, oldest first (the partial bucket excluded). */
  series: number[];
  windowSum: number;
  /**
   * The live rate: passages per minute over the last minute of complete buckets, or over the part of it since the
   * plaza's first passage in the buckets (a monitor that just started has not watched a whole minute yet).
   */
  perMinute: number;
  total: number;
}

/** Passages per minute over the last minute of `complete` buckets that the plaza has been seen in. */
export function liveRate(complete: readonly number[], bucketMs: number): number {
  const first = complete.findIndex((b) => b > 0);
  if (first === -1) return 0;
  const perMinute = Math.max(1, Math.round(MINUTE_MS / bucketMs));
  const from = Math.max(first, complete.length - perMinute);
  const seen = complete.slice(from);
  return (seen.reduce((s, b) => s + b, 0) * MINUTE_MS) / (seen.length * bucketMs);
}

export function plazaRows(
  throughput: readonly PlazaThroughput[],
  bucketMs: number,
  points: number,
): PlazaRow[] {
  const size = Math.max(1, bucketMs);
  const perMin = MINUTE_MS / size;
  const rows = throughput.map((t) => {
    // The last bucket is still filling; plotting it would show a false drop at the right edge.
    const complete = t.buckets.length > 1 ? t.buckets.slice(0, -1) : t.buckets;
    const window = complete.slice(-Math.max(1, points));
    return {
      plazaId: t.plazaId,
      series: window.map((b) => b * perMin),
      windowSum: window.reduce((s, b) => s + b, 0),
      perMinute: liveRate(complete, size),
      total: t.total,
    };
  });
  return rows.sort((a, b) => b.windowSum - a.windowSum || a.plazaId - b.plazaId);
}

/** Rows each plaza takes: a chart of `height` + 1 lines, at least 3 so the labels fit beside it. */
export function layoutCharts(
  bodyRows: number,
  plazas: number,
): { perPlaza: number; perPage: number; pages: number } {
  const avail = Math.max(3, bodyRows);
  const perPlaza = Math.max(3, Math.min(6, Math.floor(avail / Math.max(1, plazas))));
  const perPage = Math.max(1, Math.floor(avail / perPlaza));
  return { perPlaza, perPage, pages: pageCount(plazas, perPage) };
}

/** Points that fit beside the label column and the scale labels. */
export function chartPoints(bodyWidth: number): number {
  return Math.max(4, bodyWidth - LABEL_COLUMN - SCALE_WIDTH - 2);
}

/** asciichart lines with fixed-width scale labels; exactly `lines` lines of equal width. */
export function plotLines(series: readonly number[], lines: number): string[] {
  const data = series.length ? [...series] : [0];
  const max = Math.max(1, ...data);
  const text = asciichart.plot(data, {
    height: Math.max(1, lines - 1),
    min: 0,
    max,
    offset: 2,
    format: (x: number) => formatCompact(x).padStart(SCALE_WIDTH),
  });
  const out = text.split('\n').slice(0, lines);
  while (out.length < lines) out.push('');
  return out;
}
