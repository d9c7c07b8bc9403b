/**
 * What the SQL prompt needs from the query layer, in the prompt's own terms. src/monitor adapts the read-only
 * executor (src/query) to this, so the components never see a database driver.
 */

export type QueryOutcome =
  | {
      kind: 'rows';
      columns: string[];
      /** Per column: numbers are right-aligned. */
      numeric?: boolean[];
      /** Cells already rendered as text; null is SQL NULL. */
      rows: (string | null)[][];
      rowCount: number;
      /** The row cap cut the result. */
      truncated: boolean;
      elapsedMs: number;
    }
  | { kind: 'refused'; reason: string }
  | { kind: 'error'; message: string; elapsedMs?: number }
  | { kind: 'cancelled'; elapsedMs: number };

export interface SavedQueryInfo {
  name: string;
  description: string;
  sql: string;
  /** False when the query needs parameters: its F-key loads it into the prompt for editing instead. */
  runnable: boolean;
}

export interface QueryService {
  readonly saved: readonly SavedQueryInfo[];
  /** Never rejects: failures come back as outcomes. */
  run(sql: string): Promise<QueryOutcome>;
  runSaved(name: string): Promise<QueryOutcome>;
  /** Stops the running statement on the server (KILL QUERY on a side connection). */
  cancel(): Promise<void>;
}
