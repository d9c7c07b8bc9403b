/**
 * The sink draining a backlog alone, on a fixture of its own: first a producer-only run (role producer, the
 * simulator at full speed) publishes the backlog with no sink and logs every acknowledged event id (--ack-log);
 * then a consumer-only run (role consumer, a fresh group reading from the beginning) is ended by the benchmark
 * once the sink's committed offsets reach the topics' ends as they stood after the producers. The sink's rate is
 * passages persisted / (drained − partitions assigned); the group join before it is reported apart.
 *
 * A consumer-only run reconciles nothing by itself (nothing is produced in it), so the benchmark does: every
 * acknowledged id is looked up in MySQL (missing, or paid twice), and the passage rows are counted.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Config } from '../config/config.ts';
import { runHeadless } from '../headless/run.ts';
import type { HeadlessOptions } from '../headless/run.ts';
import { realServices } from '../headless/services.ts';
import { waitForDrain } from '../runtime/drain.ts';
import type { DrainResult } from '../runtime/drain.ts';
import type { Pipeline } from '../runtime/pipeline.ts';
import { RECONCILE_CHUNK, reconcile } from '../runtime/reconcile.ts';
import { idChunks } from '../runtime/spool.ts';
import type { ReconcileResult } from '../runtime/reconcile.ts';
import { Storage } from '../storage/db.ts';
import type { Logger } from '../util/log.ts';
import type { BenchFixture } from './fixture.ts';
import type { BacklogResult } from './report.ts';

/** The largest backlog the benchmark builds: enough seconds of draining at the target, a bounded wait. */
export const MAX_BACKLOG = 300_000;

export interface BacklogOptions {
  passages: number;
  /** Config for a phase on the fixture: the bench's phaseConfig. */
  config: (run: Partial<Config['run']>) => Config;
  headless: HeadlessOptions;
  log: Logger;
  signal?: AbortSignal;
  /** Status lines of the producing run and of the sink's run. */
  onStatus: (stage: 'producing' | 'draining', line: Record<string, unknown>) => void;
}

async function countPassageRows(config: Config): Promise<number> {
  const { url, ssl, sslCaFile } = config.mysql;
  const storage = await Storage.open({ url, ssl, ...(sslCaFile ? { sslCaFile } : {}), connectionLimit: 1 });
  try {
    const [row] = await storage.query<{ n: number | string }>('SELECT COUNT(*) AS n FROM passages');
    return Number(row?.n ?? 0);
  } finally {
    await storage.close();
  }
}

/** The first reason the backlog was not persisted exactly once, or null. */
export function backlogProblem(p: {
  acked: number;
  persisted: number;
  rows: number | null;
  drain: DrainResult;
  check: ReconcileResult | { error: string };
  sinkReason: string | null;
}): string | null {
  if (!p.drain.drained) return `not reconciled: ${p.drain.reason ?? 'the sink did not catch up'}`;
  if (p.sinkReason) return p.sinkReason;
  if ('error' in p.check) return `not reconciled: ${p.check.error}`;
  const c = p.check;
  if (c.missing > 0)
    return `${c.missing} of ${c.checked} passages acknowledged by Kafka are missing from MySQL (e.g. ${c.missingSample.join(', ')})`;
  if (c.duplicates > 0)
    return `${c.duplicates} duplicate payment rows in MySQL (passages paid more than once)`;
  if (p.rows !== p.acked)
    return `MySQL holds ${p.rows ?? 'an unknown number of'} passage rows for ${p.acked} passages acknowledged`;
  if (p.persisted !== p.acked)
    return `the sink counted ${p.persisted} passages persisted for ${p.acked} acknowledged`;
  return null;
}

export async function runBacklog(fixture: BenchFixture, o: BacklogOptions): Promise<BacklogResult> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tollstream-bench-'));
  const ackLog = path.join(dir, 'acked-event-ids.txt');
  const services = realServices(fixture.config, o.log.child('backlog'));
  try {
    const produced = await runHeadless(o.config({ role: 'producer', rate: 0, events: o.passages, ackLog }), {
      ...o.headless,
      onStatus: (line) => o.onStatus('producing', line),
    });
    const acked = produced.summary?.produced ?? 0;
    const result: BacklogResult = {
      passages: acked,
      producedPerSec: produced.summary?.producedPerSec ?? null,
      joinSeconds: null,
      seconds: null,
      persistedPerSec: null,
      rows: null,
      reconciled: null,
      reason: null,
    };
    if (produced.exitCode !== 0 || acked === 0) {
      const why = produced.summary?.reason ?? produced.usageError ?? 'nothing was acknowledged';
      return { ...result, reconciled: false, reason: `producing the backlog failed: ${why}` };
    }
    if (o.signal?.aborted) return { ...result, reason: 'skipped' };

    const topics = [fixture.topics.passages, fixture.topics.payments, fixture.topics.plazas];
    const targets = await services.highWatermarks(topics);
    const stop = new AbortController();
    const signal = o.signal ? AbortSignal.any([o.signal, stop.signal]) : stop.signal;
    // Set from the sink's callbacks; an object, so the reads below are not narrowed to the initial nulls.
    const at: { started: number | null; assigned: number | null; drained: number | null } = {
      started: null,
      assigned: null,
      drained: null,
    };
    let drain: Promise<DrainResult> = Promise.resolve({
      drained: false,
      lag: NaN,
      reason: 'the sink never started',
    });
    const attach = (pipeline: Pipeline): (() => void) => {
      const store = pipeline.sink?.store;
      at.started = Date.now();
      const unsubscribe = store?.subscribe(() => {
        if (at.assigned === null && Object.keys(store.getSnapshot().assignment).length)
          at.assigned = Date.now();
      });
      drain = waitForDrain({
        targets,
        committed: () => services.committed(pipeline.groupId, topics),
        signal,
        pollMs: 100,
      }).then((r) => {
        if (r.drained) at.drained = Date.now();
        stop.abort();
        return r;
      });
      return () => unsubscribe?.();
    };
    const consumed = await runHeadless(o.config({ role: 'consumer' }), {
      ...o.headless,
      stop: signal,
      attach,
      onStatus: (line) => o.onStatus('draining', line),
    });
    stop.abort();
    const drained = await drain;
    const persisted = consumed.summary?.persisted ?? 0;
    const check = await reconcile(idChunks(ackLog, RECONCILE_CHUNK), services.lookup).catch((e: unknown) => ({
      error: (e as Error).message,
    }));
    const rows = await countPassageRows(fixture.config).catch(() => null);
    const seconds = at.drained !== null && at.assigned !== null ? (at.drained - at.assigned) / 1000 : null;
    const sinkReason =
      consumed.exitCode !== 0 ? (consumed.summary?.reason ?? consumed.usageError ?? null) : null;
    const problem = backlogProblem({ acked, persisted, rows, drain: drained, check, sinkReason });
    return {
      ...result,
      joinSeconds: at.started !== null && at.assigned !== null ? (at.assigned - at.started) / 1000 : null,
      seconds,
      persistedPerSec: seconds !== null && seconds > 0 ? persisted / seconds : null,
      rows,
      reconciled: problem === null,
      reason: problem,
    };
  } finally {
    await services.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
