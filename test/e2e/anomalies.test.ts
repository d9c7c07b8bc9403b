/**
 * The anomalies view end to end: the real monitor at 80×24 in tmux, with the anomaly detector in its process,
 * on its own topics, database, sink group and detector group. The simulator injects anomalies (a day in 6 minutes,
 * so the unpaid rule's 15-minute grace takes seconds) and lists them in a truth file; the judges are that file, the
 * rows read as root, and the screen. Before the view opens, the throughput pane's expected bands are read off the
 * screen against the hourly history the test wrote for the current hour of the week.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Topics } from '../../src/config/config.ts';
import { vehiclePassagesQuery } from '../../src/query/findings.ts';
import { readReaderSecret } from '../../src/stack/reader.ts';
import { ensureReaderAccount, READER_USER } from '../../src/storage/schema.ts';
import { formatCompact } from '../../components/format/format.ts';
import {
  freshDatabase,
  testConfig,
  testKafka,
  topicEnv,
  uniqueName,
  waitFor,
  withDatabase,
} from '../helpers/services.ts';
import type { TestDatabase, TestKafka } from '../helpers/services.ts';
import { startSession } from './tmux.ts';
import type { TmuxSession } from './tmux.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const HOUR_MS = 3_600_000;
const WEEK_MS = 7 * 24 * HOUR_MS;
const RULES = ['surge', 'drop', 'unpaid', 'short-payment', 'double-charge', 'impossible-travel'];
/** Anomalies only among the first CLEAN_AFTER passages; clean traffic after them carries the watermark on. */
const CLEAN_AFTER = 3000;
const EVENTS = 6000;
/** The simulator's plazas: 4000-4010. */
const PLAZAS = Array.from({ length: 11 }, (_, i) => 4000 + i);
/** The usual passages per minute the test writes for plaza 4000 + i in this hour of the week. */
const usual = (plazaId: number): number => 1000 + 100 * (plazaId - 4000);

interface PlazaLabels {
  plazaId: number;
  perMinute: number;
  mark: '▲' | '▼' | null;
  band: [string, string] | null;
}

/** The label column of the throughput pane (the right half of the middle at 80 columns): plaza, rate, band. */
function plazaLabels(screen: string): PlazaLabels[] {
  const lines = screen.split('\n').map((l) => l.slice(44));
  const out: PlazaLabels[] = [];
  for (const [i, line] of lines.entries()) {
    const plaza = /^│ plaza (\d+)\s/.exec(line);
    const rate = /^│ ([\d.]+)(k?)\/min(?: ([▲▼]))?\s/.exec(lines[i + 1] ?? '');
    if (!plaza || !rate) continue;
    const band = /^│ ([\d.]+k?)–([\d.]+k?)\s/.exec(lines[i + 2] ?? '');
    out.push({
      plazaId: Number(plaza[1]),
      perMinute: Number(rate[1]) * (rate[2] ? 1000 : 1),
      mark: (rate[3] as '▲' | '▼' | undefined) ?? null,
      band: band ? [band[1]!, band[2]!] : null,
    });
  }
  return out;
}

interface SelectedFinding {
  /** The row as drawn, without styles. */
  row: string;
  rule: string;
  vehicle: string;
  /** The view's last line: what Enter and p load. */
  detail: string;
}

/** In the anomalies view (a screen captured with its escapes): the finding drawn in reverse video. */
function selectedFinding(styled: string): SelectedFinding | null {
  // eslint-disable-next-line no-control-regex
  const plain = (l: string): string => l.replace(/\x1b\[[0-9;]*m/g, '');
  // tmux writes SGR sequences of its own; reverse video is parameter 7 (not a 38;5;7 / 48;5;7 colour).
  const inverse = (l: string): boolean =>
    // eslint-disable-next-line no-control-regex
    [...l.matchAll(/\x1b\[([0-9;]*)m/g)].some(([, p]) => {
      const params = p!.split(';');
      return params.includes('7') && !params.includes('38') && !params.includes('48');
    });
  const lines = styled.split('\n');
  const header = lines.findIndex((l) => /observed\s+rule\s+plaza\s+vehicle/.test(plain(l)));
  if (header === -1) return null;
  const selected = lines.slice(header + 1).find((l) => /^║ \d\d:\d\d:\d\d /.test(plain(l)) && inverse(l));
  const detail = lines.map(plain).find((l) => l.startsWith('║ ▸ '));
  if (!selected || !detail) return null;
  const row = plain(selected).slice(2, -2).trimEnd();
  // observed (8), rule (13, "impossible-t…"), plaza (5), vehicle (10), ...
  const [, rule = '', , vehicle = ''] = row.split(/\s+/);
  return { row, rule, vehicle, detail: detail.slice(2).replace(/\s*║$/, '') };
}

describe('the anomalies view in a terminal', () => {
  let k: TestKafka;
  let db: TestDatabase;
  let topics: Topics;
  let dir: string;
  let env: Record<string, string>;
  const sessions: TmuxSession[] = [];

  beforeAll(async () => {
    k = await testKafka();
    topics = await k.pipelineTopics('uianom', 3);
    db = await freshDatabase('tollstream_uianom');
    const password = readReaderSecret(testConfig().stateDir);
    if (!password)
      throw new Error(
        `no reader account secret in ${testConfig().stateDir}: run "tollstream stack up" first`,
      );
    await ensureReaderAccount(db.storage, db.name, password);
    const reader = new URL(withDatabase(testConfig().mysql.url, db.name));
    reader.username = READER_USER;
    reader.password = encodeURIComponent(password);
    dir = mkdtempSync(path.join(tmpdir(), 'tollstream-uianom-'));
    env = {
      CI: '0',
      TERM: 'xterm-256color',
      // With CI set, chalk draws no styles at all; the selected finding is told by its reverse video.
      FORCE_COLOR: '1',
      TOLLSTREAM_MYSQL_READER_URL: reader.toString(),
      ...Object.fromEntries(
        Object.entries(process.env).filter(([key]) => key.startsWith('TOLLSTREAM_')) as [string, string][],
      ),
      ...topicEnv(topics),
      TOLLSTREAM_ANOMALIES: 'true',
      TOLLSTREAM_ANOMALIES_GROUP_ID: uniqueName('uianom-detector'),
    };
    // History for the throughput pane's bands: the same hour of the week, 1 to 4 weeks ago (the other 4 of the
    // 8 weeks are empty and do not count). The simulation runs 30 days back, on another weekday, so neither the
    // detector's surge baselines nor these bands see the other's hours. The next hour too, in case the test runs
    // across the hour.
    const hour = Math.floor(Date.now() / HOUR_MS) * HOUR_MS;
    const rows = [hour, hour + HOUR_MS].flatMap((h) =>
      PLAZAS.flatMap((plaza) =>
        [1, 2, 3, 4].flatMap((back) => [
          [plaza, new Date(h - back * WEEK_MS), 'car', usual(plaza) * 60 - 600 * back],
          [plaza, new Date(h - back * WEEK_MS), 'truck', 600 * back],
        ]),
      ),
    );
    await db.storage.execute('INSERT INTO traffic_hour (plaza_id, bucket, vehicle_type, passages) VALUES ?', [
      rows,
    ]);
  });

  afterEach(() => {
    for (const s of sessions.splice(0)) s.kill();
  });

  afterAll(async () => {
    for (const s of sessions) s.kill();
    await db?.drop();
    await k?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

  async function count(sql: string, params: unknown[] = []): Promise<number> {
    const [row] = await db.storage.query<{ n: number }>(sql, params);
    return Number(row?.n);
  }

  it('shows the findings of the scenario per rule as in MySQL; Enter loads a query that runs', async () => {
    const t0 = Date.now();
    /** Seconds from launch to each step, printed at the end. */
    const marks: Record<string, string> = {};
    const mark = (step: string): void => void (marks[step] = ((Date.now() - t0) / 1000).toFixed(1));
    const truthFile = path.join(dir, 'truth.ndjson');
    const source = [
      'simulator:seed=41&dayMinutes=6&curve=flat&scenario=anomalies&anomalyRate=0.03',
      `cleanAfter=${CLEAN_AFTER}&truth=${truthFile}`,
    ].join('&');
    const s = startSession(uniqueName('tollstream-uianom'), { columns: 80, rows: 24 }, REPO, env, [
      process.execPath,
      'bin/tollstream.js',
      '--mysql-url',
      db.url,
      '--group',
      uniqueName('uianom-sink'),
      '--state-dir',
      dir,
      '--tz',
      'UTC',
      '--rate',
      '400',
      '--events',
      String(EVENTS),
      '--source',
      source,
    ]);
    sessions.push(s);

    // The throughput pane while traffic flows: beside each plaza shown, its live rate and its band, which is
    // [usual / 2, usual × 2] (the default factor) of the history written above; the rate is marked outside it.
    const live = await s.waitFor(
      (x) => plazaLabels(x).filter((p) => p.band !== null).length >= 2,
      'the throughput pane with two plazas and their bands',
      45_000,
    );
    mark('bands');
    const plazas = plazaLabels(live);
    expect(plazas, live).toHaveLength(2);
    for (const p of plazas) {
      expect(p.band, live).toEqual([
        formatCompact(usual(p.plazaId) / 2),
        formatCompact(usual(p.plazaId) * 2),
      ]);
      // The rate on screen has three digits: judge only rates clearly inside or outside the band.
      const [low, high] = [usual(p.plazaId) / 2, usual(p.plazaId) * 2];
      if (p.perMinute > high * 1.01) expect(p.mark, live).toBe('▲');
      else if (p.perMinute < low * 0.99) expect(p.mark, live).toBe('▼');
      else if (p.perMinute > low * 1.01 && p.perMinute < high * 0.99) expect(p.mark, live).toBeNull();
    }

    // Every injected anomaly found: the truth file is complete once every passage is stored.
    await waitFor(async () => (await count('SELECT COUNT(*) AS n FROM passages')) >= EVENTS, {
      what: `${EVENTS} passages stored`,
      timeoutMs: 45_000,
    });
    expect(existsSync(truthFile)).toBe(true);
    const truth = readFileSync(truthFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => (JSON.parse(l) as { anomalyId: string }).anomalyId)
      .sort();
    expect(truth.length).toBeGreaterThan(30);
    const stored = async (): Promise<string[]> =>
      (
        await db.storage.query<{ id: string }>('SELECT anomaly_id AS id FROM anomalies ORDER BY anomaly_id')
      ).map((r) => r.id);
    await waitFor(async () => ((ids) => truth.every((id) => ids.has(id)))(new Set(await stored())), {
      what: 'the anomalies table to hold every id of the truth file',
      timeoutMs: 30_000,
    });
    expect(await stored()).toEqual(truth);
    mark('allFound');

    // The view: per rule, the findings of the hour it shows, as root counts them.
    s.keys('a');
    let screen = '';
    let onScreen: Record<string, number> = {};
    let inSql: Record<string, number> = {};
    const deadline = Date.now() + 15_000;
    for (;;) {
      screen = s.screen();
      const hour = /per minute, (\d{4}-\d\d-\d\d) \d\d:\d\d-(\d\d:\d\d) UTC/.exec(screen);
      if (hour) {
        // The date is the one the hour's last minute falls on: an hour ending at midnight ends the next day.
        let endMs = Date.parse(`${hour[1]}T${hour[2]}:00Z`);
        if (hour[2] === '00:00') endMs += 24 * HOUR_MS;
        onScreen = Object.fromEntries(
          RULES.map((rule) => {
            const label = rule.length > 13 ? `${rule.slice(0, 12)}…` : rule;
            const m = new RegExp(`║ ${label.replace(/[-…]/g, '\\$&')}\\s+(\\d+) `).exec(screen);
            return [rule, m ? Number(m[1]) : -1];
          }),
        );
        const counted = await db.storage.query<{ rule: string; n: number }>(
          'SELECT rule, COUNT(*) AS n FROM anomalies WHERE observed_at >= ? AND observed_at < ? GROUP BY rule',
          [new Date(endMs - HOUR_MS), new Date(endMs)],
        );
        inSql = Object.fromEntries(RULES.map((rule) => [rule, 0]));
        for (const r of counted) inSql[r.rule] = Number(r.n);
        if (JSON.stringify(onScreen) === JSON.stringify(inSql)) break;
      }
      if (Date.now() > deadline) break;
      await pause(250);
    }
    expect(onScreen, screen).toEqual(inSql);
    mark('viewMatchesSql');
    const shown = Object.values(inSql).reduce((a, b) => a + b, 0);
    expect(shown).toBeGreaterThan(0);
    expect(screen).toContain(`Anomalies, ${shown} in the hour`);

    // Select the newest double charge (its vehicle has two passages, so the query returns more than the one
    // row of the finding): the selected row is drawn in reverse video (read with the escapes), the last line says
    // what Enter will load for it.
    const styled = (): string =>
      execFileSync('tmux', ['capture-pane', '-p', '-e', '-t', s.name], { encoding: 'utf8' });
    let picked = await waitFor(() => selectedFinding(styled()), {
      what: 'a selected finding',
      timeoutMs: 5000,
    });
    for (let step = 0; picked.rule !== 'double-charge'; step++) {
      if (step >= 50) throw new Error(`no double charge among the findings listed\n${s.screen()}`);
      const before = picked.row;
      s.keys('Down');
      picked = await waitFor(
        () => {
          const now = selectedFinding(styled());
          return now && now.row !== before ? now : null;
        },
        { what: `the selection to move down from ${before}`, timeoutMs: 5000 },
      );
    }
    const { vehicle, detail } = picked;
    expect(detail).toMatch(new RegExp(`^▸ Enter → passages of ${vehicle} \\d\\d:\\d\\d-\\d\\d:\\d\\d UTC`));
    s.keys('Enter');
    const loaded = await s.waitFor(
      (x) =>
        x.includes(`WHERE p.vehicle_id = '${vehicle}'`) && x.includes('ORDER BY p.passed_at, p.event_id;'),
      'the finding query in the prompt',
    );
    expect(loaded).not.toContain('Anomalies,');
    // The prompt shows the statement's last three lines; the first two do not depend on the finding.
    const tail = loaded
      .split('\n')
      // The focused prompt has a heavy border.
      .map((l) => /^┃\s+> (.*?)\s*┃$/.exec(l)?.[1])
      .filter((l): l is string => l !== undefined);
    expect(tail).toHaveLength(3);
    expect(tail[0]).toBe(`WHERE p.vehicle_id = '${vehicle}'`);
    expect(tail[1]).toMatch(/^AND p\.passed_at BETWEEN '[\d-]+ [\d:]+' AND '[\d-]+ [\d:]+'$/);
    const head = vehiclePassagesQuery(vehicle, 0).sql.split('\n').slice(0, 2);
    const sql = [...head, ...tail].join('\n');

    s.keys('Enter');
    const ran = await s.waitFor((x) => /OK [\d,]+ rows? in/.test(x), 'the query result', 20_000);
    const rowsOnScreen = Number(/OK ([\d,]+) rows? in/.exec(ran)![1]!.replace(/,/g, ''));
    const rootRows = await db.storage.query(sql.replace(/;$/, ''));
    expect(rowsOnScreen).toBe(rootRows.length);
    expect(rowsOnScreen).toBeGreaterThanOrEqual(2);
    mark('queryRan');

    s.keys('Escape');
    await pause(300);
    s.keys('Escape');
    await pause(300);
    s.keys('q');
    const after = await s.waitFor((x) => /EXIT=\d+/.test(x), 'the monitor to exit', 30_000);
    expect(after).toContain('EXIT=0');
    expect(s.alternateScreen()).toBe(false);
    mark('exited');
    console.info(
      `anomalies e2e: ${truth.length} injected anomalies, ${shown} in the hour shown, ${rowsOnScreen} rows for ` +
        `vehicle ${vehicle}; s from launch: ${JSON.stringify(marks)}`,
    );
  }, 90_000);
});
