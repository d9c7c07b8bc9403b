/**
 * The exit decision of a headless run (pure). Exit 0 only when everything produced in the run is persisted
 * exactly once; otherwise 1 with one line saying why.
 *
 * What each role can promise:
 * - all: producers and sink are here, so the run waits for the sink to catch up and reconciles Kafka against
 *   MySQL (runtime/reconcile.ts).
 * - producer: its sink may run elsewhere, later, or not at all, so MySQL cannot be checked here. It reconciles
 *   its own side: every passage read from a source was acknowledged by Kafka (acks=all). That passes with
 *   "not reconciled: no consumer in this process", which is what someone feeding a remote consumer expects.
 * - consumer: nothing is produced in the process, so there is nothing to reconcile; it fails only when the sink
 *   gave up for good.
 * - anomalies: the detector alone; nothing to reconcile, it fails only when the detector gave up for good.
 */
import type { MaxRejects, Role } from '../config/config.ts';
import type { EngineStatus, ProducerSnapshot, ProducersSnapshot } from '../engines/types.ts';
import type { DrainResult } from '../runtime/drain.ts';
import type { ReconcileResult } from '../runtime/reconcile.ts';
import type { ProducedVerification, Verdict } from './status.ts';

export interface VerdictInputs {
  role: Role;
  /** A second signal ended the run before it could reconcile. */
  interrupted: boolean;
  producers: ProducersSnapshot | null;
  /** The end-of-run check of what Kafka acknowledged (null with fake publishers or no producers). */
  verified?: ProducedVerification | null;
  /** The sink's status as the run ended, before it was stopped. */
  sinkStatus: EngineStatus | null;
  /** The anomaly detector's, likewise (null when it did not run). */
  detectorStatus?: EngineStatus | null;
  drain: DrainResult | null;
  reconcile: ReconcileResult | null;
  reconcileError?: string;
  /** --max-rejects as configured (undefined: the per-kind default of rejectLimit). */
  maxRejects?: MaxRejects;
}

/**
 * The rows a finite source may reject before its run fails. A file is an import someone expects to land whole, so
 * by default it may reject none; the other sources (replays of public data sets with known bad rows, APIs) report
 * their rejects but fail only when --max-rejects is given.
 */
export type RejectSubject = Pick<ProducerSnapshot, 'spec' | 'sourceKind' | 'finite' | 'progress'>;

export function rejectLimit(p: Omit<RejectSubject, 'spec'>, max?: MaxRejects): number {
  if (!p.finite) return Infinity;
  const limit = max ?? (p.sourceKind === 'file' ? { count: 0 } : undefined);
  if (!limit) return Infinity;
  return 'count' in limit ? limit.count : Math.floor((p.progress.read * limit.percent) / 100);
}

const describeLimit = (max: MaxRejects | undefined, limit: number): string =>
  max === undefined
    ? 'a file import may reject none by default; allow some with --max-rejects N or N%'
    : 'count' in max
      ? `--max-rejects allows ${max.count}`
      : `--max-rejects ${max.percent}% allows ${limit}`;

/** The first finite source that rejected more rows than it may, as one line naming the reasons. */
export function rejectProblem(sources: readonly RejectSubject[], max?: MaxRejects): string | null {
  for (const p of sources) {
    const limit = rejectLimit(p, max);
    if (p.progress.rejected <= limit) continue;
    const reasons = Object.entries(p.progress.rejectedByReason ?? {})
      .sort(([, a], [, b]) => b - a)
      .map(([code, n]) => `${code} ${n}`)
      .join(', ');
    return `${p.spec}: ${p.progress.rejected} of ${p.progress.read} rows rejected${
      reasons ? ` (${reasons})` : ''
    }, more than the run may reject (${describeLimit(max, limit)}); the log names each row, and tollstream import --dry-run previews the mapping`;
  }
  return null;
}

function producerProblem(
  producers: ProducersSnapshot | null,
  verified: ProducedVerification | null | undefined,
): string | null {
  if (!producers) return null;
  if (verified?.shortfalls.length)
    return `Kafka no longer holds passages it acknowledged: ${verified.shortfalls.slice(0, 3).join('; ')}`;
  if (verified?.error) return `cannot verify that Kafka still holds what it acknowledged: ${verified.error}`;
  const broken = producers.producers.find((p) => p.status.kind === 'error' && !p.status.willRetry);
  if (broken && broken.status.kind === 'error')
    return `producer ${broken.name} failed: ${broken.status.message}`;
  const { sent, acked, failed } = producers.totals;
  if (failed > 0) return `${failed} passages were refused by Kafka (see the log for their event ids)`;
  if (sent - acked - failed > 0) {
    return `${sent - acked - failed} passages read from sources were not acknowledged by Kafka before the run ended`;
  }
  return null;
}

/** A sink that gave up, or that ended the run refused by MySQL for a cause someone must fix. */
function sinkProblem(status: EngineStatus | null): string | null {
  if (status?.kind !== 'error') return null;
  if (!status.willRetry) return `sink failed: ${status.message}`;
  return status.permanent ? `sink error: ${status.message}` : null;
}

export function verdict(i: VerdictInputs): Verdict {
  const unreadable = i.producers?.producers.find((p) => p.status.kind === 'error' && p.status.usage);
  if (unreadable?.status.kind === 'error')
    return { reconciled: null, reason: `${unreadable.spec}: ${unreadable.status.message}`, exitCode: 2 };
  const problem =
    producerProblem(i.producers, i.verified) ?? rejectProblem(i.producers?.producers ?? [], i.maxRejects);
  const sink = sinkProblem(i.sinkStatus);
  switch (i.role) {
    case 'consumer': {
      if (sink) return { reconciled: null, reason: sink, exitCode: 1 };
      return {
        reconciled: null,
        reason: 'consumer only: nothing produced in this process to reconcile',
        exitCode: 0,
      };
    }
    case 'anomalies': {
      const d = i.detectorStatus;
      if (d?.kind === 'error' && !d.willRetry)
        return { reconciled: null, reason: `anomaly detector failed: ${d.message}`, exitCode: 1 };
      return {
        reconciled: null,
        reason: 'anomaly detector only: nothing produced in this process to reconcile',
        exitCode: 0,
      };
    }
    case 'producer': {
      if (problem) return { reconciled: null, reason: problem, exitCode: 1 };
      const acked = i.producers?.totals.acked ?? 0;
      return {
        reconciled: null,
        reason: `not reconciled: no consumer in this process (all ${acked} passages acknowledged by Kafka${
          i.verified
            ? `, each acknowledgement checked per partition, and every partition's log still reaching its highest acknowledged offset at exit`
            : ''
        })`,
        exitCode: 0,
      };
    }
    case 'all': {
      const mysql = reconciledInMysql(i);
      if (problem) return { reconciled: mysql.reconciled, reason: problem, exitCode: 1 };
      // The cause first: "not reconciled: the sink did not catch up" alone would hide why.
      if (sink) {
        const reason = mysql.reason ? `${sink}; ${mysql.reason}` : sink;
        return { reconciled: mysql.reconciled, reason, exitCode: 1 };
      }
      return mysql;
    }
    default: {
      const never: never = i.role;
      throw new Error(`unknown role ${String(never)}`);
    }
  }
}

function reconciledInMysql(i: VerdictInputs): Verdict {
  if (i.interrupted) return { reconciled: false, reason: 'not reconciled: interrupted', exitCode: 1 };
  if (!i.drain?.drained) {
    return {
      reconciled: false,
      reason: `not reconciled: ${i.drain?.reason ?? 'the sink did not catch up'}`,
      exitCode: 1,
    };
  }
  if (i.reconcileError || !i.reconcile) {
    return {
      reconciled: false,
      reason: `not reconciled: ${i.reconcileError ?? 'no reconciliation ran'}`,
      exitCode: 1,
    };
  }
  const r = i.reconcile;
  if (r.missing > 0) {
    return {
      reconciled: false,
      reason: `${r.missing} of ${r.checked} passages acknowledged by Kafka are missing from MySQL (e.g. ${r.missingSample.join(', ')}); dead-lettered?`,
      exitCode: 1,
    };
  }
  if (r.duplicates > 0) {
    return {
      reconciled: false,
      reason: `${r.duplicates} duplicate payment rows in MySQL (passages paid more than once)`,
      exitCode: 1,
    };
  }
  return { reconciled: true, reason: null, exitCode: 0 };
}
