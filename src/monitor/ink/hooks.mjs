/**
 * Module resolution hooks (node:module register) that replace Ink's unbounded text-measure cache with
 * measure-text.ts. Installed by installInkPatches() before Ink is first imported; everything else resolves as
 * usual.
 */
const INK_MEASURE_TEXT = /\/node_modules\/ink\/build\/measure-text\.js$/;
const REPLACEMENT = new URL('./measure-text.ts', import.meta.url).href;

export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  if (!INK_MEASURE_TEXT.test(resolved.url)) return resolved;
  // Through the rest of the chain, so the TypeScript loader takes the replacement as its own.
  return nextResolve(REPLACEMENT, context);
}
