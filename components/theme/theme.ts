/**
 * Colour is a second channel only: every status also has a text label, so the monitor reads the same with
 * NO_COLOR (https://no-color.org: set and non-empty disables colour) or on a monochrome terminal.
 */
import type { EngineStatus, LagStatus } from '../../src/engines/types.ts';

export type Tone = 'good' | 'warn' | 'bad' | 'muted' | 'accent' | 'plain';

export interface Theme {
  color: boolean;
}

export function themeFromEnv(env: NodeJS.ProcessEnv): Theme {
  return { color: !(env.NO_COLOR !== undefined && env.NO_COLOR !== '') };
}

const TONE_COLORS: Record<Tone, string | undefined> = {
  good: 'green',
  warn: 'yellow',
  bad: 'red',
  muted: 'gray',
  accent: 'cyan',
  plain: undefined,
};

export function toneColor(tone: Tone, theme: Theme): string | undefined {
  return theme.color ? TONE_COLORS[tone] : undefined;
}

export interface Label {
  text: string;
  tone: Tone;
}

export function engineStatusLabel(status: EngineStatus): Label {
  switch (status.kind) {
    case 'idle':
      return { text: 'idle', tone: 'muted' };
    case 'connecting':
      return { text: 'connecting', tone: 'warn' };
    case 'running':
      return { text: 'running', tone: 'good' };
    case 'paused':
      return { text: 'paused', tone: 'warn' };
    case 'stopped':
      return { text: 'stopped', tone: 'muted' };
    case 'finished':
      return { text: 'finished', tone: 'accent' };
    case 'error':
      // A cause someone must fix is an error even though the engine keeps checking whether it is fixed.
      return { text: status.willRetry && !status.permanent ? 'retrying' : 'error', tone: 'bad' };
    default: {
      const never: never = status;
      return { text: String(never), tone: 'plain' };
    }
  }
}

export function lagStatusTone(status: LagStatus): Tone {
  switch (status) {
    case 'OK':
      return 'good';
    case 'WARN':
      return 'warn';
    case 'STALL':
    case 'STOP':
      return 'bad';
    case 'UNKNOWN':
      return 'muted';
    default: {
      const never: never = status;
      return never;
    }
  }
}

/** Severity order for sorting and for a group's worst status. */
export function lagSeverity(status: LagStatus): number {
  switch (status) {
    case 'STOP':
      return 4;
    case 'STALL':
      return 3;
    case 'WARN':
      return 2;
    case 'UNKNOWN':
      return 1;
    case 'OK':
      return 0;
    default: {
      const never: never = status;
      return never;
    }
  }
}
