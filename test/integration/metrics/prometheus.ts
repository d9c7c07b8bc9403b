/**
 * A private Prometheus server for a test: Debian's `prometheus` binary (scripts/install-prometheus.sh) on a free
 * port of 127.0.0.1, with its own data directory and a scrape config of the test's targets, scraped every second.
 * `stop()` ends only this process and removes its directory.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, waitFor } from '../../helpers/services.ts';

const CANDIDATES = ['/usr/bin/prometheus', '/usr/local/bin/prometheus'];

export function prometheusBinary(): string {
  const onPath = (process.env.PATH ?? '').split(path.delimiter).map((dir) => path.join(dir, 'prometheus'));
  const found = [...onPath, ...CANDIDATES].find((p) => existsSync(p));
  if (!found) {
    throw new Error(
      'the metrics tests need a Prometheus server, and no prometheus binary was found: run scripts/install-prometheus.sh (installs Debian\'s "prometheus" package)',
    );
  }
  return found;
}

export interface Sample {
  labels: Record<string, string>;
  /** Evaluation time, Unix seconds. */
  at: number;
  value: number;
}

export interface PrivatePrometheus {
  url: string;
  /** An instant query through the HTTP API (`/api/v1/query`). */
  query(promql: string): Promise<Sample[]>;
  /** Waits for the next scrape of every target that happens after now to have landed. */
  scrapedAfter(atMs: number, job: string): Promise<void>;
  logs(): string;
  stop(): Promise<void>;
}

export async function startPrometheus(targets: Record<string, string[]>): Promise<PrivatePrometheus> {
  const binary = prometheusBinary();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tollstream-prometheus-'));
  const port = await freePort();
  const config = [
    'global:',
    '  scrape_interval: 1s',
    '  scrape_timeout: 1s',
    '  evaluation_interval: 1s',
    'scrape_configs:',
    ...Object.entries(targets).flatMap(([job, addresses]) => [
      `  - job_name: ${job}`,
      '    static_configs:',
      `      - targets: [${addresses.map((a) => `'${a}'`).join(', ')}]`,
    ]),
  ].join('\n');
  writeFileSync(path.join(dir, 'prometheus.yml'), `${config}\n`);
  const child: ChildProcess = spawn(
    binary,
    [
      `--config.file=${path.join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-20_000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}: ${stderr}`);
        return (await fetch(`${url}/-/ready`)).ok;
      },
      { what: `Prometheus ready on ${url}`, timeoutMs: 30_000, intervalMs: 200 },
    );
  } catch (e) {
    await stop();
    throw e;
  }

  const query = async (promql: string): Promise<Sample[]> => {
    const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = (await res.json()) as {
      status: string;
      error?: string;
      data?: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] };
    };
    if (body.status !== 'success' || !body.data) throw new Error(`query ${promql} failed: ${body.error}`);
    if (body.data.resultType !== 'vector') throw new Error(`query ${promql} gave a ${body.data.resultType}`);
    return body.data.result.map((r) => ({ labels: r.metric, at: r.value[0], value: Number(r.value[1]) }));
  };

  return {
    url,
    query,
    async scrapedAfter(atMs, job) {
      await waitFor(
        async () => {
          const [up] = await query(`min(timestamp(up{job="${job}"}))`);
          return up !== undefined && up.value * 1000 > atMs;
        },
        { what: `a scrape of job ${job} after ${new Date(atMs).toISOString()}`, timeoutMs: 15_000 },
      );
    },
    logs: () => stderr,
    stop,
  };
}
