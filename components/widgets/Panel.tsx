import { memo } from 'react';
import type { ReactNode } from 'react';
import { Box, Text } from 'ink';
import { toneColor } from '../theme/theme.ts';
import { useTheme } from '../theme/Tinted.tsx';

/**
 * A bordered pane with its number and title drawn into the top border. Focus shows as a heavy border and a
 * "▶" marker (so it reads without colour), plus the accent colour when colour is on.
 */
export const Panel = memo(function Panel({
  index,
  title,
  info,
  focused,
  width,
  height,
  children,
}: {
  index: number;
  title: string;
  info?: string;
  focused: boolean;
  width: number;
  height: number;
  children: ReactNode;
}): ReactNode {
  const theme = useTheme();
  const color = focused ? toneColor('accent', theme) : undefined;
  const top = topBorder(width, focused, `${index} ${title}`, info);
  return (
    <Box flexDirection="column" width={width} height={height} flexShrink={0}>
      <Text wrap="truncate-end" {...(color ? { color } : {})} bold={focused}>
        {top}
      </Text>
      <Box
        // Ink re-applies all four border edges when only borderStyle changes, losing borderTop={false}; a
        // fresh node per focus state keeps the top edge off.
        key={focused ? 'focused' : 'plain'}
        flexDirection="column"
        borderStyle={focused ? 'bold' : 'round'}
        borderTop={false}
        {...(color ? { borderColor: color } : {})}
        width={width}
        height={Math.max(1, height - 1)}
        paddingX={1}
        // Content is sized to fit; clipping is the safety net that keeps a miscount from breaking a border.
        overflow="hidden"
      >
        {children}
      </Box>
    </Box>
  );
});

/** Rows available for content inside a Panel of `height`. */
export function panelBodyRows(height: number): number {
  return Math.max(0, height - 2);
}

/** Columns available for content inside a Panel of `width` (borders and padding). */
export function panelBodyWidth(width: number): number {
  return Math.max(0, width - 4);
}

/** "╭─1 Producers──── info ─╮": the title is dropped before the border is, and the info before the title. */
export function topBorder(width: number, focused: boolean, title: string, info?: string): string {
  const [tl, h, tr] = focused ? ['┏', '━', '┓'] : ['╭', '─', '╮'];
  const inner = Math.max(0, width - 2);
  const label = focused ? `▶${title}◀` : ` ${title} `;
  const right = info ? ` ${info} ` : '';
  let middle = `${h}${label}`;
  if (middle.length + right.length + 1 <= inner)
    middle = `${middle}${h.repeat(inner - middle.length - right.length - 1)}${right}${h}`;
  else if (middle.length <= inner) middle = `${middle}${h.repeat(inner - middle.length)}`;
  else middle = h.repeat(inner);
  return `${tl}${middle}${tr}`;
}
