import { memo, useMemo } from 'react';
import type { ReactNode } from 'react';
import { Box, Text } from 'ink';
import type { LagSnapshot, SinkSnapshot } from '../../src/engines/types.ts';
import type { LogEntry } from '../../src/util/log.ts';
import type { AnomaliesSnapshot, AnomalyAlertSettings } from '../anomalies/types.ts';
import { formatClock } from '../format/format.ts';
import { Tinted } from '../theme/Tinted.tsx';
import type { Sample } from '../header/rates.ts';
import { deriveAlerts } from './rules.ts';

/** A warning stays on the line this long unless something newer replaces it; the log overlay keeps them all. */
export const LOG_LINGER_MS = 60_000;

export interface Lifecycle {
  phase: 'running' | 'stopping';
  detail?: string;
}

export function newestProblem(logs: readonly LogEntry[], now: number): LogEntry | undefined {
  return logs.find((e) => (e.level === 'warn' || e.level === 'error') && now - e.at <= LOG_LINGER_MS);
}

/** The bottom line: shutdown progress, else alerts, else the newest warning or error, else key hints. */
export const Footer = memo(function Footer({
  sink,
  lag,
  logs,
  deadLetters,
  anomalies = null,
  anomalySettings = null,
  lifecycle: life,
  now,
  tz,
  width,
}: {
  sink: SinkSnapshot | null;
  lag: LagSnapshot;
  logs: readonly LogEntry[];
  deadLetters: readonly Sample[];
  /** null: this monitor reads no anomalies. */
  anomalies?: AnomaliesSnapshot | null;
  anomalySettings?: AnomalyAlertSettings | null;
  lifecycle: Lifecycle;
  now: number;
  tz: string;
  width: number;
}): ReactNode {
  const alerts = useMemo(
    () =>
      deriveAlerts(
        sink,
        lag,
        deadLetters,
        now,
        anomalySettings ? { snapshot: anomalies, settings: anomalySettings } : null,
      ),
    [sink, lag, deadLetters, now, anomalies, anomalySettings],
  );
  const problem = newestProblem(logs, now);
  const hints = width >= 100 ? '? help · l log · Tab/1-5 panes · q quit' : '? help · q quit';
  let left: ReactNode;
  if (life.phase === 'stopping') {
    left = (
      <Text>
        <Tinted tone="warn" bold>
          STOPPING
        </Tinted>{' '}
        {life.detail ?? 'flushing producers, committing the sink batch, closing pools…'}
      </Text>
    );
  } else if (alerts.length > 0) {
    const first = alerts[0]!;
    left = (
      <Text wrap="truncate-end">
        <Tinted tone={first.severity === 'error' ? 'bad' : 'warn'} bold>
          ALERT
        </Tinted>{' '}
        {first.text}
        {alerts.length > 1
          ? ` · ${alerts
              .slice(1, 3)
              .map((a) => a.text)
              .join(' · ')}`
          : ''}
        {alerts.length > 3 ? ` · +${alerts.length - 3} more` : ''}
      </Text>
    );
  } else if (problem) {
    left = (
      <Text wrap="truncate-end">
        <Tinted tone={problem.level === 'error' ? 'bad' : 'warn'} bold>
          {problem.level.toUpperCase()}
        </Tinted>{' '}
        {formatClock(problem.at, tz)} [{problem.namespace}] {problem.message}
      </Text>
    );
  } else {
    left = <Text dimColor>no alerts</Text>;
  }
  return (
    <Box width={width} height={1} flexShrink={0}>
      <Box flexGrow={1} flexShrink={1} overflow="hidden">
        {left}
      </Box>
      <Box flexShrink={0} marginLeft={1}>
        <Text dimColor>{hints}</Text>
      </Box>
    </Box>
  );
});
