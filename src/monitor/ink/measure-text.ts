/**
 * Ink 6.8's build/measure-text.js with a bounded cache. Ink's own keeps every distinct text it has measured in a
 * module-level Map for the life of the process (upstream ink#986), so a monitor whose numbers change every frame
 * grows by a few KB per frame, ~50 MB an hour. Same results; the cache starts over when it holds MAX_ENTRIES,
 * which a screen's worth of text never comes near. hooks.mjs swaps this module in for Ink's.
 */
import widestLine from 'widest-line';

export const MAX_ENTRIES = 4096;

interface Dimensions {
  width: number;
  height: number;
}

const cache = new Map<string, Dimensions>();

export function cacheSize(): number {
  return cache.size;
}

export default function measureText(text: string): Dimensions {
  if (text.length === 0) return { width: 0, height: 0 };
  const cached = cache.get(text);
  if (cached) return cached;
  const dimensions = { width: widestLine(text), height: text.split('\n').length };
  if (cache.size >= MAX_ENTRIES) cache.clear();
  cache.set(text, dimensions);
  return dimensions;
}
