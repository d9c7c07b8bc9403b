import { memo, useMemo } from 'react';
import type { ReactNode } from 'react';
import { Box, Text } from 'ink';
import type { SinkSnapshot } from '../../src/engines/types.ts';
import { fit, formatCompact, formatDuration } from '../format/format.ts';
import { emptySinkSnapshot } from '../app/empty.ts';
import { Panel, panelBodyRows, panelBodyWidth } from '../widgets/Panel.tsx';
import { chartPoints, layoutCharts, LABEL_COLUMN, plazaRows, plotLines } from './chart.ts';
import type { PlazaRow } from './chart.ts';
import type { ThroughputState } from './state.ts';

const NO_SINK = emptySinkSnapshot();

function PlazaChart({ row, lines }: { row: PlazaRow; lines: number }): ReactNode {
  const chart = useMemo(() => plotLines(row.series, lines), [row.series, lines]);
  const labels = [
    `plaza ${row.plazaId}`,
    `${formatCompact(row.nowPerSec)}/s now`,
    `Σ ${formatCompact(row.total)}`,
  ];
  return (
    <Box flexDirection="column">
      {chart.map((line, i) => (
        <Text key={i} wrap="truncate-end">
          <Text bold={i === 0}>{fit(labels[i] ?? '', LABEL_COLUMN)}</Text>
          {line}
        </Text>
      ))}
    </Box>
  );
}

/** Pages of plazas for a pane of this size; the root uses it to bound the page keys. */
export function throughputPages(snapshot: SinkSnapshot, height: number): number {
  return layoutCharts(panelBodyRows(height), snapshot.throughput.length).pages;
}

export const ThroughputPane = memo(function ThroughputPane({
  sink,
  state,
  focused,
  width,
  height,
}: {
  /** null: this process runs no sink (--role producer). */
  sink: SinkSnapshot | null;
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
  const { perPlaza, perPage, pages } = layoutCharts(bodyRows, rows.length);
  const page = Math.min(state.page, pages - 1);
  const shown = rows.slice(page * perPage, page * perPage + perPage);
  const paging = `page ${page + 1}/${pages}${pages > 1 ? ' [ ]' : ''}`;
  const info = width >= 70 ? `passages/s per ${formatDuration(snapshot.bucketMs)} · ${paging}` : paging;
  return (
    <Panel index={4} title="Plaza throughput" info={info} focused={focused} width={width} height={height}>
      {!sink ? (
        <Text dimColor>this process runs no sink (--role producer)</Text>
      ) : shown.length === 0 ? (
        <Text dimColor>no plaza has persisted passages yet…</Text>
      ) : (
        shown.map((row) => <PlazaChart key={row.plazaId} row={row} lines={perPlaza} />)
      )}
    </Panel>
  );
});
