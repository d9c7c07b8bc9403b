/**
 * One frame of everything the monitor shows. Engines publish on their own clocks (each at most every ~150 ms);
 * rendering each publish separately would cost a React commit and an Ink frame apiece. The frame store samples
 * all engine stores together, so the screen redraws once per frame whatever the passage rate, and it ticks
 * once a second so clocks (uptime, ages) move without timers in the panes.
 *
 * The UI shares one thread with the producers and the sink, so it paces itself: it measures what each frame
 * costs (React's render and Ink's drawing both finish in the microtasks after the flush) and spaces frames so
 * drawing takes at most RENDER_BUDGET of the thread: every FRAME_MS when frames are cheap, slower when the
 * machine is busy or the screen is large, never slower than MAX_FRAME_MS.
 */
import type {
  ClusterSnapshot,
  LagSnapshot,
  ProducersSnapshot,
  SinkSnapshot,
} from '../../src/engines/types.ts';
import type { LogEntry } from '../../src/util/log.ts';
import type { ReadableStore } from '../../src/util/store.ts';
import type { Lifecycle } from '../alerts/Footer.tsx';
import type { AnomaliesSnapshot } from '../anomalies/types.ts';
import type { BaselineSnapshot } from '../throughput/types.ts';
import { addSample } from '../header/rates.ts';
import type { Sample } from '../header/rates.ts';
import type { MonitorServices } from './services.ts';

export const FRAME_MS = 250;
export const MAX_FRAME_MS = 1000;
/**
 * Share of the event loop the screen may use while data flows. The sink shares the thread, so this is about what
 * the monitor costs in throughput: measured by `npm run bench` at full speed (~11 ms per 80×24 frame), 8 % cost
 * 7-11 % of the persisted rate; 4 % keeps it within the 5 % the monitor may cost (frames every ~275 ms then).
 */
export const RENDER_BUDGET = 0.04;
const CLOCK_MS = 1000;

/** The interval that keeps drawing within the budget, from a smoothed per-frame cost. */
export function paceInterval(frameCostMs: number, minMs = FRAME_MS): number {
  return Math.round(Math.min(MAX_FRAME_MS, Math.max(minMs, frameCostMs / RENDER_BUDGET)));
}

export interface MonitorFrame {
  now: number;
  producers: ProducersSnapshot | null;
  sink: SinkSnapshot | null;
  lag: LagSnapshot;
  cluster: ClusterSnapshot;
  logs: readonly LogEntry[];
  lifecycle: Lifecycle;
  /** null: this monitor reads no anomalies. */
  anomalies: AnomaliesSnapshot | null;
  /** null: this monitor reads no traffic baselines. */
  baselines: BaselineSnapshot | null;
  /** Dead-lettered totals over time, for a rate and the "DLQ growing" alert (the sink has no such rate). */
  deadLetters: readonly Sample[];
}

type Sources = Pick<
  MonitorServices,
  'producers' | 'sink' | 'lag' | 'cluster' | 'logs' | 'lifecycle' | 'anomalies' | 'baselines'
>;

export function createFrameStore(
  services: Sources,
  intervalMs = FRAME_MS,
  clock: () => number = Date.now,
): ReadableStore<MonitorFrame> {
  const read = (previous: MonitorFrame | null, now: number): MonitorFrame => {
    const sink = services.sink?.getSnapshot() ?? null;
    const sinkChanged = !previous || sink !== previous.sink;
    return {
      now,
      producers: services.producers?.store.getSnapshot() ?? null,
      sink,
      lag: services.lag.getSnapshot(),
      cluster: services.cluster.getSnapshot(),
      logs: services.logs.getSnapshot(),
      lifecycle: services.lifecycle.getSnapshot(),
      anomalies: services.anomalies?.store.getSnapshot() ?? null,
      baselines: services.baselines?.store.getSnapshot() ?? null,
      deadLetters:
        sink && sinkChanged
          ? addSample(previous?.deadLetters ?? [], { at: now, value: sink.deadLettered })
          : (previous?.deadLetters ?? []),
    };
  };
  let frame = read(null, clock());
  let lastFlush = 0;
  let costMs = 0;
  let timer: NodeJS.Timeout | undefined;
  let clockTimer: NodeJS.Timeout | undefined;
  let unsubscribers: (() => void)[] = [];
  const listeners = new Set<() => void>();

  const flush = (): void => {
    timer = undefined;
    lastFlush = clock();
    frame = read(frame, lastFlush);
    const started = performance.now();
    for (const l of listeners) l();
    // Queued after React's own render microtask, so it runs once the frame is rendered and drawn.
    queueMicrotask(() => {
      costMs =
        costMs === 0 ? performance.now() - started : 0.8 * costMs + 0.2 * (performance.now() - started);
    });
  };
  const schedule = (): void => {
    if (timer) return;
    const interval = intervalMs === 0 ? 0 : paceInterval(costMs, intervalMs);
    timer = setTimeout(flush, Math.max(0, lastFlush + interval - clock()));
    timer.unref?.();
  };
  const sources: ReadableStore<unknown>[] = [
    ...(services.producers ? [services.producers.store] : []),
    ...(services.sink ? [services.sink] : []),
    services.lag,
    services.cluster,
    services.logs,
    services.lifecycle,
    ...(services.anomalies ? [services.anomalies.store] : []),
    ...(services.baselines ? [services.baselines.store] : []),
  ];

  return {
    subscribe(listener) {
      listeners.add(listener);
      if (listeners.size === 1) {
        unsubscribers = sources.map((s) => s.subscribe(schedule));
        // Clocks move at least once a second; while data flows the frames already carry a fresh `now`.
        clockTimer = setInterval(() => {
          if (clock() - lastFlush >= CLOCK_MS - intervalMs) schedule();
        }, CLOCK_MS);
        clockTimer.unref?.();
        // Anything published before the first subscriber shows on the first frame.
        schedule();
      }
      return () => {
        listeners.delete(listener);
        if (listeners.size > 0) return;
        for (const u of unsubscribers) u();
        unsubscribers = [];
        clearInterval(clockTimer);
        if (timer) clearTimeout(timer);
        timer = undefined;
      };
    },
    getSnapshot: () => frame,
  };
}
