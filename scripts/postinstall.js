#!/usr/bin/env node
// `postinstall`: in a clone, applies patches/ to node_modules (kafkajs's failover fix; see src/kafka/producer.ts).
// An installed package ships its patched kafkajs inside the tarball (bundleDependencies) and has no patches/, so
// there is nothing to do.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
if (existsSync(path.join(root, 'patches'))) {
  const r = spawnSync('npx', ['--no-install', 'patch-package', '--error-on-fail'], {
    cwd: root,
    stdio: 'inherit',
  });
  process.exit(r.status ?? 1);
}
