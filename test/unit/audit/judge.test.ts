import { describe, expect, it } from 'vitest';
import type { AuditRecord, Facts } from '../../../src/audit/judge.ts';
import { judge, stagedKey } from '../../../src/audit/judge.ts';
import { TopicTally } from '../../../src/audit/tally.ts';

const record = (over: Partial<AuditRecord> = {}): AuditRecord => ({
  partition: 0,
  offset: '10',
  timestamp: '1700000000000',
  id: 'sim-1',
  ...over,
});

const facts = (over: Partial<Facts> = {}): Facts => ({
  live: new Set(),
  staged: new Set(),
  stages: new Map(),
  replacedImports: [],
  deadLettered: () => false,
  sinkPosition: 100n,
  ...over,
});

describe('judge', () => {
  it('a row of the live table is persisted', () => {
    expect(judge(record(), facts({ live: new Set(['sim-1']) }))).toEqual({ outcome: 'persisted' });
  });

  it('below the sink position, neither in MySQL nor dead-lettered, is missing; at or past it, pending', () => {
    const missing = judge(record(), facts());
    expect(missing.outcome).toBe('missing');
    expect(missing.why).toBe(
      'not in MySQL and not in the dead-letter topic; the sink had gone past it (to offset 100)',
    );
    expect(judge(record({ offset: '100' }), facts()).outcome).toBe('pending');
    expect(judge(record(), facts({ sinkPosition: null })).why).toMatch(/no sink had recorded a position/);
  });

  it('a message the sink rejects is dead-lettered when the topic holds its letter, else missing by position', () => {
    const bad = record({ id: null, invalid: 'not-json: message is not JSON' });
    expect(judge(bad, facts({ deadLettered: (r) => r.offset === '10' })).outcome).toBe('deadLettered');
    expect(judge(bad, facts()).why).toMatch(/^rejected by the sink \(not-json: message is not JSON\)/);
  });

  it('a valid message the sink dead-lettered anyway (e.g. judged at another time) is dead-lettered', () => {
    expect(judge(record(), facts({ deadLettered: () => true })).outcome).toBe('deadLettered');
  });

  it('replace runs: staged while open, persisted once swapped, discarded when abandoned or unknown', () => {
    const r = record({ id: 'file-0123456789ab-7', stage: 'st-1' });
    const open = { state: 'staging' as const, importId: 'file-0123456789ab', replacedAtMs: null };
    expect(
      judge(r, facts({ stages: new Map([['st-1', open]]), staged: new Set([stagedKey('st-1', r.id!)]) })),
    ).toEqual({ outcome: 'staged' });
    // Open but not staged (yet): like any other message.
    expect(judge(r, facts({ stages: new Map([['st-1', open]]) })).outcome).toBe('missing');
    // The live row of the earlier import does not stand for an open stage's message.
    expect(judge(r, facts({ stages: new Map([['st-1', open]]), live: new Set([r.id!]) })).outcome).toBe(
      'missing',
    );
    const swapped = { state: 'replaced' as const, importId: 'file-0123456789ab', replacedAtMs: 5000 };
    expect(judge(r, facts({ stages: new Map([['st-1', swapped]]), live: new Set([r.id!]) })).outcome).toBe(
      'persisted',
    );
    expect(judge(r, facts({ stages: new Map([['st-1', swapped]]) })).outcome).toBe('missing');
    expect(
      judge(
        r,
        facts({
          stages: new Map([['st-1', swapped]]),
          replacedImports: [{ importId: 'file-0123456789ab', replacedAtMs: 9000 }],
        }),
      ).outcome,
    ).toBe('replaced');
    const abandoned = { state: 'abandoned' as const, importId: 'file-0123456789ab', replacedAtMs: null };
    expect(judge(r, facts({ stages: new Map([['st-1', abandoned]]) })).outcome).toBe('discarded');
    expect(judge(r, facts()).outcome).toBe('discarded');
  });

  it("an import's row a later replace took out is replaced; other ids are not", () => {
    const f = facts({ replacedImports: [{ importId: 'file-0123456789ab', replacedAtMs: 1 }] });
    expect(judge(record({ id: 'file-0123456789ab-12' }), f).outcome).toBe('replaced');
    expect(judge(record({ id: 'file-0123456789abc-12' }), f).outcome).toBe('missing');
  });
});

describe('TopicTally', () => {
  it('counts every outcome, per partition, and lists missing messages up to the limit', () => {
    const tally = new TopicTally(2);
    const f = facts({ live: new Set(['a']) });
    for (const [id, offset, partition] of [
      ['a', '1', 0],
      ['b', '2', 0],
      ['c', '3', 1],
      ['d', '4', 1],
      ['e', '200', 1],
    ] as const) {
      const r = record({ id, offset, partition });
      tally.add(r, judge(r, f));
    }
    expect(tally.read).toBe(5);
    expect(tally.counts).toMatchObject({ persisted: 1, missing: 3, pending: 1 });
    expect(tally.missing.map((m) => m.id)).toEqual(['b', 'c']);
    expect(tally.missing[0]).toMatchObject({
      partition: 0,
      offset: '2',
      timestamp: '2023-11-14T22:13:20.000Z',
    });
    const parts = tally.partitionReports(
      [
        { partition: 0, low: 0n, high: 10n, from: 0n, to: 10n },
        { partition: 1, low: 0n, high: 300n, from: 3n, to: 300n },
        { partition: 2, low: 0n, high: 0n, from: 0n, to: 0n },
      ],
      new Map([[0, 100n]]),
    );
    expect(parts).toEqual([
      {
        partition: 0,
        low: '0',
        high: '10',
        from: '0',
        to: '10',
        sinkPosition: '100',
        read: 2,
        pending: 0,
        missing: 1,
      },
      {
        partition: 1,
        low: '0',
        high: '300',
        from: '3',
        to: '300',
        sinkPosition: null,
        read: 3,
        pending: 1,
        missing: 2,
      },
      {
        partition: 2,
        low: '0',
        high: '0',
        from: '0',
        to: '0',
        sinkPosition: null,
        read: 0,
        pending: 0,
        missing: 0,
      },
    ]);
  });
});
