import { memo, useMemo } from 'react';
import type { ReactNode } from 'react';
import { Box, Text } from 'ink';
import { formatCount, formatDuration } from '../format/format.ts';
import { useNow } from '../hooks/useNow.ts';
import { Tinted } from '../theme/Tinted.tsx';
import { Panel, panelBodyRows, panelBodyWidth } from '../widgets/Panel.tsx';
import { pageCount } from '../widgets/window.ts';
import { CompactTable } from './CompactTable.tsx';
import { fitResult } from './resultTable.ts';
import type { SqlState } from './state.ts';
import type { QueryOutcome, SavedQueryInfo } from './types.ts';

const MAX_INPUT_LINES = 3;
/** Table frame lines around the data rows: top border, heading, rule, bottom border. */
const TABLE_FRAME = 4;

function inputLines(text: string): number {
  return Math.min(MAX_INPUT_LINES, text.split('\n').length);
}

/** Data rows per result page for a pane of this height (the root bounds PgUp/PgDn with it). */
export function sqlPageSize(height: number, text: string): number {
  return Math.max(1, panelBodyRows(height) - inputLines(text) - 1 - TABLE_FRAME);
}

export function sqlPages(state: SqlState, height: number): number {
  const outcome = state.result?.outcome;
  return outcome?.kind === 'rows' ? pageCount(outcome.rows.length, sqlPageSize(height, state.text)) : 1;
}

function lineStarts(lines: readonly string[]): number[] {
  const out: number[] = [];
  let offset = 0;
  for (const line of lines) {
    out.push(offset);
    offset += line.length + 1;
  }
  return out;
}

/** The statement with a block cursor; only the last lines show when it grows past the input area. */
function Input({
  text,
  cursor,
  focused,
  maxLines,
}: {
  text: string;
  cursor: number;
  focused: boolean;
  maxLines: number;
}): ReactNode {
  const lines = text.split('\n');
  const starts = lineStarts(lines);
  const rendered = lines.map((line, i) => {
    const start = starts[i]!;
    const here = focused && cursor >= start && cursor <= start + line.length;
    const at = cursor - start;
    return (
      <Text key={i} wrap="truncate-start">
        <Text bold>{i === 0 ? 'sql> ' : '   > '}</Text>
        {here ? (
          <>
            {line.slice(0, at)}
            <Text inverse>{line[at] ?? ' '}</Text>
            {line.slice(at + 1)}
          </>
        ) : (
          line
        )}
      </Text>
    );
  });
  return <>{rendered.slice(-maxLines)}</>;
}

function Running({
  label,
  startedAt,
  cancelling,
}: {
  label: string;
  startedAt: number;
  cancelling: boolean;
}): ReactNode {
  const now = useNow(200);
  return (
    <Text wrap="truncate-end">
      <Tinted tone="warn" bold>
        {cancelling ? 'CANCELLING' : 'RUNNING'}
      </Tinted>{' '}
      {formatDuration(now - startedAt)} · {cancelling ? 'KILL QUERY sent' : 'Ctrl-C cancels'} ·{' '}
      {label.replace(/\s+/g, ' ')}
    </Text>
  );
}

function outcomeLine(outcome: QueryOutcome, page: number, pages: number, hidden: number): ReactNode {
  switch (outcome.kind) {
    case 'rows': {
      const paging = pages > 1 ? ` · page ${page + 1}/${pages} PgUp/PgDn` : '';
      const cut = outcome.truncated ? ` (truncated at the row cap)` : '';
      const more = hidden ? ` · ${hidden} more column${hidden === 1 ? '' : 's'} not shown` : '';
      return (
        <Text wrap="truncate-end">
          <Tinted tone="good">OK</Tinted> {formatCount(outcome.rowCount)} row
          {outcome.rowCount === 1 ? '' : 's'}
          {cut} in {formatDuration(outcome.elapsedMs)}
          {paging}
          {more} · Esc closes
        </Text>
      );
    }
    case 'refused':
      return (
        <Text wrap="wrap">
          <Tinted tone="bad" bold>
            REFUSED
          </Tinted>{' '}
          {outcome.reason}
        </Text>
      );
    case 'error':
      return (
        <Text wrap="wrap">
          <Tinted tone="bad" bold>
            ERROR
          </Tinted>{' '}
          {outcome.message}
        </Text>
      );
    case 'cancelled':
      return (
        <Text>
          <Tinted tone="warn" bold>
            CANCELLED
          </Tinted>{' '}
          after {formatDuration(outcome.elapsedMs)}
        </Text>
      );
    default: {
      const never: never = outcome;
      return never;
    }
  }
}

function SavedList({ saved, width }: { saved: readonly SavedQueryInfo[]; width: number }): ReactNode {
  if (saved.length === 0)
    return <Text dimColor>end a statement with ; to run it · ↑/↓ history · Esc leaves</Text>;
  const items = saved.slice(0, 12).map((q, i) => `F${i + 1} ${q.name}${q.runnable ? '' : '…'}`);
  return (
    <Text dimColor wrap="truncate-end">
      {width > 60 ? 'saved: ' : ''}
      {items.join('  ')} · end with ; to run · ↑/↓ history
    </Text>
  );
}

function buildResultTable({
  outcome,
  page,
  pageSize,
  width,
}: {
  outcome: Extract<QueryOutcome, { kind: 'rows' }>;
  page: number;
  pageSize: number;
  width: number;
}): { table: ReactNode; hidden: number } {
  // Returns how many columns were left out too, for the status line above the table.
  const rows = outcome.rows.slice(page * pageSize, page * pageSize + pageSize);
  const fitted = fitResult(outcome.columns, rows, width, outcome.numeric);
  if (fitted.keys.length === 0) return { table: null, hidden: fitted.hiddenColumns };
  return {
    table: (
      <CompactTable
        data={fitted.data}
        columns={fitted.keys.map((key, i) => ({ key, align: fitted.align[i] ?? 'left' }))}
      />
    ),
    hidden: fitted.hiddenColumns,
  };
}

export const SqlPane = memo(function SqlPane({
  state,
  saved,
  available,
  focused,
  width,
  height,
}: {
  state: SqlState;
  saved: readonly SavedQueryInfo[];
  /** False when this process has no query service (no reader account configured). */
  available: boolean;
  focused: boolean;
  width: number;
  height: number;
}): ReactNode {
  const body = panelBodyRows(height);
  const bodyWidth = panelBodyWidth(width);
  const outcome = state.result?.outcome;
  const pageSize = sqlPageSize(height, state.text);
  const pages = sqlPages(state, height);
  const page = Math.min(state.page, pages - 1);
  const table = useMemo(
    () =>
      outcome?.kind === 'rows'
        ? buildResultTable({ outcome, page, pageSize, width: bodyWidth })
        : { table: null, hidden: 0 },
    [outcome, page, pageSize, bodyWidth],
  );
  const info = focused ? 'Esc leaves · Tab next pane' : ': or 5 to query';
  let status: ReactNode;
  if (!available)
    status = <Text dimColor>SQL prompt unavailable: no read-only query service in this process</Text>;
  else if (state.running) status = <Running {...state.running} />;
  else if (outcome) status = outcomeLine(outcome, page, pages, table.hidden);
  else status = <SavedList saved={saved} width={bodyWidth} />;
  if (body < 3) {
    // Collapsed: the prompt line only, with the last outcome summarised after it. Both get explicit widths:
    // a flex row would let a long status push past the border.
    const lastLine = state.text.split('\n').at(-1) ?? '';
    const inputWidth = Math.min(lastLine.length + 6, Math.floor(bodyWidth / 2));
    return (
      <Panel index={5} title="SQL" info={info} focused={focused} width={width} height={height}>
        <Box width={bodyWidth}>
          <Box width={inputWidth} flexShrink={0}>
            <Input text={state.text} cursor={state.cursor} focused={focused} maxLines={1} />
          </Box>
          <Box width={Math.max(0, bodyWidth - inputWidth)} flexShrink={0}>
            {status}
          </Box>
        </Box>
      </Panel>
    );
  }
  return (
    <Panel index={5} title="SQL" info={info} focused={focused} width={width} height={height}>
      <Input text={state.text} cursor={state.cursor} focused={focused} maxLines={MAX_INPUT_LINES} />
      {status}
      {!state.running && table.table}
    </Panel>
  );
});
