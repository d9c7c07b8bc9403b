/**
 * Where tollstream's own files are (schema.sql, the stack's pom.xml, bin/), found from this module rather than the
 * working directory, the same from the TypeScript sources (src/util) and the compiled package (dist/src/util); and
 * where an installed package keeps what it writes, since its own folder inside node_modules is no place for data.
 */
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'tollstream')
          return dir;
      } catch {
        // an unreadable package.json is not ours; keep looking
      }
    }
    if (path.dirname(dir) === dir) throw new Error(`cannot find tollstream's package.json above ${from}`);
  }
}

/** The folder holding tollstream's package.json. */
export const PACKAGE_ROOT = findRoot(path.dirname(fileURLToPath(import.meta.url)));

/** True when tollstream runs from an installed package (inside node_modules) rather than a clone. */
export const INSTALLED = PACKAGE_ROOT.split(path.sep).includes('node_modules');

/** XDG base directories: $XDG_STATE_HOME/tollstream and $XDG_CACHE_HOME/tollstream, or their ~ defaults. */
export function userDir(kind: 'state' | 'cache', env: NodeJS.ProcessEnv = process.env): string {
  const base =
    kind === 'state'
      ? env.XDG_STATE_HOME || path.join(os.homedir(), '.local', 'state')
      : env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'tollstream');
}

/** The default --state-dir: `.tollstream` in the working directory of a clone, the user's state folder otherwise. */
export function defaultStateDir(): string {
  return INSTALLED ? userDir('state') : '.tollstream';
}
