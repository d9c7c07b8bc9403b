import { memo, useMemo } from 'react';
import type { ReactNode } from 'react';
import { Box, Text } from 'ink';
import type { GroupLag, LagSnapshot, PartitionLag, Trend } from '../../src/engines/types.ts';
import { DASH, formatCompact, formatCount, formatDuration } from '../format/format.ts';
import { Panel, panelBodyRows, panelBodyWidth } from '../widgets/Panel.tsx';
import { Segments } from '../widgets/Segments.tsx';
import { fitColumns, headerLine, rowSegments } from '../widgets/columns.ts';
import type { Cell, Column } from '../widgets/columns.ts';
import { sparkline } from '../widgets/sparkline.ts';
import { clampScroll } from '../widgets/window.ts';
import { engineStatusLabel, lagStatusTone } from '../theme/theme.ts';
import { lagLines } from './lines.ts';
import type { LagLine } from './lines.ts';
import { sortLabel } from './state.ts';
import type { LagState } from './state.ts';

type Key = 'partition' | 'hw' | 'committed' | 'lag' | 'timeLag' | 'trend' | 'status' | 'eta';

const COLUMNS: Column<Key>[] = [
  { key: 'partition', title: '  topic[partition]', width: 18, priority: 0, grow: true },
  { key: 'hw', title: 'high wm', width: 9, align: 'right', priority: 1 },
  { key: 'committed', title: 'committed', width: 9, align: 'right', priority: 1 },
  { key: 'lag', title: 'lag', width: 7, align: 'right', priority: 0 },
  { key: 'timeLag', title: 'time lag', width: 8, align: 'right', priority: 2 },
  { key: 'trend', title: 'tr', width: 2, priority: 3 },
  { key: 'status', title: 'status', width: 7, priority: 0 },
  { key: 'eta', title: 'ETA', width: 7, align: 'right', priority: 2 },
];

export function trendArrow(trend: Trend): string {
  switch (trend) {
    case 'up':
      return '↑';
    case 'down':
      return '↓';
    case 'flat':
      return '→';
    default: {
      const never: never = trend;
      return never;
    }
  }
}

/** Offsets are strings (int64); show them compactly without losing the exact value for small ones. */
function offset(value: string | null): string {
  if (value === null) return DASH;
  const n = Number(value);
  return Number.isFinite(n) && n >= 1e7 ? formatCompact(n) : value;
}

/** "  toll.passages[3]", cut in the topic rather than losing the partition number. */
export function partitionLabel(topic: string, partition: number, width: number): string {
  const suffix = `[${partition}]`;
  const room = width - 2 - suffix.length;
  const name = topic.length > room ? `${topic.slice(0, Math.max(1, room - 1))}…` : topic;
  return `  ${name}${suffix}`;
}

/**
 * A commit beyond the partition's end: the topic was recreated or truncated under the group. Kafka's tool prints
 * the offset and a negative lag; the pane keeps the offset, shows lag 0 (nothing is waiting) and says why.
 */
export function committedPastEnd(p: PartitionLag): boolean {
  return p.committed !== null && BigInt(p.committed) > BigInt(p.highWatermark);
}

function partitionCells(p: PartitionLag, labelWidth: number): Record<Key, Cell> {
  const pastEnd = committedPastEnd(p);
  return {
    partition: { text: partitionLabel(p.topic, p.partition, labelWidth) },
    hw: { text: offset(p.highWatermark) },
    committed: {
      text: offset(p.committed),
      ...(p.committed === null ? { tone: 'muted' as const } : pastEnd ? { tone: 'warn' as const } : {}),
    },
    lag: { text: p.lag === null ? DASH : formatCount(p.lag) },
    timeLag: pastEnd ? { text: 'past end', tone: 'warn' } : { text: formatDuration(p.timeLagMs) },
    trend: { text: trendArrow(p.trend) },
    status: { text: p.status, tone: lagStatusTone(p.status), bold: p.status !== 'OK' },
    eta: { text: p.etaMs === null ? DASH : formatDuration(p.etaMs) },
  };
}

/** "▸ OK tollstream-sink (ours) · Stable · 1 member · lag 1,234 ▁▂▅": the status first, so it never gets cut. */
function groupCells(g: GroupLag, width: number): Cell[] {
  const status = g.status;
  const lag = `lag ${g.totalLag === null ? DASH : formatCount(g.totalLag)}`;
  const ours = g.ours ? ' (ours)' : '';
  const full = ` · ${g.state} · ${g.members} member${g.members === 1 ? '' : 's'} · ${lag}`;
  // Narrow panes keep the group id readable and the lag visible; state and members are the first to go.
  const meta =
    2 + status.length + 1 + Math.min(g.groupId.length, 16) + ours.length + full.length <= width
      ? full
      : ` · ${lag}`;
  const fixed = 2 + status.length + 1 + ours.length + meta.length;
  const idRoom = Math.max(8, width - fixed);
  const id = g.groupId.length > idRoom ? `${g.groupId.slice(0, idRoom - 1)}…` : g.groupId;
  const sparkWidth = Math.max(0, Math.min(30, width - fixed - id.length - 1));
  return [
    { text: '▸ ' },
    { text: status, tone: lagStatusTone(status), bold: true },
    { text: ' ' },
    { text: `${id}${ours}`, bold: true, ...(g.ours ? { tone: 'accent' as const } : {}) },
    { text: meta },
    { text: sparkWidth > 3 ? ` ${sparkline(g.history, sparkWidth - 1)}` : '' },
  ];
}

/** Lines of the list that fit under the column header. */
export function lagVisibleRows(height: number): number {
  return Math.max(0, panelBodyRows(height) - 1);
}

function LineView({
  line,
  columns,
  width,
}: {
  line: LagLine;
  columns: Column<Key>[];
  width: number;
}): ReactNode {
  if (line.kind === 'group') return <Segments cells={groupCells(line.group, width)} />;
  const labelWidth = columns.find((c) => c.key === 'partition')?.width ?? 18;
  return <Segments cells={rowSegments(columns, partitionCells(line.partition, labelWidth))} />;
}

function LagBody({
  snapshot,
  lines,
  scroll,
  width,
  rows,
}: {
  snapshot: LagSnapshot;
  lines: LagLine[];
  scroll: number;
  width: number;
  rows: number;
}): ReactNode {
  const columns = useMemo(() => fitColumns(COLUMNS, width), [width]);
  const visible = Math.max(0, rows - 1);
  const start = clampScroll(scroll, visible, lines.length);
  if (lines.length === 0) {
    const s = engineStatusLabel(snapshot.status);
    const why =
      snapshot.status.kind === 'error'
        ? `lag monitor ${s.text}: ${snapshot.status.message}`
        : snapshot.sampledAt === null
          ? 'waiting for the first lag sample…'
          : 'no consumer group reads the toll topics yet';
    return <Text dimColor>{why}</Text>;
  }
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate-end">
        {headerLine(columns)}
      </Text>
      {lines.slice(start, start + visible).map((line) => (
        <LineView
          key={
            line.kind === 'group'
              ? `g:${line.group.groupId}`
              : `p:${line.group.groupId}:${line.partition.topic}:${line.partition.partition}`
          }
          line={line}
          columns={columns}
          width={width}
        />
      ))}
    </Box>
  );
}

export const LagPane = memo(function LagPane({
  snapshot,
  state,
  focused,
  width,
  height,
}: {
  snapshot: LagSnapshot;
  state: LagState;
  focused: boolean;
  width: number;
  height: number;
}): ReactNode {
  const lines = useMemo(() => lagLines(snapshot, state.sort), [snapshot, state.sort]);
  const visible = lagVisibleRows(height);
  const total = lines.length;
  const more =
    total > visible
      ? ` · ${Math.min(total, clampScroll(state.scroll, visible, total) + visible)}/${total}`
      : '';
  return (
    <Panel
      index={2}
      title="Consumer lag"
      info={`${sortLabel(state.sort)}${more}`}
      focused={focused}
      width={width}
      height={height}
    >
      <LagBody
        snapshot={snapshot}
        lines={lines}
        scroll={state.scroll}
        width={panelBodyWidth(width)}
        rows={panelBodyRows(height)}
      />
    </Panel>
  );
});
