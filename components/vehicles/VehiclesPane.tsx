import { memo, useMemo } from 'react';
import type { ReactNode } from 'react';
import { Box, Text } from 'ink';
import type { PersistedPassage, SinkSnapshot } from '../../src/engines/types.ts';
import { DASH, formatAmount, formatClock } from '../format/format.ts';
import { Panel, panelBodyRows, panelBodyWidth } from '../widgets/Panel.tsx';
import { Segments } from '../widgets/Segments.tsx';
import { fitColumns, headerLine, rowSegments } from '../widgets/columns.ts';
import type { Cell, Column } from '../widgets/columns.ts';
import { Tinted } from '../theme/Tinted.tsx';
import { newestMatching } from './filter.ts';
import { activeFilter } from './state.ts';
import type { VehiclesState } from './state.ts';

type Key = 'time' | 'plaza' | 'lane' | 'type' | 'vehicle' | 'amount';

const COLUMNS: Column<Key>[] = [
  { key: 'time', title: 'time', width: 8, priority: 0 },
  { key: 'plaza', title: 'plaza', width: 5, align: 'right', priority: 0 },
  { key: 'lane', title: 'lane', width: 4, align: 'right', priority: 3 },
  { key: 'type', title: 'type', width: 7, priority: 0 },
  { key: 'vehicle', title: 'vehicle', width: 8, priority: 0, grow: true },
  { key: 'amount', title: 'amount', width: 10, align: 'right', priority: 2 },
];

function passageCells(p: PersistedPassage, tz: string): Record<Key, Cell> {
  return {
    time: { text: formatClock(p.passedAtMs, tz) },
    plaza: { text: String(p.plazaId) },
    lane: { text: p.lane === undefined ? DASH : String(p.lane) },
    type: { text: p.vehicleType },
    vehicle: { text: p.vehicleId },
    amount: { text: formatAmount(p.amountCents, p.currency) },
  };
}

const EMPTY: readonly PersistedPassage[] = [];

function FooterLine({ state, shown }: { state: VehiclesState; shown: number }): ReactNode {
  if (state.editing !== null) {
    return (
      <Text wrap="truncate-start">
        <Text bold>filter /</Text>
        {state.editing}
        <Text inverse> </Text>
        <Text dimColor> plaza id or vehicle type · Enter keep · Esc revert</Text>
      </Text>
    );
  }
  const parts: string[] = [];
  if (state.filter) parts.push(`filter "${state.filter}" (${shown} shown, Esc clears)`);
  parts.push(state.frozen ? 'p resume' : 'p pause');
  if (!state.filter) parts.push('/ filter');
  return (
    <Text wrap="truncate-end">
      {state.frozen ? (
        <Tinted tone="warn" bold>
          PAUSED{' '}
        </Tinted>
      ) : null}
      <Text dimColor>{parts.join(' · ')}</Text>
    </Text>
  );
}

export const VehiclesPane = memo(function VehiclesPane({
  sink,
  state,
  tz,
  focused,
  width,
  height,
}: {
  /** null: this process runs no sink (--role producer). */
  sink: SinkSnapshot | null;
  state: VehiclesState;
  tz: string;
  focused: boolean;
  width: number;
  height: number;
}): ReactNode {
  const source = state.frozen ?? sink?.recent ?? EMPTY;
  const rows = panelBodyRows(height);
  const footerRows = rows >= 4 || state.editing !== null ? 1 : 0;
  const visible = Math.max(0, rows - 1 - footerRows);
  const filter = activeFilter(state);
  const columns = useMemo(() => fitColumns(COLUMNS, panelBodyWidth(width)), [width]);
  const shown = useMemo(() => newestMatching(source, filter, visible), [source, filter, visible]);
  const info = `${state.frozen ? 'PAUSED' : 'LIVE'}${filter ? ` · /${filter}` : ''}`;
  return (
    <Panel index={3} title="Live vehicles" info={info} focused={focused} width={width} height={height}>
      <Box flexDirection="column" height={rows}>
        <Text bold wrap="truncate-end">
          {headerLine(columns)}
        </Text>
        {!sink ? (
          <Text dimColor>this process runs no sink (--role producer)</Text>
        ) : shown.length === 0 && visible > 0 ? (
          <Text dimColor>
            {filter ? `no recent passage matches "${filter}"` : 'waiting for persisted passages…'}
          </Text>
        ) : (
          shown.map((p) => <Segments key={p.eventId} cells={rowSegments(columns, passageCells(p, tz))} />)
        )}
        <Box flexGrow={1} />
        {footerRows > 0 ? <FooterLine state={state} shown={shown.length} /> : null}
      </Box>
    </Panel>
  );
});
