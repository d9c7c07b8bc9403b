/**
 * Headless output: one NDJSON status line per interval and the final summary line, built from engine snapshots.
 * Pure functions, so the shape people script against is tested without a broker.
 */
import type { AnomalySnapshot } from '../anomalies/engine.ts';
import type { Role } from '../config/config.ts';
import type {
  EngineStatus,
  LagSnapshot,
  LatencySummary,
  ProducerSnapshot,
  ProducersSnapshot,
  SinkSnapshot,
} from '../engines/types.ts';

export type RunPhase = 'running' | 'flushing' | 'draining' | 'reconciling' | 'stopping';

export interface StatusInputs {
  now: number;
  startedAt: number;
  role: Role;
  phase: RunPhase;
  groupId: string;
  producers: ProducersSnapshot | null;
  sink: (SinkSnapshot & { recentLatency?: LatencySummary }) | null;
  lag: LagSnapshot | null;
  /** The anomaly detector, when it runs in this process. */
  anomalies?: AnomalySnapshot | null;
}

/**
 * Status as a person reads it in a log: "running", "error: broker down (retrying in 2 s)", and for a cause that
 * waiting does not fix, "error: … INSERT command denied … (needs a fix, checking again in 30 s)".
 */
export function describeStatus(status: EngineStatus): string {
  switch (status.kind) {
    case 'idle':
    case 'connecting':
    case 'running':
    case 'paused':
    case 'finished':
      return status.kind;
    case 'stopped':
      return status.reason ? `stopped: ${status.reason}` : 'stopped';
    case 'error': {
      if (status.permanent) {
        const every =
          status.retryInMs === undefined
            ? ''
            : `, checking again in ${Math.max(1, Math.round(status.retryInMs / 1000))} s`;
        return `error: ${status.message} (needs a fix${every})`;
      }
      const retry = status.willRetry
        ? status.retryInMs !== undefined
          ? ` (retrying in ${Math.max(1, Math.round(status.retryInMs / 1000))} s)`
          : ' (retrying)'
        : '';
      return `error: ${status.message}${retry}`;
    }
    default: {
      const never: never = status;
      throw new Error(`unknown status ${JSON.stringify(never)}`);
    }
  }
}

/** The lag of our group (sum over its partitions); null while unknown or never committed. */
export function ourLag(lag: LagSnapshot | null, groupId: string): number | null {
  const g = lag?.groups.find((x) => x.groupId === groupId) ?? lag?.groups.find((x) => x.ours);
  return g?.totalLag ?? null;
}

const round = (n: number): number => Math.round(n);
const seconds = (ms: number): number => Math.round(ms / 100) / 10;

export function statusLine(i: StatusInputs): Record<string, unknown> {
  const line: Record<string, unknown> = {
    type: 'status',
    at: new Date(i.now).toISOString(),
    elapsedS: seconds(i.now - i.startedAt),
    role: i.role,
    phase: i.phase,
  };
  if (i.producers) {
    const t = i.producers.totals;
    Object.assign(line, {
      produced: t.acked,
      unacked: t.sent - t.acked - t.failed,
      failed: t.failed,
      producedPerSec: round(t.ratePerSec),
    });
  }
  if (i.sink) {
    const latency = i.sink.recentLatency ?? i.sink.latency;
    Object.assign(line, {
      persisted: i.sink.persisted,
      alreadyPresent: i.sink.alreadyPresent,
      deadLettered: i.sink.deadLettered,
      persistedPerSec: round(i.sink.ratePerSec),
      latencyP50Ms: latency.p50Ms,
      latencyP99Ms: latency.p99Ms,
      sink: describeStatus(i.sink.status),
    });
  }
  line.lag = ourLag(i.lag, i.groupId);
  if (i.anomalies) {
    const a = i.anomalies;
    line.anomalies = {
      status: describeStatus(a.status),
      findings: a.findings,
      published: a.published,
      watermark: a.watermark,
      inputs: a.inputs,
      late: a.late,
      // The detector's own consumer group, as the lag monitor sees it.
      lag: i.lag?.groups.find((g) => g.groupId === a.groupId)?.totalLag ?? null,
    };
  }
  if (i.producers) {
    line.producers = i.producers.producers.map((p) => ({
      name: p.name,
      source: p.spec,
      status: describeStatus(p.status),
      produced: p.acked,
      producedPerSec: round(p.ratePerSec),
      progress: {
        read: p.progress.read,
        ...(p.progress.total !== undefined ? { total: p.progress.total } : {}),
        rejected: p.progress.rejected,
        ...(p.etaMs !== undefined ? { etaS: p.etaMs === null ? null : seconds(p.etaMs) } : {}),
        ...(p.progress.note ? { note: p.progress.note } : {}),
      },
    }));
  }
  return line;
}

export type EndReason = 'signal' | 'duration' | 'events' | 'sources-finished' | 'sources-failed';

export interface Verdict {
  reconciled: boolean | null;
  reason: string | null;
  /** 2: a source cannot be read as given (the user must change the spec). */
  exitCode: 0 | 1 | 2;
}

/** What one source did in the run: records read, passages Kafka acknowledged, records rejected and why. */
export interface SourceSummary {
  name: string;
  source: string;
  kind: string;
  /** Input records read (rows, API items); `total` when the input's size is known. */
  read: number;
  total?: number;
  produced: number;
  payments: number;
  rejected: number;
  rejectedByReason: Record<string, number>;
  /** Rows the source may reject before the run fails (null: no limit). */
  maxRejects: number | null;
  status: string;
}

export function sourceSummaries(
  producers: ProducersSnapshot | null,
  limit: (p: ProducerSnapshot) => number,
): SourceSummary[] {
  return (producers?.producers ?? []).map((p) => {
    const max = limit(p);
    return {
      name: p.name,
      source: p.spec,
      kind: p.sourceKind,
      read: p.progress.read,
      ...(p.progress.total !== undefined ? { total: p.progress.total } : {}),
      produced: p.acked,
      payments: p.payments,
      rejected: p.progress.rejected,
      rejectedByReason: { ...(p.progress.rejectedByReason ?? {}) },
      maxRejects: Number.isFinite(max) ? max : null,
      status: describeStatus(p.status),
    };
  });
}

/**
 * Rows the sink wrote, kept apart: passages and payments are different tables, and a sink that joins a topic with
 * a backlog writes earlier runs' passages too. `thisRun` counts, of the passages this run produced, those whose row
 * this run wrote and those MySQL held already (a replay); `backlog` is what the sink wrote for other runs.
 */
export interface PersistedSummary {
  passages: number;
  payments: number;
  thisRun: { written: number; alreadyPresent: number } | null;
  backlog: number | null;
}

export interface RunSummary {
  type: 'summary';
  role: Role;
  stoppedBy: EndReason;
  durationS: number;
  /** Per source (producer): read / produced / rejected by reason. */
  sources: SourceSummary[];
  /** External plaza codes (like "A-101") this run registered, with the ids they got from now on. */
  plazasRegistered: { code: string; plazaId: number }[];
  produced: number | null;
  failed: number | null;
  unacked: number | null;
  payments: number | null;
  /** Passage rows the sink wrote (all of them, whoever produced them); split up in `rows`. */
  persisted: number | null;
  rows: PersistedSummary | null;
  alreadyPresent: number | null;
  deadLettered: number | null;
  duplicatesFound: number | null;
  missing: number | null;
  lag: number | null;
  producedPerSec: number | null;
  persistedPerSec: number | null;
  latencyP50Ms: number | null;
  latencyP99Ms: number | null;
  /** How the produced count was verified (null when nothing was produced here). */
  verified: ProducedVerification | null;
  reconciled: boolean | null;
  reason: string | null;
  /** A --replace run that swapped its rows in: what the earlier import of the file had, and what replaced it. */
  replaced?: ReplacedImport;
  /** The anomaly detector's run, when it ran in this process. */
  anomalies?: AnomalySummary;
}

export interface AnomalySummary {
  /** Findings new to MySQL in this run, in total and per rule; acknowledged on the anomalies topic. */
  findings: number;
  perRule: Record<string, number>;
  published: number;
  /** Event time the detector had decided up to (ISO). */
  watermark: string | null;
  inputs: number;
  late: number;
}

export interface ReplacedImport {
  importId: string;
  runId: string;
  /** Passages of the earlier import removed, and this run's passages put in their place. */
  removed: number;
  inserted: number;
  paymentsRemoved: number;
  paymentsInserted: number;
}

/**
 * What stands behind `produced`: every acknowledgement (acks=all) was checked partition by partition (`resent`
 * messages had an incomplete or overlapping one and were sent again), and at the end of the run every partition's
 * log still reached the highest offset acknowledged in it (`shortfalls` lists those that did not).
 */
export interface ProducedVerification {
  partitionAcks: number;
  resent: number;
  overlaps: number;
  partitionsChecked: number;
  shortfalls: string[];
  /** Set when the partitions' ends could not be read at the end of the run. */
  error: string | null;
}
