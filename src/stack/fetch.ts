/**
 * Kafka's jars, fetched once from Maven Central with the pom next to this file and cached in the checkout.
 * A marker written after a successful fetch (with the pom's hash and the jar list) lets later runs skip Maven
 * and the network entirely.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { StackError } from './errors.ts';
import type { JarCache } from './paths.ts';
import { jarCache } from './paths.ts';
import { meaningfulTail } from './processes.ts';

/** Jars without which nothing starts; their absence after a "successful" fetch means the pom is wrong. */
export const REQUIRED_JARS = [
  /^kafka_2\.13-3\.9\.2\.jar$/,
  /^zookeeper-3\.\d+\.\d+\.jar$/,
  /^reload4j-.*\.jar$/,
];

interface Marker {
  pomSha256: string;
  jars: string[];
  fetchedAt: string;
}

const sha256 = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

function readMarker(cache: JarCache): Marker | null {
  try {
    return JSON.parse(readFileSync(cache.marker, 'utf8')) as Marker;
  } catch {
    return null;
  }
}

/** True when the cache holds every jar of the last successful fetch of the current pom. */
export function jarsComplete(cache: JarCache = jarCache()): boolean {
  const marker = readMarker(cache);
  return (
    !!marker &&
    marker.pomSha256 === sha256(cache.pom) &&
    Array.isArray(marker.jars) &&
    marker.jars.length > 0 &&
    marker.jars.every((j) => existsSync(path.join(cache.dir, j)))
  );
}

export interface JarsResult {
  dir: string;
  count: number;
  fetched: boolean;
}

export async function ensureJars(
  cache: JarCache = jarCache(),
  { onFetch, env = process.env }: { onFetch?: (mavenLog: string) => void; env?: NodeJS.ProcessEnv } = {},
): Promise<JarsResult> {
  if (jarsComplete(cache)) return { dir: cache.dir, count: readMarker(cache)!.jars.length, fetched: false };
  requireMaven(env);
  mkdirSync(cache.dir, { recursive: true });
  onFetch?.(cache.mavenLog);
  const code = await runMaven(cache, env);
  if (code !== 0) {
    throw new StackError(
      `fetching Kafka's jars from Maven Central failed (mvn exit code ${code}); check the network or a proxy in ~/.m2/settings.xml`,
      { part: 'jars', logFile: cache.mavenLog, logTail: mavenErrors(cache.mavenLog) },
    );
  }
  const jars = readdirSync(cache.dir)
    .filter((f) => f.endsWith('.jar'))
    .sort();
  const missing = REQUIRED_JARS.filter((re) => !jars.some((j) => re.test(j)));
  if (missing.length) {
    throw new StackError(`Maven finished but ${cache.dir} lacks ${missing.map(String).join(', ')}`, {
      part: 'jars',
      logFile: cache.mavenLog,
    });
  }
  const marker: Marker = { pomSha256: sha256(cache.pom), jars, fetchedAt: new Date().toISOString() };
  writeFileSync(cache.marker, `${JSON.stringify(marker, null, 2)}\n`);
  return { dir: cache.dir, count: jars.length, fetched: true };
}

function requireMaven(env: NodeJS.ProcessEnv): void {
  const res = spawnSync('mvn', ['-v'], { encoding: 'utf8', env });
  if (res.error) {
    const why =
      (res.error as NodeJS.ErrnoException).code === 'ENOENT'
        ? 'Maven is not installed (mvn not found on PATH)'
        : `cannot run mvn: ${res.error.message}`;
    throw new StackError(`${why}; it fetches Kafka's jars once (e.g. apt-get install maven)`, {
      part: 'jars',
    });
  }
}

function runMaven(cache: JarCache, env: NodeJS.ProcessEnv): Promise<number> {
  const args = [
    '-B',
    '--no-transfer-progress',
    '-f',
    cache.pom,
    'dependency:copy-dependencies',
    `-DoutputDirectory=${cache.dir}`,
    '-DincludeScope=runtime',
  ];
  const fd = openSync(cache.mavenLog, 'w');
  try {
    const child = spawn('mvn', args, { stdio: ['ignore', fd, fd], env });
    return new Promise((resolve) => {
      child.once('error', () => resolve(-1));
      child.once('exit', (code) => resolve(code ?? -1));
    });
  } finally {
    closeSync(fd);
  }
}

/** Maven's [ERROR] lines say what went wrong; fall back to the log's end. */
function mavenErrors(log: string): string[] {
  let text = '';
  try {
    text = readFileSync(log, 'utf8');
  } catch {
    return [];
  }
  const errors = text.split('\n').filter((l) => l.startsWith('[ERROR]') && l.trim() !== '[ERROR]');
  return errors.length ? errors.slice(0, 6) : meaningfulTail(text, 8);
}
