import type { ReactNode } from 'react';
import { Box, Text } from 'ink';
import { helpColumns } from '../app/keymap.ts';
import type { KeySection } from '../app/keymap.ts';
import { fit } from '../format/format.ts';
import { Overlay } from '../widgets/Overlay.tsx';

const KEY_WIDTH = 14;

function Section({ section, spaced }: { section: KeySection; spaced: boolean }): ReactNode {
  return (
    <Box flexDirection="column" marginBottom={spaced ? 1 : 0} flexShrink={0}>
      <Text bold underline>
        {section.title}
      </Text>
      {section.keys.map((k) => (
        <Text key={k.keys} wrap="truncate-end">
          <Text bold>{fit(k.keys, KEY_WIDTH)}</Text>
          {k.what}
        </Text>
      ))}
    </Box>
  );
}

/** Every key, in two balanced columns so it fits 80×24; shown in place of the panes. */
export function HelpOverlay({ width, height }: { width: number; height: number }): ReactNode {
  const columns = helpColumns();
  const inner = Math.floor((width - 4) / 2);
  const tallest = Math.max(...columns.map((c) => c.reduce((n, s) => n + 1 + s.keys.length, 0)));
  // Blank lines between sections only when there is room for them.
  const spaced = tallest + columns[1].length <= height - 3;
  return (
    <Overlay title="Keys" hint="(Esc, ? or q closes)" width={width} height={height}>
      <Box>
        {columns.map((sections, i) => (
          <Box key={i} flexDirection="column" width={inner} flexShrink={0}>
            {sections.map((s) => (
              <Section key={s.title} section={s} spaced={spaced} />
            ))}
          </Box>
        ))}
      </Box>
    </Overlay>
  );
}
