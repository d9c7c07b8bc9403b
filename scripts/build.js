#!/usr/bin/env node
// `npm run build` (and `prepare`, so `npm ci` in a clone and `npm pack` both produce it): the TypeScript sources
// compiled to dist/ by tsc, plus the one file tsc does not emit (Ink's module hook, plain JavaScript already).
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const started = Date.now();
rmSync(dist, { recursive: true, force: true });
const tsc = spawnSync(
  process.execPath,
  [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'],
  {
    cwd: root,
    stdio: 'inherit',
  },
);
// tsc emits despite type errors; those fail `npm test` (its typecheck), but must not leave a clone without a CLI.
if (!existsSync(path.join(dist, 'src', 'cli', 'main.js'))) {
  process.stderr.write(`build: tsc produced no dist/src/cli/main.js (exit ${tsc.status ?? tsc.signal})\n`);
  process.exit(1);
}
if (tsc.status !== 0)
  process.stderr.write('build: tsc reported type errors (above); dist/ was written anyway\n');
const hooks = path.join('src', 'monitor', 'ink', 'hooks.mjs');
mkdirSync(path.dirname(path.join(dist, hooks)), { recursive: true });
copyFileSync(path.join(root, hooks), path.join(dist, hooks));
writeFileSync(path.join(dist, 'BUILT'), `${new Date().toISOString()}\n`);
process.stderr.write(`build: dist/ in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
