#!/usr/bin/env node
// `npm test`: typecheck, lint, unit tests, then integration tests against the real stack. Brings the stack up
// when it is not running and takes down only what it brought up, so the machine is left as it was found.
// Vitest's JSON reports land in .tollstream/test-results/; the last line is "N passed, N failed".
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// The CLI children of the tests run the sources under test (bin/tollstream.js would otherwise prefer dist/).
process.env.TOLLSTREAM_FROM_SOURCE = '1';
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const results = path.join(root, '.tollstream', 'test-results');
const only = process.argv[2]; // optional: "unit" or "integration"
rmSync(results, { recursive: true, force: true });
mkdirSync(results, { recursive: true });

const failures = [];

function run(title, cmd, args, { allowFail = true } = {}) {
  process.stderr.write(`\n== ${title}\n`);
  const started = Date.now();
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: process.env });
  const ok = r.status === 0;
  process.stderr.write(
    `== ${title}: ${ok ? 'ok' : `FAILED (exit ${r.status ?? r.signal})`} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
  );
  if (!ok && allowFail) failures.push(title);
  return ok;
}

const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const cli = (...args) => ['bin/tollstream.js', ...args];

function vitest(project) {
  return run(`${project} tests`, bin('vitest'), [
    'run',
    '--project',
    project,
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${path.join(results, `${project}.json`)}`,
  ]);
}

if (!only) {
  run('typecheck', bin('tsc'), ['--noEmit']);
  run('lint', bin('eslint'), ['--max-warnings', '0', '.']);
  run('format', bin('prettier'), ['--check', '.']);
}
if (!only || only === 'unit') vitest('unit');

let startedStack = false;
if (!only || only === 'integration') {
  const up = spawnSync(process.execPath, cli('stack', 'status'), { cwd: root, stdio: 'ignore' }).status === 0;
  if (!up) {
    startedStack = run('stack up', process.execPath, cli('stack', 'up'));
  }
  vitest('integration');
  if (startedStack) run('stack down', process.execPath, cli('stack', 'down'));
}

let passed = 0;
let failed = 0;
for (const project of ['unit', 'integration']) {
  const file = path.join(results, `${project}.json`);
  if (!existsSync(file)) continue;
  const report = JSON.parse(readFileSync(file, 'utf8'));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
}
// Checks that are not vitest tests (typecheck, lint, stack) count as one failure each.
const otherFailures = failures.filter((f) => !f.endsWith(' tests'));
if (otherFailures.length) process.stderr.write(`\nfailed checks: ${otherFailures.join(', ')}\n`);
failed += otherFailures.length;
process.stdout.write(`${passed} passed, ${failed} failed\n`);
process.exitCode = failures.length ? 1 : 0;
