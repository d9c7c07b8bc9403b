import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));

describe("Ink's text-measure cache under bin/register.js", () => {
  it('is ours and stays bounded while every frame brings new text', async () => {
    const out = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        ['--import', './bin/register.js', 'test/unit/monitor/ink-measure-child.tsx', '3000'],
        { cwd: REPO, timeout: 60_000 },
        (error, stdout, stderr) =>
          error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
      );
    });
    const r = JSON.parse(out.trim().split('\n').at(-1)!) as {
      size: number;
      measured: number;
      max: number;
      last: string;
    };
    // 3,000 frames of two new lines each: Ink measured through our module (it filled up), which started over.
    expect(r.measured).toBe(r.max);
    expect(r.size).toBeLessThan(r.max);
    expect(r.last).toBe('produced 20993 passages\npersisted 14995 at 8/s');
  }, 90_000);
});
