/**
 * The sink: consumes passages, payments, plazas and legacy lines, validates them, dead-letters the bad ones and
 * writes the rest to MySQL exactly once (rows and offsets in one transaction; see offset-guard.ts).
 *
 * Reconciliation for headless mode: `sink.countPersisted({ eventIds })` or `{ eventIdPrefix }` while the sink
 * exists, or `countPersisted(storage, query)` on any Storage.
 */
import type { Config } from '../../config/config.ts';
import type { SinkEngine, SinkOptions } from './engine.ts';
import { Sink } from './engine.ts';

export type { SinkEngine, SinkOptions } from './engine.ts';
export type { SinkEngineSnapshot, SinkSnapshotExtras, DeadLetterNote } from './metrics.ts';
export type { PersistedCount, PersistedQuery } from './reconcile.ts';
export { countPersisted } from './reconcile.ts';
export { DLQ_HEADERS } from './dead-letter.ts';

export function createSink(config: Config, options: SinkOptions = {}): SinkEngine {
  return new Sink(config, options);
}
