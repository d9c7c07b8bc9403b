/**
 * Run as `node --import ./bin/register.js test/unit/monitor/ink-measure-child.tsx FRAMES`: renders FRAMES frames
 * of always-new text through Ink, then prints the size of the measure cache Ink used (ours, if the hook works).
 */
import { Box, Text } from 'ink';
import { render } from 'ink-testing-library';
import { cacheSize, MAX_ENTRIES } from '../../../src/monitor/ink/measure-text.ts';

const frames = Number(process.argv[2] ?? 10_000);
const frame = (i: number) => (
  <Box flexDirection="column">
    <Text>produced {i * 7} passages</Text>
    <Text>
      persisted {i * 5} at {i % 997}/s
    </Text>
  </Box>
);
const app = render(frame(0));
let measured = 0;
for (let i = 1; i < frames; i++) {
  app.rerender(frame(i));
  measured = Math.max(measured, cacheSize());
}
const last = app.lastFrame() ?? '';
app.unmount();
console.log(JSON.stringify({ size: cacheSize(), measured, max: MAX_ENTRIES, last }));
