/**
 * Measures what the full-screen UI costs the pipeline: the same number of passages at full speed (--rate 0),
 * once headless and once in the monitor (in tmux, 120×40), each on fresh topics, database and group. Persisted
 * passages are read from sink_offsets (committed with the rows) every 250 ms; the rate is taken between 10 %
 * and 90 % of the target so start-up and the tail do not count. Run: npx tsx test/e2e/measure-overhead.ts [N] [rounds]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sleep } from '../../src/util/backoff.ts';
import { freshDatabase, testKafka, topicEnv, uniqueName } from '../helpers/services.ts';
import { startSession } from './tmux.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const N = Number(process.argv[2] ?? 300_000);
const ROUNDS = Number(process.argv[3] ?? 2);

interface Result {
  mode: 'headless' | 'monitor';
  ratePerSec: number;
  secondsToAll: number;
}

async function once(mode: Result['mode']): Promise<Result> {
  const k = await testKafka();
  const topics = await k.pipelineTopics('ov', 6);
  const db = await freshDatabase('tollstream_ov');
  const group = uniqueName('ov-group');
  const stateDir = mkdtempSync(path.join(tmpdir(), 'tollstream-ov-'));
  const env: Record<string, string> = {
    CI: '0',
    ...(Object.fromEntries(
      Object.entries(process.env).filter(([key]) => key.startsWith('TOLLSTREAM_')),
    ) as Record<string, string>),
    ...topicEnv(topics),
  };
  const args = [
    '--events',
    String(N),
    '--rate',
    '0',
    '--mysql-url',
    db.url,
    '--group',
    group,
    '--state-dir',
    stateDir,
  ];
  const series: { at: number; n: number }[] = [];
  let stop: () => Promise<void>;
  if (mode === 'headless') {
    const child = spawn(process.execPath, ['bin/tollstream.js', '--headless', ...args], {
      cwd: REPO,
      env: { ...process.env, ...env },
      stdio: 'ignore',
    });
    const exited = new Promise((r) => child.on('close', r));
    stop = async () => void (await exited);
  } else {
    const s = startSession(uniqueName('tollstream-ov'), { columns: 120, rows: 40 }, REPO, env, [
      process.execPath,
      'bin/tollstream.js',
      ...args,
    ]);
    stop = async () => {
      s.keys('q');
      for (let i = 0; i < 300 && !/EXIT=\d+/.test(s.screen()); i++) await sleep(100);
      s.kill();
    };
  }
  const deadline = Date.now() + 300_000;
  while (Date.now() < deadline) {
    const [row] = await db.storage.query<{ n: string | null }>(
      'SELECT SUM(next_offset) AS n FROM sink_offsets WHERE group_id = ? AND topic = ?',
      [group, topics.passages],
    );
    const n = Number(row?.n ?? 0);
    series.push({ at: Date.now(), n });
    if (n >= N) break;
    await sleep(250);
  }
  await stop();
  await db.drop();
  await k.cleanup();
  rmSync(stateDir, { recursive: true, force: true });
  const at = (fraction: number): number => series.find((p) => p.n >= N * fraction)?.at ?? NaN;
  const first = series.find((p) => p.n > 0)?.at ?? NaN;
  return {
    mode,
    ratePerSec: Math.round((0.8 * N) / ((at(0.9) - at(0.1)) / 1000)),
    secondsToAll: Math.round((at(1) - first) / 100) / 10,
  };
}

const results: Result[] = [];
for (let i = 0; i < ROUNDS; i++) {
  for (const mode of ['headless', 'monitor'] as const) {
    const r = await once(mode);
    results.push(r);
    process.stdout.write(`${JSON.stringify(r)}\n`);
  }
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const h = median(results.filter((r) => r.mode === 'headless').map((r) => r.ratePerSec));
const m = median(results.filter((r) => r.mode === 'monitor').map((r) => r.ratePerSec));
process.stdout.write(
  `${N} passages at full speed: headless ${h}/s, monitor ${m}/s persisted; UI overhead ${(((h - m) / h) * 100).toFixed(1)} %\n`,
);
