#!/usr/bin/env node
// Runs the TypeScript sources directly (see register.js), so a clone works right after `npm ci`.
import './register.js';

const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
