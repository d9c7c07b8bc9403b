/**
 * What became of one message Kafka holds, judged from what MySQL and the dead-letter topic hold (pure):
 *   persisted      its id is a row of the live table (passages or payments);
 *   staged         a replace run's message whose row waits in that run's staging table (the run is open);
 *   replaced       an import's row that a later replace run took out on purpose (its id starts with the
 *                  import's prefix and that import was replaced since);
 *   discarded      a replace run's message that the sink drops on purpose (the run was abandoned, or this
 *                  database never opened its stage);
 *   dead-lettered  the dead-letter topic holds a letter for its topic, partition and offset;
 *   pending        none of the above, at or past the furthest offset a sink had recorded in MySQL when the audit
 *                  began: not read yet (lag), not lost;
 *   missing        none of the above, below that offset: the sink went past it and MySQL does not have it.
 */
export const OUTCOMES = [
  'persisted',
  'staged',
  'replaced',
  'discarded',
  'deadLettered',
  'pending',
  'missing',
] as const;
export type Outcome = (typeof OUTCOMES)[number];

export interface AuditRecord {
  partition: number;
  offset: string;
  /** Kafka message timestamp, epoch ms as text. */
  timestamp: string;
  /** The event id (payment id on the payments topic), as the sink derives it; null when the sink rejects it. */
  id: string | null;
  /** Why the sink rejects it (null id). */
  invalid?: string;
  /** The replace run's stage the message belongs to (its tollstream-stage header). */
  stage?: string;
}

export type StageState = 'staging' | 'replaced' | 'abandoned';

export interface StageFacts {
  state: StageState;
  importId: string;
  /** When a replaced stage was swapped in, epoch ms. */
  replacedAtMs: number | null;
}

export interface Facts {
  /** Ids of the chunk found in the live table. */
  live: ReadonlySet<string>;
  /** stagedKey(stage, id) of the chunk's staged messages found in their staging table. */
  staged: ReadonlySet<string>;
  /** What this database knows of each stage named by the chunk (absent: unknown here). */
  stages: ReadonlyMap<string, StageFacts>;
  /** Imports whose rows a replace run swapped, with when. */
  replacedImports: readonly { importId: string; replacedAtMs: number }[];
  deadLettered(record: AuditRecord): boolean;
  /** The furthest next offset any sink had recorded for the partition when the audit began (null: none). */
  sinkPosition: bigint | null;
}

export const stagedKey = (stage: string, id: string): string => `${stage}\u0000${id}`;

export interface Verdict {
  outcome: Outcome;
  /** For pending and missing: why, in words. */
  why?: string;
}

/** The replaced import an id belongs to, if any (ids of an import start with "<import id>-"). */
function replacedImportOf(id: string, facts: Facts, after = -Infinity): boolean {
  return facts.replacedImports.some((r) => r.replacedAtMs > after && id.startsWith(`${r.importId}-`));
}

export function judge(record: AuditRecord, facts: Facts): Verdict {
  const { id } = record;
  if (id !== null) {
    const stage = record.stage === undefined ? undefined : facts.stages.get(record.stage);
    if (record.stage !== undefined) {
      if (!stage) return { outcome: 'discarded' };
      switch (stage.state) {
        case 'abandoned':
          return { outcome: 'discarded' };
        case 'staging':
          if (facts.staged.has(stagedKey(record.stage, id))) return { outcome: 'staged' };
          break;
        case 'replaced':
          if (facts.live.has(id)) return { outcome: 'persisted' };
          // A later replace of the same file took the row out again.
          if (replacedImportOf(id, facts, stage.replacedAtMs ?? Infinity)) return { outcome: 'replaced' };
          break;
        default: {
          const never: never = stage.state;
          throw new Error(`unknown stage state ${String(never)}`);
        }
      }
    } else {
      if (facts.live.has(id)) return { outcome: 'persisted' };
      if (replacedImportOf(id, facts)) return { outcome: 'replaced' };
    }
  }
  if (facts.deadLettered(record)) return { outcome: 'deadLettered' };
  const what = `${id === null ? `rejected by the sink (${record.invalid ?? 'invalid'})` : 'not in MySQL'} and not in the dead-letter topic`;
  if (facts.sinkPosition === null || BigInt(record.offset) >= facts.sinkPosition) {
    const where =
      facts.sinkPosition === null
        ? 'no sink had recorded a position in this partition'
        : `the sink had reached offset ${facts.sinkPosition}`;
    return { outcome: 'pending', why: `${what}; ${where}` };
  }
  return { outcome: 'missing', why: `${what}; the sink had gone past it (to offset ${facts.sinkPosition})` };
}
