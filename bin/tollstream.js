#!/usr/bin/env -S node --max-semi-space-size=4
// Memory (README, Benchmark): the pipeline allocates short-lived batches at a high rate and V8's defaults let the
// heap run far ahead of what is live (~30 MB). The young generation is capped at 3 x 4 MB (default 3 x 16 MB; a
// start-up flag, so the shebang and the npm scripts pass it) and the old generation may grow 2x between major
// collections (V8's default is up to 4x; read at each collection, so set here): peak RSS at full speed 350 ->
// ~200 MB, CPU per passage within ~3 %.
import v8 from 'node:v8';
v8.setFlagsFromString('--heap-growing-percent=100');
import { existsSync } from 'node:fs';
import { register } from 'node:module';

const compiled = new URL('../dist/src/cli/main.js', import.meta.url);
const fromSource = process.env.TOLLSTREAM_FROM_SOURCE === '1' || !existsSync(compiled);
let main;
if (fromSource) {
  await import('./register.js');
  ({ main } = await import('../src/cli/main.ts'));
} else {
  // Ink's bounded text-measure cache (src/monitor/ink/hooks.mjs), before Ink is first imported.
  register('../dist/src/monitor/ink/hooks.mjs', import.meta.url);
  ({ main } = await import(compiled.href));
}
process.exitCode = await main(process.argv.slice(2));
// Every command has closed what it opened by now. A client library can still leave a reconnect timer or a socket
// behind (seen with a sink stopped in the middle of a rebalance), which would keep a finished run alive: after a
// grace period for stdout to drain, exit anyway. The timer itself keeps nothing alive.
setTimeout(() => process.exit(), 2000).unref();
