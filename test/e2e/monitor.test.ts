/**
 * The full-screen monitor end to end: the real app in tmux against the real broker and MariaDB, on its own
 * topics (TOLLSTREAM_TOPIC_*), database, group and state directory. It waits for live data, presses keys a
 * person would press, reads the screen with capture-pane, quits, and checks the terminal and the counts.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Topics } from '../../src/config/config.ts';
import { readReaderSecret } from '../../src/stack/reader.ts';
import { ensureReaderAccount, READER_USER } from '../../src/storage/schema.ts';
import {
  freshDatabase,
  testConfig,
  testKafka,
  topicEnv,
  uniqueName,
  withDatabase,
} from '../helpers/services.ts';
import type { TestDatabase, TestKafka } from '../helpers/services.ts';
import { startSession } from './tmux.ts';
import type { TmuxSession } from './tmux.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

describe('tollstream monitor in a terminal', () => {
  let k: TestKafka;
  let db: TestDatabase;
  let topics: Topics;
  let stateDir: string;
  const group = uniqueName('ui-group');
  const sessions: TmuxSession[] = [];
  let env: Record<string, string>;

  beforeAll(async () => {
    k = await testKafka();
    topics = await k.pipelineTopics('ui', 3);
    db = await freshDatabase('tollstream_ui');
    const cfg = testConfig();
    const password = readReaderSecret(cfg.stateDir);
    if (!password)
      throw new Error(`no reader account secret in ${cfg.stateDir}: run "tollstream stack up" first`);
    await ensureReaderAccount(db.storage, db.name, password);
    const reader = new URL(withDatabase(cfg.mysql.url, db.name));
    reader.username = READER_USER;
    reader.password = encodeURIComponent(password);
    stateDir = mkdtempSync(path.join(tmpdir(), 'tollstream-ui-'));
    env = {
      CI: '0',
      TERM: 'xterm-256color',
      TOLLSTREAM_MYSQL_READER_URL: reader.toString(),
      ...Object.fromEntries(
        Object.entries(process.env).filter(([key]) => key.startsWith('TOLLSTREAM_')) as [string, string][],
      ),
      ...topicEnv(topics),
    };
  });

  // A test that failed half-way leaves its monitor running; it must not write into the next test's counts.
  afterEach(() => {
    for (const s of sessions.splice(0)) s.kill();
  });

  afterAll(async () => {
    for (const s of sessions) s.kill();
    await db?.drop();
    await k?.cleanup();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });

  function start(columns: number, rows: number): TmuxSession {
    const s = startSession(uniqueName('tollstream-ui'), { columns, rows }, REPO, env, [
      process.execPath,
      'bin/tollstream.js',
      '--mysql-url',
      db.url,
      '--group',
      group,
      '--state-dir',
      stateDir,
      '--rate',
      '400',
      '--source',
      'simulator:curve=flat',
    ]);
    sessions.push(s);
    return s;
  }

  const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

  /** When (ms from now) each pattern first appeared on the screen; stops once all have or at the deadline. */
  async function timeline(s: TmuxSession, patterns: Record<string, RegExp>, timeoutMs: number) {
    const t0 = Date.now();
    const seen: Record<string, number> = {};
    while (Object.keys(seen).length < Object.keys(patterns).length && Date.now() - t0 < timeoutMs) {
      const screen = s.screen();
      for (const [name, re] of Object.entries(patterns))
        if (!(name in seen) && re.test(screen)) seen[name] = Date.now() - t0;
      await pause(100);
    }
    return seen;
  }

  async function expectExactlyOnce(): Promise<number> {
    // One statement, so one consistent read: a sink still committing cannot slip rows in between two counts.
    const [rows] = await db.storage.query<{ n: number; ids: number; consumed: string | null }>(
      `SELECT (SELECT COUNT(*) FROM passages) AS n, (SELECT COUNT(DISTINCT event_id) FROM passages) AS ids,
         (SELECT SUM(next_offset) FROM sink_offsets WHERE group_id = ? AND topic = ?) AS consumed`,
      [group, topics.passages],
    );
    const n = Number(rows?.n);
    expect(n).toBeGreaterThan(0);
    expect(Number(rows?.ids)).toBe(n);
    // Every consumed passage message is one row: offsets and rows were committed together.
    expect(Number(rows?.consumed)).toBe(n);
    return n;
  }

  it('shows live data, obeys keys, runs and refuses SQL, and quits with q restoring the terminal', async () => {
    const s = start(120, 40);

    // Every pane live. The target is 5 s from launch; the time each pane took is measured and printed rather
    // than asserted (no timed assertions on speed).
    const panes: Record<string, RegExp> = {
      firstFrame: /1 Producers[\s\S]*5 SQL/,
      producers: /simulator-1\s.*RUNNING/,
      header: /persisted [1-9][\d,]*/,
      vehicles: /\d\d:\d\d:\d\d\s+40\d\d\s+(\d+\s+)?(car|truck|van|bus|motorcycle)\s+\S+/,
      throughput: /plaza 40\d\d\s+\d/,
      lagGroup: /\(ours\) · Stable/,
      lagPartitions: /ui\.passages_\S+\[\d\]\s+\d+\s+\d+\s+\d+/,
    };
    const livePanes = await timeline(s, panes, 60_000);
    console.info(
      `monitor e2e: ms from launch until each pane showed live data: ${JSON.stringify(livePanes)}`,
    );
    expect(Object.keys(livePanes).sort()).toEqual(Object.keys(panes).sort());
    expect(s.alternateScreen()).toBe(true);
    const live = s.screen();
    expect(live).toMatch(/ZooKeeper OK .*Brokers OK 1\/1 .*MySQL OK/);

    // Stop the producer: produced rate falls to 0 and our lag drains to OK.
    s.keys('Space');
    await s.waitFor((x) => /simulator-1\s.*STOPPED/.test(x), 'the producer to stop');
    await s.waitFor((x) => /produced [\d,]+ 0\/s/.test(x), 'the produced rate to drop to 0', 20_000);
    await s.waitFor(
      (x) => /▸ OK \S+ \(ours\) · Stable · 1 member · lag 0/.test(x),
      'lag to drain to OK',
      20_000,
    );
    // Start it again: traffic comes back.
    s.keys('Space');
    await s.waitFor(
      (x) => /simulator-1\s.*RUNNING/.test(x) && /produced [\d,]+ [1-9]/.test(x),
      'traffic to resume',
      20_000,
    );

    // Help lists the keys; Esc closes it.
    s.keys('?');
    const help = await s.waitFor((x) => x.includes('Keys (Esc, ? or q closes)'), 'the help overlay');
    expect(help).toMatch(/space\s+start \/ stop selected/);
    expect(help).toMatch(/F1-F12\s+run a saved query/);
    s.keys('Escape');
    await s.waitFor((x) => !x.includes('Keys (Esc') && x.includes('1 Producers'), 'help to close');

    // A saved query on F3 (busiest plazas).
    s.keys('F3');
    const saved = await s.waitFor((x) => /OK \d+ rows? in/.test(x), 'the saved query result');
    expect(saved).toMatch(/│ plaza_id\s+│/);
    expect(saved).toMatch(/│\s+40\d\d │/);
    s.keys('Escape');
    await s.waitFor((x) => !/OK \d+ rows? in/.test(x), 'the result to close');

    // A typed query, over two lines.
    s.type('SELECT COUNT(*) AS n');
    s.keys('Enter');
    s.type('FROM passages;');
    await s.waitFor((x) => x.includes('   > FROM passages;'), 'the second line of the statement');
    s.keys('Enter');
    const typed = await s.waitFor((x) => /OK 1 row in/.test(x), 'the typed query result');
    expect(typed).toMatch(/│\s+n │/);
    expect(typed).toMatch(/│ [1-9]\d* │/);

    // A write is refused, with the reason.
    s.type('DELETE FROM passages;');
    s.keys('Enter');
    const refused = await s.waitFor((x) => x.includes('REFUSED'), 'the refusal');
    expect(refused).toMatch(/REFUSED DELETE statements are not allowed/);

    // Leave the result and the prompt, then q: a graceful stop and the terminal back as it was.
    s.keys('Escape');
    await pause(300);
    s.keys('Escape');
    await pause(300);
    s.keys('q');
    const after = await s.waitFor((x) => /EXIT=\d+/.test(x), 'the monitor to exit', 45_000);
    expect(after).toContain('EXIT=0');
    expect(after).toMatch(
      /tollstream: stopped after \d\d:\d\d:\d\d; produced [\d,]+, persisted [\d,]+, dead-lettered 0/,
    );
    expect(after).not.toContain('1 Producers');
    expect(s.alternateScreen()).toBe(false);
    await expectExactlyOnce();
  });

  it('fits 80×24, keeps SQL history, cancels a running query, survives resizes and a too-small window, quits on Ctrl-C', async () => {
    const before = await expectExactlyOnce();
    const s = start(80, 24);
    const first = await s.waitFor(
      (x) => x.includes('1 Producers') && x.includes('? help'),
      'the monitor at 80×24',
      60_000,
    );
    const lines = first.split('\n');
    expect(lines[0]).toMatch(/^ZK (OK|CHECKING)/);
    expect(lines[22]).toContain('? help · q quit');

    // History from the first run.
    s.keys(':');
    await pause(200);
    s.keys('Up');
    await s.waitFor((x) => x.includes('sql> DELETE FROM passages;'), 'the last statement of the earlier run');
    s.keys('C-u');
    // Ctrl-C cancels a running statement on the server (KILL QUERY), and the prompt says so.
    s.type('SELECT SLEEP(20) AS slept;');
    s.keys('Enter');
    await s.waitFor((x) => x.includes('RUNNING'), 'the slow query to run');
    s.keys('C-c');
    await s.waitFor((x) => /CANCELLED after/.test(x), 'the query to be cancelled', 10_000);
    s.keys('Escape');
    await pause(200);
    s.keys('Escape');
    await s.waitFor((x) => x.includes('╭─ 5 SQL'), 'the prompt to lose focus');

    s.resize(70, 20);
    await s.waitFor((x) => x.includes('terminal too small: have 70×20, need 80×24'), 'the too-small screen');
    s.resize(120, 40);
    const big = await s.waitFor(
      (x) => /^tollstream │ ZooKeeper/.test(x) && x.split('\n')[38]?.includes('? help') === true,
      'the 120×40 layout',
    );
    expect(big.split('\n')[2]).toMatch(/^[╭┏].*1 Producers/);
    s.resize(80, 24);
    const small = await s.waitFor(
      (x) => /^ZK /.test(x) && x.split('\n')[22]?.includes('? help') === true,
      'the 80×24 layout again',
    );
    expect(small.split('\n')[2]).toMatch(/^[╭┏].*1 Producers.*[╮┓]$/);
    await s.waitFor((x) => /persisted [1-9]/.test(x), 'live data after the resizes', 15_000);

    s.keys('C-c');
    const after = await s.waitFor((x) => /EXIT=\d+/.test(x), 'the monitor to exit on Ctrl-C', 45_000);
    expect(after).toContain('EXIT=0');
    expect(s.alternateScreen()).toBe(false);
    expect(await expectExactlyOnce()).toBeGreaterThan(before);
  });

  it('stops gracefully on SIGTERM and gives the terminal back', async () => {
    const s = start(100, 30);
    await s.waitFor((x) => x.includes('1 Producers') && /persisted [1-9]/.test(x), 'live data', 60_000);
    const shell = s.pid();
    const children = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(shell)], { encoding: 'utf8' });
    // meow names the process "tollstream" (process.title); before that it is node bin/tollstream.js.
    const node = /^\s*(\d+)\s+(?:tollstream\b|\S*node\b.*bin\/tollstream\.js)/m.exec(children)?.[1];
    expect(node ?? `no app among: ${children}`).toMatch(/^\d+$/);
    process.kill(Number(node), 'SIGTERM');
    const after = await s.waitFor((x) => /EXIT=\d+/.test(x), 'the monitor to exit on SIGTERM', 45_000);
    expect(after).toContain('EXIT=0');
    expect(after).toMatch(/tollstream: stopped after/);
    expect(s.alternateScreen()).toBe(false);
    await expectExactlyOnce();
  });
});
