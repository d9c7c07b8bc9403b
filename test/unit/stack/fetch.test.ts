import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { jarsComplete } from '../../../src/stack/fetch.ts';
import { jarCache, REPO_ROOT, stackPaths, PURGEABLE } from '../../../src/stack/paths.ts';

function fakeCache() {
  const root = mkdtempSync(path.join(tmpdir(), 'jars-'));
  mkdirSync(path.join(root, 'src', 'stack'), { recursive: true });
  const cache = jarCache(root);
  writeFileSync(cache.pom, '<project/>');
  mkdirSync(cache.dir, { recursive: true });
  return cache;
}

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

describe('jar cache', () => {
  it('lives in the checkout, found from the source file rather than the working directory', () => {
    expect(jarCache().dir).toBe(path.join(REPO_ROOT, '.tollstream', 'jars'));
    expect(jarCache().pom).toBe(path.join(REPO_ROOT, 'src', 'stack', 'pom.xml'));
  });

  it('is complete only with a marker for the current pom and every listed jar present', () => {
    const cache = fakeCache();
    expect(jarsComplete(cache)).toBe(false);
    writeFileSync(path.join(cache.dir, 'a.jar'), '');
    writeFileSync(
      cache.marker,
      JSON.stringify({ pomSha256: sha('<project/>'), jars: ['a.jar'], fetchedAt: 'x' }),
    );
    expect(jarsComplete(cache)).toBe(true);
    writeFileSync(cache.pom, '<project><changed/></project>');
    expect(jarsComplete(cache)).toBe(false);
    writeFileSync(cache.pom, '<project/>');
    rmSync(path.join(cache.dir, 'a.jar'));
    expect(jarsComplete(cache)).toBe(false);
  });
});

describe('state dir layout', () => {
  it('keeps everything of a stack under its state dir, and purge touches only those entries', () => {
    const p = stackPaths('/s');
    expect(p.record).toBe('/s/stack.json');
    expect(p.broker(1).log).toBe('/s/logs/kafka-1.log');
    expect(p.zookeeperLog).toBe('/s/logs/zookeeper.log');
    for (const e of ['stack.json', 'reader.secret', 'config', 'logs', 'zookeeper', 'kafka-0', 'kafka-12']) {
      expect(PURGEABLE.test(e), e).toBe(true);
    }
    for (const e of ['jars', 'notes.txt', 'kafka-x', '.git']) expect(PURGEABLE.test(e), e).toBe(false);
  });
});
