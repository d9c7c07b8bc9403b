import { createContext, useContext } from 'react';
import type { ReactNode } from 'react';
import { Text } from 'ink';
import { toneColor } from './theme.ts';
import type { Theme, Tone } from './theme.ts';

export const ThemeContext = createContext<Theme>({ color: true });

export function useTheme(): Theme {
  return useContext(ThemeContext);
}

/** Text in a tone's colour when colour is on; the words carry the meaning either way. */
export function Tinted({
  tone,
  bold,
  inverse,
  children,
}: {
  tone: Tone;
  bold?: boolean;
  inverse?: boolean;
  children: ReactNode;
}): ReactNode {
  const theme = useTheme();
  const color = toneColor(tone, theme);
  return (
    <Text {...(color ? { color } : {})} bold={bold ?? false} inverse={inverse ?? false}>
      {children}
    </Text>
  );
}
