/**
 * The TollSource shell every stream-reading source shares (tolldata, hourly, file, http): pacing, resume after
 * stop, the single-run guard, progress and the bad-row list. Each source supplies only how to read its input
 * into an ordered stream of events.
 */
import type { Plaza, TollEvent } from '../domain/types.ts';
import type { Pace, SourceContext, SourceProgress, TollSource } from './source.ts';
import { Pacer, type PacerOptions } from './pacer.ts';
import { Backlog, pacedBatches } from './batches.ts';
import type { RejectLog, RejectedRow } from './rejects.ts';

/** A source that reads external records, some of which may be rejected. */
export interface RecordSource extends TollSource {
  /** The most recent rejected rows (bounded), oldest first, each with file or URL, line and reason. */
  recentRejects(): RejectedRow[];
  /** The identity of the input's content (a file's `file-<hash>`), the prefix of its event ids; after plazas(). */
  importId?(): string | undefined;
}

/** Counters the reading side updates as it goes; progress() reads them. */
export interface ReadCounters {
  read: number;
  total?: number;
  note?: string;
}

export interface ReplaySetup {
  kind: string;
  spec: string;
  finite: boolean;
  ctx: SourceContext;
  plazas(): Promise<Plaza[]>;
  /**
   * Opens the event stream, in event-time order, already limited to ctx.from/ctx.to. Called once. A stream that
   * waits (polls, retries) should watch `signal()`, the signal of the events() call currently running, and
   * hand back an empty chunk when it aborts.
   */
  open(signal: () => AbortSignal): AsyncIterator<TollEvent[]>;
  counters: ReadCounters;
  rejects: RejectLog;
  /** Called once a batch has been handed over, including when the consumer stops right after taking it. */
  handedOver?(batch: TollEvent[]): Promise<void>;
  pacer?: PacerOptions;
  /** The identity of the input's content, once known (RecordSource.importId). */
  importId?(): string | undefined;
}

const eventTime = (e: TollEvent): number => Date.parse(e.passage.passedAt);

export function createReplaySource(setup: ReplaySetup): RecordSource {
  const { ctx, counters, rejects } = setup;
  const pacer = new Pacer(ctx.pace, setup.pacer);
  let current: AbortSignal = AbortSignal.abort();
  const backlog = new Backlog<TollEvent>(() => setup.open(() => current));
  let running = false;
  let eventTimeMs: number | undefined;

  async function* events(signal: AbortSignal): AsyncGenerator<TollEvent[]> {
    if (running) throw new Error(`source ${setup.spec}: events() is already running`);
    running = true;
    current = signal;
    // A resumed replay starts pacing afresh instead of owing the time it was stopped.
    pacer.resetAnchor();
    let unacknowledged: TollEvent[] | undefined;
    try {
      for await (const batch of pacedBatches(backlog, pacer, signal, eventTime)) {
        eventTimeMs = eventTime(batch[batch.length - 1]!);
        unacknowledged = batch;
        yield batch;
        unacknowledged = undefined;
        await setup.handedOver?.(batch);
      }
    } finally {
      running = false;
      if (unacknowledged) await setup.handedOver?.(unacknowledged);
    }
  }

  return {
    kind: setup.kind,
    spec: setup.spec,
    finite: setup.finite,
    plazas: () => setup.plazas(),
    events,
    setPace: (pace: Pace) => pacer.setPace(pace),
    getPace: () => pacer.getPace(),
    progress(): SourceProgress {
      const p: SourceProgress = {
        read: counters.read,
        rejected: rejects.count,
        rejectedByReason: rejects.byReason(),
      };
      if (counters.total !== undefined) p.total = counters.total;
      if (eventTimeMs !== undefined) p.eventTimeMs = eventTimeMs;
      if (counters.note !== undefined) p.note = counters.note;
      else if (backlog.exhausted) p.note = 'finished';
      return p;
    },
    recentRejects: () => rejects.recent(),
    ...(setup.importId ? { importId: setup.importId } : {}),
  };
}

/** True when `ms` lies in the half-open window [ctx.from, ctx.to). */
export function inWindow(ctx: Pick<SourceContext, 'from' | 'to'>, ms: number): boolean {
  return (ctx.from === undefined || ms >= ctx.from) && (ctx.to === undefined || ms < ctx.to);
}
