import type { ReactNode } from 'react';
import { Box, Text } from 'ink';

/** A full-area overlay shown in place of the panes (help, log): a double border, a bold title, a dim hint. */
export function Overlay({
  title,
  hint,
  width,
  height,
  children,
}: {
  title: string;
  hint: string;
  width: number;
  height: number;
  children: ReactNode;
}): ReactNode {
  return (
    <Box
      flexDirection="column"
      width={width}
      height={height}
      borderStyle="double"
      paddingX={1}
      overflow="hidden"
    >
      <Text bold>
        {title} <Text dimColor>{hint}</Text>
      </Text>
      {children}
    </Box>
  );
}
