/**
 * The monitor's screen: the alternate screen, the Ink app, and the one shutdown path for `q`, Ctrl-C,
 * SIGINT/SIGTERM/SIGHUP, --duration and crashes: stop the pipeline (producers flushed, the sink's batch committed,
 * pools closed), unmount, restore the terminal, then print a one-line summary. An uncaught error is also written
 * to <stateDir>/monitor-crash.log and summarised on the restored screen.
 */
import { render } from 'ink';
import type { Instance, RenderOptions } from 'ink';
import { createElement } from 'react';
import type { Config } from '../config/config.ts';
import type { Pipeline } from '../runtime/pipeline.ts';
import { createLogger } from '../util/log.ts';
import type { ReadableStore } from '../util/store.ts';
import { settleWithin } from '../util/timeout.ts';
import { MonitorApp } from '../../components/app/App.tsx';
import type { MonitorServices } from '../../components/app/services.ts';
import { emptyClusterSnapshot, emptyLagSnapshot } from '../../components/app/empty.ts';
import type { Lifecycle } from '../../components/alerts/Footer.tsx';
import { formatCount, formatUptime } from '../../components/format/format.ts';
import { staticStore } from '../../components/hooks/useStore.ts';
import { createMonitorAnomalyFeed } from './anomaly-feed.ts';
import { createMonitorBaselineFeed } from './baseline-feed.ts';
import { crashSummary, writeCrashReport } from './crash.ts';
import { openHistory } from './history.ts';
import type { MonitorLogs } from './logs.ts';
import { createMonitorQueryService } from './query-service.ts';
import { alternateScreen } from './terminal.ts';

/** Longest a graceful stop may take before the terminal is restored anyway. */
const SHUTDOWN_LIMIT_MS = 30_000;
const CRASH_SHUTDOWN_LIMIT_MS = 5_000;
/** Ink renders at most this often; the engines publish at most every ~150 ms anyway. */
const MAX_FPS = 20;

interface ValueStore<T> extends ReadableStore<T> {
  set(value: T): void;
}

function valueStore<T>(initial: T): ValueStore<T> {
  let value = initial;
  const listeners = new Set<() => void>();
  return {
    subscribe: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    getSnapshot: () => value,
    set(next) {
      value = next;
      for (const l of listeners) l();
    },
  };
}

function summary(pipeline: Pipeline, startedAt: number): string {
  const produced = pipeline.producers?.store.getSnapshot().totals;
  const sink = pipeline.sink?.store.getSnapshot();
  const parts = [
    ...(produced ? [`produced ${formatCount(produced.acked)}`] : []),
    ...(sink
      ? [`persisted ${formatCount(sink.persisted)}`, `dead-lettered ${formatCount(sink.deadLettered)}`]
      : []),
  ];
  return `tollstream: stopped after ${formatUptime(Date.now() - startedAt)}${parts.length ? `; ${parts.join(', ')}` : ''}\n`;
}

/** What the Ink app reads and acts on: a pipeline's engines, plus what the caller owns (logs, lifecycle, quit). */
export function monitorServices(
  config: Config,
  pipeline: Pipeline,
  own: Pick<MonitorServices, 'logs' | 'lifecycle' | 'query' | 'history' | 'startedAt' | 'quit'> &
    Pick<MonitorServices, 'anomalies' | 'baselines'>,
): MonitorServices {
  return {
    producers: pipeline.producers ? { store: pipeline.producers.store, actions: pipeline.producers } : null,
    sink: pipeline.sink?.store ?? null,
    lag: pipeline.lag?.store ?? staticStore(emptyLagSnapshot()),
    cluster: pipeline.cluster?.store ?? staticStore(emptyClusterSnapshot()),
    tz: config.tz,
    ...own,
  };
}

/** The monitor rendered by Ink with the screen's options; on this process's terminal unless streams are given. */
export function renderMonitor(
  services: MonitorServices,
  streams: Pick<RenderOptions, 'stdout' | 'stdin' | 'stderr' | 'onRender'> = {},
): Instance {
  return render(createElement(MonitorApp, { services }), {
    exitOnCtrlC: false,
    patchConsole: false,
    maxFps: MAX_FPS,
    ...streams,
  });
}

export async function runScreen(config: Config, pipeline: Pipeline, logs: MonitorLogs): Promise<number> {
  const log = createLogger('monitor');
  const startedAt = Date.now();
  const query = createMonitorQueryService(config, createLogger('query'));
  // The anomalies view and alerts read the table the detector fills, wherever the detector runs.
  const anomalies = createMonitorAnomalyFeed(config, createLogger('anomalies'), startedAt);
  // The throughput pane's expected bands: only a monitor that persists passages has live rates to set them beside.
  const baselines = pipeline.sink ? createMonitorBaselineFeed(config, createLogger('baselines')) : null;
  const lifecycle = valueStore<Lifecycle>({ phase: 'running' });
  const screen = alternateScreen();
  const restoreOnExit = (): void => screen.restore();
  process.on('exit', restoreOnExit);

  let resolveDone!: (code: number) => void;
  const done = new Promise<number>((r) => (resolveDone = r));
  let finishing: Promise<void> | null = null;
  let crashReport: string | null = null;

  const services = monitorServices(config, pipeline, {
    logs: logs.store,
    lifecycle,
    query,
    anomalies: { store: anomalies.store, alerts: config.monitor.alerts },
    baselines: baselines ? { store: baselines.store } : null,
    history: openHistory(config.stateDir, log),
    startedAt,
    quit: () => void shutdown(0, 'quit'),
  });

  screen.enter();
  const restoreConsole = logs.captureConsole();
  const instance = renderMonitor(services);

  function shutdown(code: number, why: string, limitMs = SHUTDOWN_LIMIT_MS): Promise<void> {
    finishing ??= (async () => {
      log.info(`stopping (${why})`);
      lifecycle.set({
        phase: 'stopping',
        detail: 'flushing producers, committing the sink batch, closing pools…',
      });
      let exitCode = code;
      const stopped = await settleWithin(
        pipeline.shutdown().catch((e: unknown) => {
          log.error(`shutdown failed: ${(e as Error).message}`);
          throw e;
        }),
        limitMs,
        'the pipeline',
      );
      await settleWithin(anomalies.stop(), 2000, 'the anomalies feed');
      if (baselines) await settleWithin(baselines.stop(), 2000, 'the baselines feed');
      await settleWithin(query.close(), 2000, 'the query pool');
      instance.unmount();
      restoreConsole();
      screen.restore();
      logs.dispose();
      if (crashReport !== null) process.stderr.write(crashReport);
      else process.stdout.write(summary(pipeline, startedAt));
      if (stopped !== 'done') {
        process.stderr.write(
          stopped === 'timeout'
            ? `tollstream: the pipeline did not stop within ${limitMs / 1000} s; exiting anyway\n`
            : 'tollstream: the pipeline did not stop cleanly\n',
        );
        exitCode = exitCode || 1;
      }
      for (const e of logs.buffer.ring
        .newest(500)
        .filter((x) => x.level === 'error')
        .slice(0, 3)
        .reverse()) {
        process.stderr.write(`tollstream: error [${e.namespace}] ${e.message}\n`);
      }
      resolveDone(exitCode);
    })();
    return finishing;
  }

  function crash(error: unknown): void {
    if (crashReport !== null) return;
    const file = writeCrashReport(config.stateDir, error, logs.buffer.ring.newest(50));
    crashReport = crashSummary(error, file);
    void shutdown(1, 'crash', CRASH_SHUTDOWN_LIMIT_MS);
  }

  let signalled = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (signalled) {
      // A second signal: the person wants out now; the 'exit' handler restores the screen.
      process.exit(130);
    }
    signalled = true;
    void shutdown(0, signal);
  };
  const onUncaught = (e: unknown): void => crash(e);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onUncaught);
  // A render error ends Ink's app with that error.
  instance.waitUntilExit().catch((e: unknown) => crash(e));

  const durationTimer =
    config.run.durationMs !== undefined
      ? setTimeout(() => void shutdown(0, 'duration'), config.run.durationMs)
      : undefined;

  anomalies.start();
  baselines?.start();
  void pipeline.start().catch((e: unknown) => log.error(`pipeline failed to start: ${(e as Error).message}`));

  const code = await done;
  if (durationTimer) clearTimeout(durationTimer);
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  process.off('SIGHUP', onSignal);
  process.off('uncaughtException', onUncaught);
  process.off('unhandledRejection', onUncaught);
  process.off('exit', restoreOnExit);
  // Everything is closed; a client library's stray timer must not keep a finished monitor alive.
  setTimeout(() => process.exit(code), 3000).unref();
  return code;
}
