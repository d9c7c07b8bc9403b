import { memo } from 'react';
import type { ReactNode } from 'react';
import { Text } from 'ink';
import { toneColor } from '../theme/theme.ts';
import { useTheme } from '../theme/Tinted.tsx';
import type { Cell } from './columns.ts';

/** A single terminal line made of toned segments; never wraps (a table row must stay one row). */
export const Segments = memo(function Segments({
  cells,
  inverse,
}: {
  cells: readonly Cell[];
  inverse?: boolean;
}): ReactNode {
  const theme = useTheme();
  return (
    <Text wrap="truncate-end" inverse={inverse ?? false}>
      {cells.map((c, i) => {
        const color = c.tone ? toneColor(c.tone, theme) : undefined;
        return (
          <Text key={i} {...(color ? { color } : {})} bold={c.bold ?? false}>
            {c.text}
          </Text>
        );
      })}
    </Text>
  );
});
