/**
 * Run-time pacing steps for `+` / `-`. A target rate moves by about 25 % a step, rounded to two significant digits
 * so the numbers stay readable (200 -> 250 -> 310 ...); a replay speed doubles or halves.
 */
import type { Pace } from '../../src/sources/source.ts';
import { formatCompact } from '../format/format.ts';

/** Where "-" lands when the rate is "as fast as possible" (0). */
export const FROM_MAX_RATE = 10_000;
const MAX_FACTOR = 4096;
const MIN_FACTOR = 1 / 16;

function twoSignificant(n: number): number {
  if (n < 10) return Math.round(n);
  const scale = 10 ** (Math.floor(Math.log10(n)) - 1);
  return Math.round(n / scale) * scale;
}

export function nextPace(pace: Pace, direction: 1 | -1): Pace {
  switch (pace.kind) {
    case 'rate': {
      const r = pace.perSecond;
      if (r === 0) return direction > 0 ? pace : { kind: 'rate', perSecond: FROM_MAX_RATE };
      const stepped = twoSignificant(direction > 0 ? r * 1.25 : r / 1.25);
      const next = direction > 0 ? Math.max(r + 1, stepped) : Math.max(1, Math.min(r - 1, stepped));
      return { kind: 'rate', perSecond: next };
    }
    case 'speed': {
      const f = pace.factor;
      if (f === 'max') return direction > 0 ? pace : { kind: 'speed', factor: MAX_FACTOR };
      if (direction > 0)
        return f * 2 > MAX_FACTOR ? { kind: 'speed', factor: 'max' } : { kind: 'speed', factor: f * 2 };
      return { kind: 'speed', factor: Math.max(MIN_FACTOR, f / 2) };
    }
    default: {
      const never: never = pace;
      return never;
    }
  }
}

/** "200/s", "max", "60×", "max speed". */
export function describePace(pace: Pace): string {
  switch (pace.kind) {
    case 'rate':
      return pace.perSecond === 0 ? 'max' : `${formatCompact(pace.perSecond)}/s`;
    case 'speed':
      if (pace.factor === 'max') return 'max speed';
      return pace.factor === 1
        ? 'realtime'
        : `${pace.factor < 1 ? pace.factor.toFixed(3).replace(/0+$/, '') : pace.factor}×`;
    default: {
      const never: never = pace;
      return never;
    }
  }
}
