/**
 * The sources module is being written alongside this engine; until `src/sources/index.ts` exports createSource,
 * the default factory refuses every spec with a clear message. Tests pass their own factory.
 */
import type { SourceContext, TollSource } from '../../sources/source.ts';

export function defaultSourceFactory(spec: string, _ctx: SourceContext): TollSource {
  throw new Error(`cannot create source "${spec}": the sources module is not available yet`);
}
