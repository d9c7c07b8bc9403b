import { memo, useMemo } from 'react';
import type { ReactNode } from 'react';
import { Box, Text } from 'ink';
import type { SinkSnapshot } from '../../src/engines/types.ts';
import { fit, formatCompact, formatDuration } from '../format/format.ts';
import { emptySinkSnapshot } from '../app/empty.ts';
import { Tinted } from '../theme/Tinted.tsx';
import { Panel, panelBodyRows, panelBodyWidth } from '../widgets/Panel.tsx';
import { bandLine, baselinesFor, factorText, rateLine } from './band.ts';
import type { LabelLine } from './band.ts';
import { chartPoints, layoutCharts, LABEL_COLUMN, plazaRows, plotLines } from './chart.ts';
import type { PlazaRow } from './chart.ts';
import type { ThroughputState } from './state.ts';
import type { BaselineSnapshot, PlazaBaseline } from './types.ts';

const NO_SINK = emptySinkSnapshot();

function Label({ line, bold }: { line: LabelLine | undefined; bold: boolean }): ReactNode {
  const text = fit(line?.text ?? '', LABEL_COLUMN);
  return line?.tone ? (
    <Tinted tone={line.tone} bold={bold}>
      {text}
    </Tinted>
  ) : (
    <Text bold={bold}>{text}</Text>
  );
}

function PlazaChart({
  row,
  lines,
  labels,
}: {
  row: PlazaRow;
  lines: number;
  labels: LabelLine[];
}): ReactNode {
  const chart = useMemo(() => plotLines(row.series, lines), [row.series, lines]);
  return (
    <Box flexDirection="column">
      {chart.map((line, i) => (
        <Text key={i} wrap="truncate-end">
          <Label line={labels[i]} bold={i === 0} />
          {line}
        </Text>
      ))}
    </Box>
  );
}

/**
 * Beside each chart: the plaza, its live rate per minute, then (when the monitor reads baselines) the expected
 * band for this hour of the week with the rate marked ▲/▼ outside it, then the total persisted.
 */
function plazaLabels(
  row: PlazaRow,
  baselines: BaselineSnapshot | null,
  hour: ReadonlyMap<number, PlazaBaseline> | null,
): LabelLine[] {
  const total = { text: `Σ ${formatCompact(row.total)}` };
  if (!baselines) return [{ text: `plaza ${row.plazaId}` }, rateLine(row.perMinute, undefined), total];
  return [
    { text: `plaza ${row.plazaId}` },
    rateLine(row.perMinute, hour?.get(row.plazaId)),
    bandLine(baselines, hour, row.plazaId),
    total,
  ];
}

/** Pages of plazas for a pane of this size; the root uses it to bound the page keys. */
export function throughputPages(snapshot: SinkSnapshot, height: number): number {
  return layoutCharts(panelBodyRows(height), snapshot.throughput.length).pages;
}

export const ThroughputPane = memo(function ThroughputPane({
  sink,
  baselines = null,
  hourStartMs = 0,
  state,
  focused,
  width,
  height,
}: {
  /** null: this process runs no sink (--role producer). */
  sink: SinkSnapshot | null;
  /** The expected bands; null when this monitor reads none (no read-only account). */
  baselines?: BaselineSnapshot | null;
  /** Start of the UTC hour on screen: bands of another hour are not shown. */
  hourStartMs?: number;
  state: ThroughputState;
  focused: boolean;
  width: number;
  height: number;
}): ReactNode {
  const snapshot = sink ?? NO_SINK;
  const bodyRows = panelBodyRows(height);
  const points = chartPoints(panelBodyWidth(width));
  const rows = useMemo(
    () => plazaRows(snapshot.throughput, snapshot.bucketMs, points),
    [snapshot.throughput, snapshot.bucketMs, points],
  );
  const hour = useMemo(
    () => (baselines ? baselinesFor(baselines, hourStartMs) : null),
    [baselines, hourStartMs],
  );
  const { perPlaza, perPage, pages } = layoutCharts(bodyRows, rows.length);
  const page = Math.min(state.page, pages - 1);
  const shown = rows.slice(page * perPage, page * perPage + perPage);
  const paging = `page ${page + 1}/${pages}${pages > 1 ? ' [ ]' : ''}`;
  const band = baselines ? ` · band ${factorText(baselines.factor)}` : '';
  const info =
    width >= 70 ? `passages/min per ${formatDuration(snapshot.bucketMs)}${band} · ${paging}` : paging;
  return (
    <Panel index={4} title="Plaza throughput" info={info} focused={focused} width={width} height={height}>
      {!sink ? (
        <Text dimColor>this process runs no sink (--role producer)</Text>
      ) : shown.length === 0 ? (
        <Text dimColor>no plaza has persisted passages yet…</Text>
      ) : (
        shown.map((row) => (
          <PlazaChart
            key={row.plazaId}
            row={row}
            lines={perPlaza}
            labels={plazaLabels(row, baselines, hour)}
          />
        ))
      )}
    </Panel>
  );
});
