/**
 * The root of the full-screen monitor: lays the panes out for the terminal size, routes keys through the pure
 * key map and runs the effects. It reads the engines through one frame store (frame.ts), so however fast the
 * passages flow the screen is redrawn at most once per frame; panes are memoised and skip unchanged snapshots.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { ReactNode } from 'react';
import { Box } from 'ink';
import { Footer } from '../alerts/Footer.tsx';
import { AnomaliesOverlay, anomaliesVisibleRows } from '../anomalies/AnomaliesOverlay.tsx';
import { LogOverlay } from '../alerts/LogOverlay.tsx';
import { Header } from '../header/Header.tsx';
import { HelpOverlay } from '../help/HelpOverlay.tsx';
import { useKeys } from '../hooks/useKeys.ts';
import { useStore } from '../hooks/useStore.ts';
import { useTerminalSize } from '../hooks/useTerminalSize.ts';
import type { Size } from '../hooks/useTerminalSize.ts';
import { lagLines } from '../lag/lines.ts';
import { LagPane, lagVisibleRows } from '../lag/LagPane.tsx';
import { ProducersPane } from '../producers/ProducersPane.tsx';
import { SqlPane, sqlPages } from '../sql/SqlPane.tsx';
import { ThemeContext } from '../theme/Tinted.tsx';
import { themeFromEnv } from '../theme/theme.ts';
import type { Theme } from '../theme/theme.ts';
import { ThroughputPane, throughputPages } from '../throughput/ThroughputPane.tsx';
import { VehiclesPane } from '../vehicles/VehiclesPane.tsx';
import { runEffect } from './effects.ts';
import { emptySinkSnapshot } from './empty.ts';
import { createFrameStore, FRAME_MS } from './frame.ts';
import type { MonitorFrame } from './frame.ts';
import { routeKey } from './keys.ts';
import type { KeyContext } from './keys.ts';
import { computeLayout } from './layout.ts';
import type { MonitorServices } from './services.ts';
import { initialMonitorState, monitorReducer } from './state.ts';
import type { MonitorAction, MonitorState } from './state.ts';
import { TooSmall } from './TooSmall.tsx';

const NO_SINK = emptySinkSnapshot();
const HOUR_MS = 3_600_000;

/** The UTC hour a moment falls in: the throughput pane's bands are for the hour on screen. */
const hourStart = (ms: number): number => Math.floor(ms / HOUR_MS) * HOUR_MS;

/** Keys act on what is on the screen: the current frame, not a newer snapshot the person has not seen. */
function keyContext(
  services: MonitorServices,
  frame: MonitorFrame,
  state: MonitorState,
  size: Size,
): KeyContext {
  const layout = computeLayout(size.columns, size.rows, state.focus);
  const sink = frame.sink ?? NO_SINK;
  const full = layout.kind === 'full' ? layout : null;
  return {
    now: Date.now(),
    tooSmall: layout.kind === 'tooSmall',
    producers: frame.producers?.producers ?? [],
    recent: sink.recent,
    lagLines: lagLines(frame.lag, state.lag.sort).length,
    lagVisible: full ? lagVisibleRows(full.lag.height) : 1,
    throughputPages: full ? throughputPages(sink, full.throughput.height) : 1,
    sqlPages: full ? sqlPages(state.sql, full.sql.height) : 1,
    saved: services.query?.saved ?? [],
    hasQuery: services.query !== null,
    findings: frame.anomalies?.newest ?? [],
    findingsVisible: full
      ? anomaliesVisibleRows(full.middle + full.sql.height, frame.anomalies?.rules.length ?? 0)
      : 1,
  };
}

export function MonitorApp({
  services,
  size,
  theme,
  frameMs = FRAME_MS,
}: {
  services: MonitorServices;
  /** Fixed size for tests; the terminal's own size (and its resizes) otherwise. */
  size?: Size;
  theme?: Theme;
  /** How often engine snapshots reach the screen (tests use 0). */
  frameMs?: number;
}): ReactNode {
  const terminal = useTerminalSize();
  const current = size ?? terminal;
  const [state, setState] = useState(() => initialMonitorState(services.history.initial));
  const stateRef = useRef(state);
  const sizeRef = useRef(current);
  const alive = useRef(true);
  useEffect(() => {
    sizeRef.current = current;
  }, [current]);
  useEffect(() => {
    alive.current = true;
    return () => {
      alive.current = false;
    };
  }, []);

  // Several actions from one key (or one paste) reduce in order against the latest state, not a stale render.
  const apply = useCallback((actions: MonitorAction[]) => {
    if (!alive.current || actions.length === 0) return;
    let next = stateRef.current;
    for (const a of actions) next = monitorReducer(next, a);
    if (next !== stateRef.current) {
      stateRef.current = next;
      setState(next);
    }
  }, []);

  const frames = useMemo(() => createFrameStore(services, frameMs), [services, frameMs]);
  const frame = useStore(frames);

  useKeys((key) => {
    const context = keyContext(services, frames.getSnapshot(), stateRef.current, sizeRef.current);
    const routed = routeKey(stateRef.current, key, context);
    apply(routed.actions);
    for (const effect of routed.effects) runEffect(effect, services, apply);
  });

  const resolvedTheme = useMemo(() => theme ?? themeFromEnv(process.env), [theme]);
  const layout = computeLayout(current.columns, current.rows, state.focus);

  if (layout.kind === 'tooSmall') {
    return (
      <ThemeContext.Provider value={resolvedTheme}>
        <TooSmall columns={layout.columns} rows={layout.rows} />
      </ThemeContext.Provider>
    );
  }
  const { width, middle } = layout;
  const overlayHeight = middle + layout.sql.height;
  return (
    <ThemeContext.Provider value={resolvedTheme}>
      <Box flexDirection="column" width={width} height={layout.height}>
        <Header
          cluster={frame.cluster}
          producers={frame.producers}
          sink={frame.sink}
          lag={frame.lag}
          deadLetters={frame.deadLetters}
          now={frame.now}
          startedAt={services.startedAt}
          width={width}
        />
        {state.overlay === 'help' ? (
          <HelpOverlay width={width} height={overlayHeight} />
        ) : state.overlay === 'log' ? (
          <LogOverlay logs={frame.logs} tz={services.tz} width={width} height={overlayHeight} />
        ) : state.overlay === 'anomalies' ? (
          <AnomaliesOverlay
            snapshot={frame.anomalies}
            state={state.anomalies}
            tz={services.tz}
            now={frame.now}
            width={width}
            height={overlayHeight}
          />
        ) : (
          <>
            <Box height={middle} flexShrink={0}>
              <Box flexDirection="column" width={layout.producers.width}>
                <ProducersPane
                  snapshot={frame.producers}
                  state={state.producers}
                  focused={state.focus === 'producers'}
                  {...layout.producers}
                />
                <LagPane
                  snapshot={frame.lag}
                  state={state.lag}
                  focused={state.focus === 'lag'}
                  {...layout.lag}
                />
              </Box>
              <Box flexDirection="column" width={layout.vehicles.width}>
                <VehiclesPane
                  sink={frame.sink}
                  state={state.vehicles}
                  tz={services.tz}
                  focused={state.focus === 'vehicles'}
                  {...layout.vehicles}
                />
                <ThroughputPane
                  sink={frame.sink}
                  baselines={frame.baselines}
                  hourStartMs={hourStart(frame.now)}
                  state={state.throughput}
                  focused={state.focus === 'throughput'}
                  {...layout.throughput}
                />
              </Box>
            </Box>
            <SqlPane
              state={state.sql}
              saved={services.query?.saved ?? []}
              available={services.query !== null}
              focused={state.focus === 'sql'}
              {...layout.sql}
            />
          </>
        )}
        <Footer
          sink={frame.sink}
          lag={frame.lag}
          logs={frame.logs}
          deadLetters={frame.deadLetters}
          anomalies={frame.anomalies}
          anomalySettings={services.anomalies?.alerts ?? null}
          lifecycle={frame.lifecycle}
          now={frame.now}
          tz={services.tz}
          width={width}
        />
      </Box>
    </ThemeContext.Provider>
  );
}
