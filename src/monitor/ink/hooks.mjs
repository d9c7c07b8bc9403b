/**
 * Module resolution hooks (node:module register) that replace Ink's unbounded text-measure cache with
 * measure-text. Registered by bin/ before Ink is first imported (bin/register.js for the TypeScript sources,
 * bin/tollstream.js for the compiled package); everything else resolves as usual.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const INK_MEASURE_TEXT = /\/node_modules\/ink\/build\/measure-text\.js$/;
// Next to the TypeScript sources it is measure-text.ts (run through tsx); in the compiled package, measure-text.js.
const compiled = new URL('./measure-text.js', import.meta.url);
const REPLACEMENT = (
  existsSync(fileURLToPath(compiled)) ? compiled : new URL('./measure-text.ts', import.meta.url)
).href;

export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  if (!INK_MEASURE_TEXT.test(resolved.url)) return resolved;
  // Through the rest of the chain, so a TypeScript loader (when running the sources) takes the replacement as its own.
  return nextResolve(REPLACEMENT, context);
}
