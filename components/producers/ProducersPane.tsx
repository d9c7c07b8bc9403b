import { memo, useMemo } from 'react';
import type { ReactNode } from 'react';
import { Box, Text } from 'ink';
import type { ProducerSnapshot, ProducersSnapshot } from '../../src/engines/types.ts';
import { formatCompact, formatCount, formatDuration, formatRate } from '../format/format.ts';
import { emptyProducersSnapshot } from '../app/empty.ts';
import { Panel, panelBodyRows, panelBodyWidth } from '../widgets/Panel.tsx';
import { Segments } from '../widgets/Segments.tsx';
import { fitColumns, headerLine, rowSegments } from '../widgets/columns.ts';
import type { Cell, Column } from '../widgets/columns.ts';
import { windowStart } from '../widgets/window.ts';
import { Tinted } from '../theme/Tinted.tsx';
import { engineStatusLabel } from '../theme/theme.ts';
import { describePace } from './pace.ts';
import type { ProducersState } from './state.ts';

type Key = 'name' | 'source' | 'state' | 'target' | 'actual' | 'sent' | 'errors' | 'progress';

const COLUMNS: Column<Key>[] = [
  { key: 'name', title: 'producer', width: 12, priority: 0, grow: true },
  { key: 'source', title: 'source', width: 14, priority: 4 },
  { key: 'state', title: 'state', width: 10, priority: 0 },
  { key: 'target', title: 'target', width: 9, align: 'right', priority: 1 },
  { key: 'actual', title: 'actual', width: 8, align: 'right', priority: 1 },
  { key: 'sent', title: 'sent', width: 9, align: 'right', priority: 2 },
  { key: 'errors', title: 'errors', width: 6, align: 'right', priority: 3 },
  { key: 'progress', title: 'read', width: 16, align: 'right', priority: 5 },
];

function progressText(p: ProducerSnapshot): string {
  const { read, total } = p.progress;
  const eta = p.etaMs ? ` ETA ${formatDuration(p.etaMs)}` : '';
  return total ? `${formatCompact(read)}/${formatCompact(total)}${eta}` : formatCompact(read);
}

function producerCells(p: ProducerSnapshot): Record<Key, Cell> {
  const status = engineStatusLabel(p.status);
  return {
    name: { text: p.name },
    source: { text: p.spec },
    state: { text: status.text.toUpperCase(), tone: status.tone },
    target: { text: describePace(p.pace) },
    actual: { text: formatRate(p.ratePerSec) },
    sent: { text: formatCount(p.acked) },
    errors: { text: formatCount(p.failed), ...(p.failed > 0 ? { tone: 'bad' as const } : {}) },
    progress: { text: progressText(p) },
  };
}

const HINT = 'space start/stop · s/S all · +/- rate · n add';

/** The `n` input: the spec being typed, then either the accepted forms or why the last try was refused. */
function AddInput({ adding }: { adding: NonNullable<ProducersState['adding']> }): ReactNode {
  return (
    <Box flexDirection="column">
      <Text wrap="truncate-start">
        <Text bold>add source: </Text>
        {adding.text}
        <Text inverse> </Text>
      </Text>
      {adding.error ? (
        <Text wrap="truncate-end">
          <Tinted tone="bad">error: {adding.error}</Tinted>
        </Text>
      ) : (
        <Text dimColor wrap="truncate-end">
          simulator · tolldata:&lt;dir&gt; · hourly:&lt;file&gt; · http:&lt;url&gt; · file:&lt;path&gt; (Enter
          add, Esc cancel)
        </Text>
      )}
    </Box>
  );
}

/** The selected producer in full: its source spec, progress and note, or its error, or the last notice. */
function StatusLine({
  state,
  selected,
}: {
  state: ProducersState;
  selected: ProducerSnapshot | undefined;
}): ReactNode {
  if (selected?.status.kind === 'error') {
    return (
      <Text wrap="truncate-end">
        <Tinted tone="bad">
          {selected.name}: {selected.status.message}
        </Tinted>
      </Text>
    );
  }
  if (state.notice) {
    return (
      <Text wrap="truncate-end">
        <Tinted tone={state.notice.tone}>{state.notice.text}</Tinted>
      </Text>
    );
  }
  if (!selected) return <Text dimColor>{HINT}</Text>;
  const detail = [
    `▸ ${selected.spec}`,
    `read ${progressText(selected)}`,
    ...(selected.progress.rejected ? [`${formatCount(selected.progress.rejected)} rejected`] : []),
    ...(selected.progress.note ? [selected.progress.note] : []),
    ...(selected.lastError ? [`last error: ${selected.lastError}`] : []),
  ];
  return (
    <Text wrap="truncate-end" dimColor>
      {detail.join(' · ')}
    </Text>
  );
}

export function ProducersBody({
  snapshot,
  state,
  width,
  rows,
}: {
  snapshot: ProducersSnapshot;
  state: ProducersState;
  width: number;
  rows: number;
}): ReactNode {
  const columns = useMemo(() => fitColumns(COLUMNS, width), [width]);
  const list = snapshot.producers;
  // The selected producer's detail line, and the key hints when there is room; in a cramped pane the rows
  // matter more. The add input always shows.
  const footerRows = state.adding ? 2 : rows >= 6 ? 2 : rows >= 4 || list.length === 0 ? 1 : 0;
  const visible = Math.max(0, rows - 1 - footerRows);
  const selectedIndex = Math.min(state.selected, Math.max(0, list.length - 1));
  const start = windowStart(selectedIndex, visible, list.length);
  const shown = list.slice(start, start + visible);
  return (
    <Box flexDirection="column" height={rows}>
      <Text bold wrap="truncate-end">
        {headerLine(columns)}
      </Text>
      {list.length === 0 ? (
        <Text dimColor>no producers yet: press n to add one</Text>
      ) : (
        shown.map((p, i) => (
          <Segments
            key={p.id}
            cells={rowSegments(columns, producerCells(p))}
            inverse={start + i === selectedIndex}
          />
        ))
      )}
      <Box flexGrow={1} />
      {state.adding ? <AddInput adding={state.adding} /> : null}
      {!state.adding && footerRows > 0 ? <StatusLine state={state} selected={list[selectedIndex]} /> : null}
      {!state.adding && footerRows > 1 ? (
        <Text dimColor wrap="truncate-end">
          {HINT}
        </Text>
      ) : null}
    </Box>
  );
}

const NO_PRODUCERS = emptyProducersSnapshot();

export const ProducersPane = memo(function ProducersPane({
  snapshot: given,
  state,
  focused,
  width,
  height,
}: {
  /** null: this process runs no producers (--role consumer). */
  snapshot: ProducersSnapshot | null;
  state: ProducersState;
  focused: boolean;
  width: number;
  height: number;
}): ReactNode {
  const snapshot = given ?? NO_PRODUCERS;
  const running = snapshot.producers.filter((p) => p.status.kind === 'running').length;
  const info = given
    ? `${running}/${snapshot.producers.length} running · ${formatRate(snapshot.totals.ratePerSec)}`
    : 'not in this process';
  return (
    <Panel index={1} title="Producers" info={info} focused={focused} width={width} height={height}>
      {given ? (
        <ProducersBody
          snapshot={snapshot}
          state={state}
          width={panelBodyWidth(width)}
          rows={panelBodyRows(height)}
        />
      ) : (
        <Text dimColor>this process runs no producers (--role consumer)</Text>
      )}
    </Panel>
  );
});
