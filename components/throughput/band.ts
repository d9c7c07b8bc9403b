/**
 * What the pane says beside a plaza's chart about its expected band: the band in passages per minute and whether
 * the live rate is above or below it. The baselines come from the feed (types.ts); this only compares.
 */
import { formatCompact } from '../format/format.ts';
import type { Tone } from '../theme/theme.ts';
import type { BaselineSnapshot, PlazaBaseline } from './types.ts';

export type BandMark = 'above' | 'below' | 'within';

export interface LabelLine {
  text: string;
  tone?: Tone;
}

/** The baselines of the hour on screen by plaza; null when the snapshot is for another hour or none was read. */
export function baselinesFor(
  snapshot: BaselineSnapshot,
  hourStartMs: number,
): ReadonlyMap<number, PlazaBaseline> | null {
  if (snapshot.hourStartMs !== hourStartMs) return null;
  return new Map(snapshot.plazas.map((p) => [p.plazaId, p]));
}

export function bandMark(perMinute: number, baseline: PlazaBaseline): BandMark {
  if (perMinute > baseline.high) return 'above';
  if (perMinute < baseline.low) return 'below';
  return 'within';
}

const MARKS: Record<BandMark, string> = { above: ' ▲', below: ' ▼', within: '' };

/** "612/min ▲": the live rate, marked when it is outside the plaza's band. */
export function rateLine(perMinute: number, baseline: PlazaBaseline | undefined): LabelLine {
  const text = `${formatCompact(perMinute)}/min`;
  if (!baseline) return { text };
  const mark = bandMark(perMinute, baseline);
  return mark === 'within' ? { text } : { text: `${text}${MARKS[mark]}`, tone: 'warn' };
}

/**
 * "128–512": the band, in the same unit as the rate above it; or why there is none: the plaza had no traffic
 * in this hour of the week in the weeks looked at, the baselines of this hour are being read, or cannot be.
 */
export function bandLine(
  snapshot: BaselineSnapshot,
  hour: ReadonlyMap<number, PlazaBaseline> | null,
  plazaId: number,
): LabelLine {
  if (!hour) return { text: snapshot.status.kind === 'error' ? 'baseline ?' : 'baseline…', tone: 'muted' };
  const b = hour.get(plazaId);
  if (!b) return { text: 'no baseline', tone: 'muted' };
  return { text: `${formatCompact(b.low)}–${formatCompact(b.high)}`, tone: 'muted' };
}

/** "÷×2": how wide the band is, for the pane's title. */
export function factorText(factor: number): string {
  return `÷×${factor}`;
}
