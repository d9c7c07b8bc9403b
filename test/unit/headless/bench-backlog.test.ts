import { describe, expect, it } from 'vitest';
import { backlogProblem } from '../../../src/bench/backlog.ts';

const clean = {
  acked: 1000,
  persisted: 1000,
  rows: 1000,
  drain: { drained: true, lag: 0 },
  check: { checked: 1000, found: 1000, written: 1000, missing: 0, missingSample: [], duplicates: 0 },
  sinkReason: null,
};

describe('bench backlog verdict', () => {
  it('passes only when the sink drained and MySQL holds every acknowledged passage once', () => {
    expect(backlogProblem(clean)).toBeNull();
    expect(
      backlogProblem({ ...clean, drain: { drained: false, lag: 12, reason: 'the sink made no progress' } }),
    ).toBe('not reconciled: the sink made no progress');
    expect(backlogProblem({ ...clean, sinkReason: 'sink failed: access denied' })).toBe(
      'sink failed: access denied',
    );
    expect(backlogProblem({ ...clean, check: { error: 'cannot reach MySQL' } })).toBe(
      'not reconciled: cannot reach MySQL',
    );
    expect(
      backlogProblem({
        ...clean,
        check: { ...clean.check, found: 998, missing: 2, missingSample: ['a', 'b'] },
      }),
    ).toBe('2 of 1000 passages acknowledged by Kafka are missing from MySQL (e.g. a, b)');
    expect(backlogProblem({ ...clean, check: { ...clean.check, duplicates: 3 } })).toContain(
      '3 duplicate payment rows',
    );
    // Every acknowledged id found, yet more rows than passages: rows from elsewhere, or a sink counting wrong.
    expect(backlogProblem({ ...clean, rows: 1001 })).toBe(
      'MySQL holds 1001 passage rows for 1000 passages acknowledged',
    );
    expect(backlogProblem({ ...clean, rows: null })).toContain('an unknown number of passage rows');
    expect(backlogProblem({ ...clean, persisted: 999 })).toBe(
      'the sink counted 999 passages persisted for 1000 acknowledged',
    );
  });
});
