/**
 * The package as a user installs it: `npm pack` (which builds dist/ through `prepare`), then `npm install <tarball>`
 * into an empty folder, and tollstream run from there — compiled JavaScript only, no TypeScript loader, kafkajs with
 * its failover patch bundled, and nothing written inside node_modules.
 */
import os from 'node:os';
import path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, testKafka, topicEnv, uniqueName } from '../../helpers/services.ts';
import type { TestDatabase, TestKafka } from '../../helpers/services.ts';
import { REPO } from '../headless/cli.ts';

describe('the installed package', () => {
  let dir: string;
  let tarball: string;
  let k: TestKafka;
  let db: TestDatabase;
  const home = (): Record<string, string> => ({
    HOME: path.join(dir, 'home'),
    XDG_STATE_HOME: path.join(dir, 'home', 'state'),
    XDG_CACHE_HOME: path.join(dir, 'home', 'cache'),
  });
  /** The environment of a user's shell: none of the test run's TOLLSTREAM_* switches. */
  const userEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => {
    const env: NodeJS.ProcessEnv = { ...process.env, ...home(), ...extra };
    delete env.TOLLSTREAM_FROM_SOURCE;
    delete env.NODE_OPTIONS;
    return env;
  };
  const bin = (): string => path.join(dir, 'app', 'node_modules', '.bin', 'tollstream');

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'tollstream-pack-'));
    mkdirSync(path.join(dir, 'app'), { recursive: true });
    mkdirSync(path.join(dir, 'home'), { recursive: true });
    const packed = execFileSync('npm', ['pack', '--json', '--pack-destination', dir], {
      cwd: REPO,
      encoding: 'utf8',
      env: userEnv(),
      maxBuffer: 64 * 1024 * 1024,
    });
    const [info] = JSON.parse(packed.slice(packed.indexOf('['))) as { filename: string }[];
    tarball = path.join(dir, info!.filename);
    writeFileSync(path.join(dir, 'app', 'package.json'), '{"name":"app","private":true}\n');
    execFileSync('npm', ['install', '--no-audit', '--no-fund', tarball], {
      cwd: path.join(dir, 'app'),
      encoding: 'utf8',
      env: userEnv(),
    });
    k = await testKafka();
    db = await freshDatabase('tollstream_pack');
  }, 300_000);

  afterAll(async () => {
    await db?.drop();
    await k?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('ships compiled JavaScript, the patched kafkajs and the files it reads, and no TypeScript', () => {
    const list = execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' }).split('\n');
    expect(list).toContain('package/dist/src/cli/main.js');
    expect(list).toContain('package/dist/src/monitor/ink/hooks.mjs');
    expect(list).toContain('package/dist/src/monitor/ink/measure-text.js');
    expect(list).toContain('package/schema.sql');
    expect(list).toContain('package/src/stack/pom.xml');
    expect(list).toContain('package/node_modules/kafkajs/src/producer/sendMessages.js');
    expect(list.filter((f) => /\.tsx?$/.test(f) && !f.startsWith('package/node_modules/'))).toEqual([]);
    expect(list.some((f) => f.startsWith('package/patches/') || f.startsWith('package/test/'))).toBe(false);
    const installed = path.join(dir, 'app', 'node_modules', 'tollstream');
    expect(existsSync(path.join(installed, 'node_modules', 'kafkajs'))).toBe(true);
    const patched = execFileSync(
      process.execPath,
      ['-e', "console.log(require('kafkajs/src/producer/sendMessages.js').TOLLSTREAM_PATCH)"],
      { cwd: installed, encoding: 'utf8' },
    );
    expect(patched.trim()).toBe('per-partition-acks-1');
    // No TypeScript loader is installed with it.
    expect(existsSync(path.join(dir, 'app', 'node_modules', 'tsx'))).toBe(false);
  });

  it('answers --version and --help', () => {
    const version = spawnSync(bin(), ['--version'], { encoding: 'utf8', env: userEnv() });
    expect(version.status, version.stderr).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const help = spawnSync(bin(), ['--help'], { encoding: 'utf8', env: userEnv() });
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout).toContain('tollstream import SOURCE');
    expect(help.stdout).toContain('timeFormat');
  });

  it('runs a short headless run against the stack and keeps its state out of node_modules', async () => {
    const topics = await k.pipelineTopics('pack', 3);
    const run = spawnSync(
      bin(),
      [
        '--headless',
        '--source',
        'simulator:curve=flat',
        '--events',
        '300',
        '--rate',
        '0',
        '--mysql-url',
        db.url,
        '--group',
        uniqueName('pack-group'),
      ],
      { cwd: path.join(dir, 'app'), encoding: 'utf8', env: userEnv(topicEnv(topics)), timeout: 120_000 },
    );
    expect(run.status, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
    expect(summary).toMatchObject({ type: 'summary', produced: 300, reconciled: true, missing: 0 });
    const rows = await db.storage.query<{ n: number | string }>('SELECT COUNT(*) AS n FROM passages');
    expect(Number(rows[0]!.n)).toBe(300);
    const installed = path.join(dir, 'app', 'node_modules', 'tollstream');
    expect(readdirSync(installed).filter((f) => f.startsWith('.'))).toEqual([]);
    expect(existsSync(path.join(dir, 'app', '.tollstream'))).toBe(false);
  });

  it("swaps in tollstream's bounded Ink text-measure cache without a TypeScript loader", () => {
    const script = path.join(dir, 'app', 'hook-check.mjs');
    writeFileSync(
      script,
      [
        "import { register } from 'node:module';",
        "register('./node_modules/tollstream/dist/src/monitor/ink/hooks.mjs', import.meta.url);",
        // Ink's own module, by path as Ink itself reaches it (the package's exports hide it from bare imports).
        "const m = await import(new URL('./node_modules/ink/build/measure-text.js', import.meta.url).href);",
        'console.log(typeof m.cacheSize, m.MAX_ENTRIES);',
      ].join('\n'),
    );
    const out = execFileSync(process.execPath, [script], { cwd: path.join(dir, 'app'), encoding: 'utf8' });
    expect(out.trim()).toBe('function 4096');
  });
});
