import type { ReactNode } from 'react';
import { Box, Text } from 'ink';
import { MIN_COLUMNS, MIN_ROWS } from './layout.ts';

export function TooSmall({ columns, rows }: { columns: number; rows: number }): ReactNode {
  const height = Math.max(1, rows - 1);
  return (
    <Box width={columns} height={height} flexDirection="column" justifyContent="center" alignItems="center">
      <Text bold wrap="truncate-end">
        terminal too small: have {columns}×{rows}, need {MIN_COLUMNS}×{MIN_ROWS}
      </Text>
      {height > 2 ? (
        <Text dimColor wrap="truncate-end">
          enlarge the window, or press q to quit
        </Text>
      ) : null}
    </Box>
  );
}
