import type { ReactNode } from 'react';
import { Text } from 'ink';
import type { LogEntry } from '../../src/util/log.ts';
import { formatClock } from '../format/format.ts';
import { Tinted } from '../theme/Tinted.tsx';
import { Overlay } from '../widgets/Overlay.tsx';
import type { Tone } from '../theme/theme.ts';

function levelTone(level: LogEntry['level']): Tone {
  switch (level) {
    case 'error':
      return 'bad';
    case 'warn':
      return 'warn';
    case 'info':
      return 'plain';
    case 'debug':
      return 'muted';
    default: {
      const never: never = level;
      return never;
    }
  }
}

/** The newest log entries from the engines and Kafka client, which never print over the UI. */
export function LogOverlay({
  logs: entries,
  tz,
  width,
  height,
}: {
  logs: readonly LogEntry[];
  tz: string;
  width: number;
  height: number;
}): ReactNode {
  const shown = entries.slice(0, Math.max(0, height - 3));
  return (
    <Overlay title="Log, newest first" hint="(Esc or l closes)" width={width} height={height}>
      {shown.length === 0 ? <Text dimColor>nothing logged yet</Text> : null}
      {shown.map((e, i) => (
        <Text key={`${e.at}:${i}`} wrap="truncate-end">
          {formatClock(e.at, tz)}{' '}
          <Tinted tone={levelTone(e.level)} bold>
            {e.level.toUpperCase().padEnd(5)}
          </Tinted>{' '}
          [{e.namespace}] {e.message}
          {e.extra && Object.keys(e.extra).length ? ` ${JSON.stringify(e.extra)}` : ''}
        </Text>
      ))}
    </Overlay>
  );
}
