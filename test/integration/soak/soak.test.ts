/**
 * A short `tollstream soak` as a user runs it: about two minutes of faults (one broker kill, one sink kill, one
 * MariaDB kill) on its own private stack and MariaDB, then its table. The soak judges the pipeline with its own
 * readers; this test judges the soak: its exit code, the table's numbers, and that it left nothing running.
 * Ports 25281 / 32292-32294 keep it off the shared stack, the stack tests and a soak someone runs by hand.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { stackProcesses } from '../../../src/stack/down.ts';
import { portFree } from '../../../src/stack/processes.ts';
import { freePort } from '../../helpers/services.ts';

const BIN = fileURLToPath(new URL('../../../bin/tollstream.js', import.meta.url));
const dir = mkdtempSync(path.join(tmpdir(), 'tollstream-soak-test-'));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function soak(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, 'soak', ...args],
      { cwd: dir, timeout: 14 * 60_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

/** A total of the table: "  lost      0   …" → 0. */
function total(table: string, label: string): number {
  const m = new RegExp(`^\\s+${label}\\s+([\\d,]+)`, 'm').exec(table);
  if (!m) throw new Error(`no "${label}" line in:\n${table}`);
  return Number(m[1]!.replace(/,/g, ''));
}

describe('tollstream soak', () => {
  it(
    'survives a broker kill, a sink kill and a MariaDB kill with nothing lost or doubled, and cleans up',
    async () => {
      const mysqlPort = await freePort();
      const stateDir = path.join(dir, 'state');
      const r = await soak([
        '--duration',
        '2m',
        '--fault-every',
        '40s',
        '--faults',
        'broker-kill,sink-kill,mariadb-kill',
        '--rate',
        '300',
        '--seed',
        '20261202',
        '--zookeeper',
        '127.0.0.1:25281',
        '--brokers',
        '127.0.0.1:32292',
        '--mysql-port',
        String(mysqlPort),
        '--state-dir',
        stateDir,
      ]);
      const table = r.stdout;
      const why = `\n--- stdout\n${table}\n--- stderr (tail)\n${r.stderr.split('\n').slice(-30).join('\n')}`;
      for (const fault of [/kill -9 broker \d/, /kill -9 sink [ab]/, /kill -9 MariaDB/]) {
        expect(table, why).toMatch(
          new RegExp(`^\\s+\\d+\\s+\\d+:\\d\\d\\s+${fault.source}.*\\+\\d+\\.\\d s`, 'm'),
        );
      }
      expect(total(table, 'passages acknowledged'), why).toBeGreaterThan(10_000);
      expect(total(table, 'lost'), why).toBe(0);
      expect(total(table, 'doubled'), why).toBe(0);
      expect(total(table, 'in MySQL'), why).toBe(total(table, 'in Kafka'));
      expect(total(table, 'in Kafka'), why).toBeGreaterThanOrEqual(total(table, 'passages acknowledged'));
      expect(table, why).toMatch(/^PASS: nothing lost, nothing doubled \(replay with --seed 20261202\)$/m);
      expect(r.code, why).toBe(0);

      // Nothing it started is left running.
      expect(stackProcesses(path.join(stateDir, 'stack'))).toEqual([]);
      for (const port of [25281, 32292, 32293, 32294, mysqlPort]) {
        expect(await portFree('127.0.0.1', port), `port ${port}`).toBe(true);
      }
    },
    15 * 60_000,
  );

  it('refuses bad flags with exit 2 before starting anything', async () => {
    const r = await soak(['--faults', 'broker-kill,meteor']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--faults takes a comma-separated list/);
    const s = await soak(['--seed', 'abc']);
    expect(s.code).toBe(2);
    expect(s.stderr).toMatch(/--seed must be an integer/);
  });
});
