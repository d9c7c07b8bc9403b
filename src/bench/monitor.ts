/**
 * The full-screen monitor for the benchmark's "monitor open" phases: the real Ink app (components/app/App.tsx),
 * wired to the pipeline a headless run creates as src/monitor/screen.ts wires it (same services, same render
 * options, logs taken over into its log pane), drawn into an off-screen terminal (offscreen.ts). Importing this
 * loads Ink and React, so run.ts loads it only when those phases start.
 */
import type { Config } from '../config/config.ts';
import type { Pipeline } from '../runtime/pipeline.ts';
import { createLogger, setLogSink } from '../util/log.ts';
import type { LogLevel, LogSink } from '../util/log.ts';
import { settleWithin } from '../util/timeout.ts';
import { staticStore } from '../../components/hooks/useStore.ts';
import { openHistory } from '../monitor/history.ts';
import { createMonitorLogs } from '../monitor/logs.ts';
import { createMonitorQueryService } from '../monitor/query-service.ts';
import { monitorServices, renderMonitor } from '../monitor/screen.ts';
import type { OffscreenTerminal } from './offscreen.ts';
import type { ScreenStats } from './report.ts';

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export interface OffscreenMonitor {
  /** For runHeadless's `attach`: draws the monitor on the pipeline; the returned function takes it down. */
  attach(pipeline: Pipeline): () => Promise<void>;
  stats(): ScreenStats;
}

/**
 * `restoreLogs`: the log sink and level to put back when the monitor comes down (while it is up it owns the sink,
 * as on a terminal); the warnings and errors its log pane collected are passed on to that sink then.
 */
export function offscreenMonitor(
  config: Config,
  terminal: OffscreenTerminal,
  restoreLogs: { sink: LogSink; level: LogLevel },
): OffscreenMonitor {
  let frames = 0;
  let renderMs = 0;
  let error: string | null = null;
  return {
    stats: () => ({ frames, renderMs, bytes: terminal.stdout.bytes, error }),
    attach(pipeline) {
      const log = createLogger('monitor');
      const logs = createMonitorLogs(config.logLevel);
      const query = createMonitorQueryService(config, createLogger('query'));
      const services = monitorServices(config, pipeline, {
        logs: logs.store,
        lifecycle: staticStore({ phase: 'running' }),
        query,
        history: openHistory(config.stateDir, log),
        startedAt: Date.now(),
        // Nobody presses q here; the run ends on its own.
        quit: () => {},
      });
      const instance = renderMonitor(services, {
        stdout: terminal.stdout as unknown as NodeJS.WriteStream,
        stderr: terminal.stdout as unknown as NodeJS.WriteStream,
        stdin: terminal.stdin as unknown as NodeJS.ReadStream,
        onRender: ({ renderTime }) => {
          frames++;
          renderMs += renderTime;
        },
      });
      // Subscribed now: Ink settles this promise only if someone waits for it before the app ends.
      const exited = instance.waitUntilExit().then(
        () => {},
        (e: unknown) => {
          error = (e as Error).message;
        },
      );
      return async () => {
        instance.unmount();
        await settleWithin(exited, 2000, 'the monitor');
        await settleWithin(query.close(), 2000, 'the query pool');
        logs.dispose();
        setLogSink(restoreLogs.sink, restoreLogs.level);
        for (const entry of logs.buffer.ring.newest(500).reverse()) {
          if (RANK[entry.level] >= Math.max(RANK.warn, RANK[restoreLogs.level])) restoreLogs.sink(entry);
        }
      };
    },
  };
}
