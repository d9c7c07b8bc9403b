/**
 * What `stack up` says when it cannot work: Java missing, a JVM that dies during start-up, Maven missing, a
 * failed fetch. Each is one message naming the cause (and the log), a non-zero exit, and nothing left running.
 */
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { StackError } from '../../../src/stack/errors.ts';
import { stackProcesses } from '../../../src/stack/down.ts';
import { ensureJars } from '../../../src/stack/fetch.ts';
import { jarCache } from '../../../src/stack/paths.ts';
import { readRecord } from '../../../src/stack/record.ts';
import { cli, privateStack } from './helpers.ts';

// MySQL is never reached in these runs: they fail before (or while) the JVMs start.
const stack = privateStack({
  zookeeperPort: 22191,
  brokerPort: 29191,
  mysqlUrl: 'mysql://root@127.0.0.1:1/none',
});

afterAll(async () => {
  await cli(stack, ['stack', 'down', '--purge']);
});

function fakeJavaHome(script: string): string {
  const home = mkdtempSync(path.join(tmpdir(), 'fake-java-'));
  mkdirSync(path.join(home, 'bin'));
  const java = path.join(home, 'bin', 'java');
  writeFileSync(java, `#!/bin/sh\n${script}\n`);
  chmodSync(java, 0o755);
  return home;
}

function fakeRepo(pom: string): ReturnType<typeof jarCache> {
  const root = mkdtempSync(path.join(tmpdir(), 'fake-repo-'));
  mkdirSync(path.join(root, 'src', 'stack'), { recursive: true });
  const cache = jarCache(root);
  writeFileSync(cache.pom, pom);
  return cache;
}

describe('stack up failures', () => {
  it('Java missing: says so and exits 1', async () => {
    const r = await cli(stack, ['stack', 'up'], { JAVA_HOME: '/nonexistent/jdk' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^tollstream: Java is not installed \(\/nonexistent\/jdk\/bin\/java not found under JAVA_HOME\)/,
    );
    expect(r.stdout).toBe('');
  });

  it('a JVM that dies during start-up: names the process, its log and last lines, and leaves nothing behind', async () => {
    const home = fakeJavaHome(
      'if [ "$1" = "-version" ]; then echo \'openjdk version "17.0.15"\' >&2; exit 0; fi\n' +
        'echo "Error: simulated start failure" >&2\nexit 3',
    );
    const r = await cli(stack, ['stack', 'up'], { JAVA_HOME: home });
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines[0]).toBe('tollstream: ZooKeeper 127.0.0.1:22191 exited during start-up (exit code 3)');
    expect(lines[1]).toBe(`  log: ${path.join(stack.stateDir, 'logs', 'zookeeper.out')}`);
    expect(lines).toContain('  | Error: simulated start failure');
    expect(stackProcesses(stack.stateDir)).toEqual([]);
    expect(readRecord(path.join(stack.stateDir, 'stack.json'))?.zookeeper.pid).toBeNull();
  });

  it('--brokers other than 1 or 3 is a usage error', async () => {
    const r = await cli(stack, ['stack', 'up', '--brokers', '2']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--brokers for "stack up" is 1 or 3/);
  });
});

describe('jar fetch failures', () => {
  it('Maven missing: names it', async () => {
    const cache = fakeRepo('<project/>');
    const err = await ensureJars(cache, { env: { ...process.env, PATH: '/nonexistent' } }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StackError);
    expect((err as StackError).message).toMatch(/^Maven is not installed \(mvn not found on PATH\)/);
  });

  it('a failed fetch names the Maven log and its errors, and writes no marker', async () => {
    const cache = fakeRepo('<project><this is not a pom');
    const err = (await ensureJars(cache).catch((e: unknown) => e)) as StackError;
    expect(err).toBeInstanceOf(StackError);
    expect(err.message).toMatch(/^fetching Kafka's jars from Maven Central failed \(mvn exit code 1\)/);
    expect(err.logFile).toBe(cache.mavenLog);
    expect(err.logTail.join('\n')).toMatch(/\[ERROR\]/);
    await expect(import('node:fs').then((fs) => fs.existsSync(cache.marker))).resolves.toBe(false);
  });
});
