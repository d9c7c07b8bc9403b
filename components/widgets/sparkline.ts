/** One-line sparkline from block characters; the newest value is on the right. */
const BLOCKS = '▁▂▃▄▅▆▇█';

export function sparkline(values: readonly number[], width: number): string {
  if (width <= 0) return '';
  const shown = values.slice(-width);
  const max = Math.max(0, ...shown);
  let out = '';
  for (const v of shown) {
    if (!Number.isFinite(v) || max <= 0) out += BLOCKS[0];
    else out += BLOCKS[Math.min(BLOCKS.length - 1, Math.round((Math.max(0, v) / max) * (BLOCKS.length - 1)))];
  }
  return out.padStart(width, ' ');
}
