/**
 * The README's three alert rules (alert-rules.yml: lag STALL, dead letters growing, plaza silent) run through
 * Prometheus' own rule tester over synthetic series of our metric names: each fires when it should and stays
 * quiet for the look-alikes (a flapping group, one bad batch, a plaza quiet all night).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { prometheusBinary } from './prometheus.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));

describe('alert rules', () => {
  it('pass promtool test rules', () => {
    const promtool = path.join(path.dirname(prometheusBinary()), 'promtool');
    if (!existsSync(promtool)) {
      throw new Error(`no promtool beside ${prometheusBinary()}: run scripts/install-prometheus.sh`);
    }
    const check = spawnSync(promtool, ['check', 'rules', 'alert-rules.yml'], { cwd: HERE, encoding: 'utf8' });
    expect(check.status, check.stdout + check.stderr).toBe(0);
    const test = spawnSync(promtool, ['test', 'rules', 'alert-rules.promtool.yml'], {
      cwd: HERE,
      encoding: 'utf8',
    });
    expect(test.status, test.stdout + test.stderr).toBe(0);
    expect(test.stdout).toContain('SUCCESS');
  });
});
