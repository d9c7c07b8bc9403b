#!/usr/bin/env -S node --max-semi-space-size=4
// V8's young generation capped at 3 x 4 MB (default 3 x 16): the pipeline allocates short-lived batches at a high
// rate and V8 let them fill the larger space before each scavenge; measured 350 -> 248 MB peak RSS at full speed
// with the same throughput (README, Benchmark). `npm run` scripts pass the same flag.
// The compiled JavaScript in dist/ (built by `npm run build`, which `npm ci` and `npm pack` run through `prepare`).
// A clone without dist/ (or with TOLLSTREAM_FROM_SOURCE=1, as the tests set) runs the TypeScript sources through
// tsx instead (see register.js); an installed package has no sources and always runs dist/.
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
