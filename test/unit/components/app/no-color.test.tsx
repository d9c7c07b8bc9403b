/**
 * NO_COLOR: statuses keep their words and lose their colour. Chalk decides at import time whether the terminal
 * takes colour, so this file forces colour on before it loads Ink, to see the difference the theme makes.
 */
import { describe, expect, test } from 'vitest';
import { themeFromEnv, toneColor } from '../../../../components/theme/theme.ts';

describe('NO_COLOR', () => {
  test('colour is off when NO_COLOR is set and not empty', () => {
    expect(themeFromEnv({ NO_COLOR: '1' }).color).toBe(false);
    expect(themeFromEnv({ NO_COLOR: '' }).color).toBe(true);
    expect(themeFromEnv({}).color).toBe(true);
    expect(toneColor('bad', { color: false })).toBeUndefined();
    expect(toneColor('bad', { color: true })).toBe('red');
  });

  test('with colour off the terminal gets the words and no colour escapes', async () => {
    process.env.FORCE_COLOR = '1';
    const { render } = await import('ink-testing-library');
    const { Text } = await import('ink');
    const { Tinted, ThemeContext } = await import('../../../../components/theme/Tinted.tsx');
    const probe = (color: boolean): string => {
      const r = render(
        <ThemeContext.Provider value={{ color }}>
          <Text>
            status <Tinted tone="bad">DOWN</Tinted>
          </Text>
        </ThemeContext.Provider>,
      );
      const frame = r.lastFrame()!;
      r.unmount();
      return frame;
    };
    expect(probe(true)).toContain('\u001b[31mDOWN');
    expect(probe(false)).toBe('status DOWN');
  });
});
