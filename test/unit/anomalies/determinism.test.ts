import { describe, expect, it } from 'vitest';
import { createRng } from '../../../src/sources/random.ts';
import type { Finding } from '../../../src/anomalies/types.ts';
import { consume, inOrder, newDetector, syntheticStream } from './fixtures.ts';
import type { Checkpoint } from './fixtures.ts';

const ids = (findings: Finding[]): string[] => findings.map((f) => f.anomalyId);

describe('the same records give the same findings', () => {
  const stream = syntheticStream(7);
  const reference = inOrder(stream);

  it('finds what the stream holds on purpose, once each', () => {
    const found = new Set(ids(reference));
    expect(found.size).toBe(reference.length);
    for (const [rule, injected] of Object.entries(stream.injected)) {
      expect(injected.length, rule).toBeGreaterThan(3);
      for (const id of injected) expect(found, `${rule}: ${id}`).toContain(id);
    }
    expect(found).toContain('surge:1:2026-12-02T08:45Z');
    expect(found).toContain('drop:3:2026-12-02T09:00Z');
    expect(found).toContain('drop:3:2026-12-02T09:15Z');
    const extra = ids(reference).filter(
      (id) => !Object.values(stream.injected).flat().includes(id) && !/^(surge|drop):/.test(id),
    );
    expect(extra).toEqual([]);
  });

  it('read out of order across partitions, in any batches, with the watermark moving: identical, in order', () => {
    for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
      const detector = newDetector(stream);
      const findings = consume(stream, detector, createRng(seed));
      expect(detector.stats().late, `seed ${seed}`).toBe(0);
      expect(findings, `seed ${seed}`).toEqual(reference);
    }
  });

  it('a second stream and other settings: still identical', () => {
    const other = syntheticStream(99);
    const section = { rules: { doubleCharge: { windowSeconds: 120 }, unpaid: { graceSeconds: 300 } } };
    const expected = inOrder(other, section);
    expect(expected.length).toBeGreaterThan(20);
    for (const seed of [11, 12, 13]) {
      expect(consume(other, newDetector(other, section), createRng(seed))).toEqual(expected);
    }
  });

  // With a short grace, the state that reaches back furthest is the vehicles' (trips of up to 46 minutes between
  // the farthest plazas) or, without the trip rule, the open windows.
  const longWindows = { rules: { unpaid: { graceSeconds: 120 }, surge: { windowMinutes: 30 } } };
  const windowsFurthest = {
    rules: {
      unpaid: { graceSeconds: 120 },
      surge: { windowMinutes: 30 },
      impossibleTravel: { enabled: false },
    },
  };

  it.each([
    ['the defaults', {}],
    ['a short grace and long windows', longWindows],
    ['the windows reaching back furthest', windowsFurthest],
  ])(
    'killed and started again from what it committed (%s): every finding exactly once, none differs',
    (_, section) => {
      const reference = inOrder(stream, section);
      expect(reference.filter((f) => f.rule === 'drop').length).toBeGreaterThan(0);
      for (const seed of [21, 22, 23, 24, 25, 26, 27, 28]) {
        const rng = createRng(seed);
        const commits: Checkpoint[] = [];
        const total = stream.logs.reduce((n, l) => n + l.records.length, 0);
        const crashAfter = Math.floor(total * (0.2 + 0.6 * rng()));
        consume(stream, newDetector(stream, section), rng, {
          steps: crashAfter,
          onCommit: (c) => commits.push(c),
        });
        const last = commits.at(-1)!;
        expect(last, `seed ${seed}`).toBeDefined();
        const from = new Map(last.resume.nextOffsets);
        for (const [key, offset] of last.replayFrom) from.set(key, offset);
        const restarted = newDetector(stream, section, last.resume);
        const after = consume(stream, restarted, rng, { from });
        expect(restarted.stats().late, `seed ${seed}`).toBe(0);
        expect(restarted.stats().suppressed, `seed ${seed}`).toBeGreaterThan(0);
        expect([...last.findings, ...after], `seed ${seed}`).toEqual(reference);
      }
    },
  );
});
