import { memo, useMemo } from 'react';
import type { ReactNode } from 'react';
import { Box, Text } from 'ink';
import { DASH, fit, formatClock, formatCompact, formatCount, formatDuration } from '../format/format.ts';
import { Tinted } from '../theme/Tinted.tsx';
import { Overlay } from '../widgets/Overlay.tsx';
import { Segments } from '../widgets/Segments.tsx';
import { fitColumns, headerLine, rowSegments } from '../widgets/columns.ts';
import type { Cell, Column } from '../widgets/columns.ts';
import { sparkline } from '../widgets/sparkline.ts';
import { windowStart } from '../widgets/window.ts';
import { selectedIndex } from './state.ts';
import type { AnomaliesState } from './state.ts';
import type { AnomaliesSnapshot, Finding } from './types.ts';

const RULE_WIDTH = 13;
const COUNT_WIDTH = 5;
const HINT = '(↑↓ select · Enter/p query → SQL · Esc closes)';

type Key = 'time' | 'rule' | 'plaza' | 'vehicle' | 'amount' | 'what';

const COLUMNS: Column<Key>[] = [
  { key: 'time', title: 'observed', width: 8, priority: 0 },
  { key: 'rule', title: 'rule', width: RULE_WIDTH, priority: 0 },
  { key: 'plaza', title: 'plaza', width: 5, align: 'right', priority: 0 },
  { key: 'vehicle', title: 'vehicle', width: 10, priority: 1 },
  { key: 'amount', title: 'amount', width: 8, align: 'right', priority: 2 },
  { key: 'what', title: 'what', width: 12, priority: 0, grow: true },
];

/** Rows the overlay spends on other things than findings: title, rules header, the findings header, detail. */
function fixedRows(rules: number): number {
  return 3 + 1 + rules + 1 + 1;
}

/** How many findings the view shows at once (for PgUp/PgDn). */
export function anomaliesVisibleRows(height: number, rules: number): number {
  return Math.max(1, height - fixedRows(rules));
}

function money(cents: number | null): string {
  return cents === null ? DASH : (cents / 100).toFixed(2);
}

function short(n: number | null): string {
  return n === null ? DASH : formatCompact(n);
}

/** The rule's own reading of observed / expected, in words. */
export function describeFinding(f: Finding): string {
  switch (f.rule) {
    case 'surge':
    case 'drop': {
      const ratio = f.observed !== null && f.expected ? ` (×${(f.observed / f.expected).toFixed(1)})` : '';
      return `${short(f.observed)} vs ${short(f.expected)} expected${ratio}`;
    }
    case 'unpaid':
      return f.amountCents === null ? 'no payment, tariff unknown' : 'no payment';
    case 'short-payment':
      return `paid ${money(f.observed)} of ${money(f.expected)}`;
    case 'double-charge':
      return 'charged twice';
    case 'impossible-travel':
      return `${f.observed === null ? DASH : f.observed.toFixed(1)} km/h, max ${short(f.expected)}`;
    default:
      return `observed ${short(f.observed)}, expected ${short(f.expected)}`;
  }
}

function findingCells(f: Finding, tz: string): Record<Key, Cell> {
  return {
    time: { text: formatClock(f.observedAtMs, tz) },
    rule: { text: f.rule, tone: f.rule === 'surge' || f.rule === 'drop' ? 'warn' : 'bad' },
    plaza: { text: f.plazaId === null ? DASH : String(f.plazaId) },
    vehicle: { text: f.vehicleId ?? DASH },
    amount: { text: money(f.amountCents) },
    what: { text: describeFinding(f) },
  };
}

const dateFormats = new Map<string, Intl.DateTimeFormat>();

/** "2021-08-19" in the time zone. */
function formatDate(epochMs: number, timeZone: string): string {
  let f = dateFormats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dateFormats.set(timeZone, f);
  }
  return f.format(epochMs);
}

function RulesHeader({
  window,
  minutes,
  tz,
}: {
  window: AnomaliesSnapshot['window'];
  minutes: number;
  tz: string;
}): ReactNode {
  const span = window
    ? `${formatDate(window.endMs - 1, tz)} ${formatClock(window.endMs - minutes * 60_000, tz).slice(0, 5)}-${formatClock(window.endMs, tz).slice(0, 5)} ${tz}`
    : '';
  return (
    <Text bold wrap="truncate-end">
      {fit('rule', RULE_WIDTH)} {fit('hour', COUNT_WIDTH, 'right')} per minute{span ? `, ${span}` : ''}
    </Text>
  );
}

function DetailLine({
  snapshot,
  selected,
  now,
}: {
  snapshot: AnomaliesSnapshot;
  selected: Finding | undefined;
  now: number;
}): ReactNode {
  const status = snapshot.status;
  if (status.kind === 'error') {
    const notes = [
      ...(snapshot.readAt === null ? [] : [`data ${formatDuration(now - snapshot.readAt)} old`]),
      ...(status.retryInMs === null ? [] : ['retrying']),
    ];
    return (
      <Text wrap="truncate-end">
        <Tinted tone="bad">
          cannot read anomalies{notes.length ? ` (${notes.join(', ')})` : ''}: {status.message}
        </Tinted>
      </Text>
    );
  }
  if (!selected) return <Text dimColor>read from MySQL every 2 s</Text>;
  const parts = [
    ...(selected.query ? [`Enter → ${selected.query.label}`] : []),
    ...(selected.plazaQuery ? [`p → findings at plaza ${selected.plazaId}`] : []),
  ];
  return (
    <Text dimColor wrap="truncate-end">
      ▸ {parts.length ? parts.join(' · ') : selected.anomalyId}
    </Text>
  );
}

/**
 * Full-screen view of the detector's findings: per rule, the hour's count and a per-minute sparkline; then the
 * findings most recently detected, selectable; Enter or `p` loads the selected finding's query into the prompt.
 */
export const AnomaliesOverlay = memo(function AnomaliesOverlay({
  snapshot,
  state,
  tz,
  now,
  width,
  height,
}: {
  /** null: this process reads no anomalies (no read-only account). */
  snapshot: AnomaliesSnapshot | null;
  state: AnomaliesState;
  tz: string;
  now: number;
  width: number;
  height: number;
}): ReactNode {
  const inner = Math.max(0, width - 4);
  const columns = useMemo(() => fitColumns(COLUMNS, inner), [inner]);
  if (!snapshot) {
    return (
      <Overlay title="Anomalies" hint="(Esc closes)" width={width} height={height}>
        <Text dimColor>this monitor reads no anomalies (no query service)</Text>
      </Overlay>
    );
  }
  const minutes = Math.max(
    1,
    Math.min(snapshot.rules[0]?.perMinute.length ?? 60, inner - RULE_WIDTH - COUNT_WIDTH - 2),
  );
  const total = snapshot.rules.reduce((s, r) => s + r.total, 0);
  const findings = snapshot.newest;
  const visible = anomaliesVisibleRows(height, snapshot.rules.length);
  const selected = selectedIndex(state, findings);
  const start = windowStart(selected, visible, findings.length);
  const shown = findings.slice(start, start + visible);
  const title = snapshot.window ? `Anomalies, ${formatCount(total)} in the hour` : 'Anomalies';
  return (
    <Overlay title={title} hint={HINT} width={width} height={height}>
      <RulesHeader window={snapshot.window} minutes={minutes} tz={tz} />
      {snapshot.rules.map((r) => (
        <Text key={r.rule} wrap="truncate-end">
          <Text bold={r.total > 0}>{fit(r.rule, RULE_WIDTH)}</Text>{' '}
          {fit(formatCompact(r.total), COUNT_WIDTH, 'right')}{' '}
          <Tinted tone={r.total > 0 ? 'accent' : 'muted'}>{sparkline(r.perMinute, minutes)}</Tinted>
        </Text>
      ))}
      <Text bold wrap="truncate-end">
        {headerLine(columns)}
      </Text>
      <Box flexDirection="column" height={visible}>
        {findings.length === 0 ? (
          <Text dimColor wrap="truncate-end">
            {snapshot.status.kind === 'idle'
              ? 'reading the anomalies table…'
              : snapshot.window
                ? 'no findings in this hour'
                : 'no findings yet: the detector writes them to the anomalies table (in this process or --role anomalies)'}
          </Text>
        ) : (
          shown.map((f, i) => (
            <Segments
              key={f.anomalyId}
              cells={rowSegments(columns, findingCells(f, tz))}
              inverse={start + i === selected}
            />
          ))
        )}
      </Box>
      <DetailLine snapshot={snapshot} selected={findings[selected]} now={now} />
    </Overlay>
  );
});
