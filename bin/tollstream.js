#!/usr/bin/env node
// Runs the TypeScript sources directly (see register.js), so a clone works right after `npm ci`.
import './register.js';

const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
// Every command has closed what it opened by now. A client library can still leave a reconnect timer or a socket
// behind (seen with a sink stopped in the middle of a rebalance), which would keep a finished run alive: after a
// grace period for stdout to drain, exit anyway. The timer itself keeps nothing alive.
setTimeout(() => process.exit(), 2000).unref();
