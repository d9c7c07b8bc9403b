import { describe, expect, it } from 'vitest';
import { sqlTimeOf } from '../../../src/engines/sink/offsets.ts';
import {
  adoptUnrecorded,
  chunkVerdict,
  chunked,
  firstUnpersisted,
  nextOffsetAfter,
} from '../../../src/engines/sink/offset-guard.ts';

describe('offset guard', () => {
  it('skips what is below the stored next offset', () => {
    const offsets = ['10', '11', '12', '13'];
    expect(firstUnpersisted(offsets, null)).toBe(0);
    expect(firstUnpersisted(offsets, 10n)).toBe(0);
    expect(firstUnpersisted(offsets, 12n)).toBe(2);
    expect(firstUnpersisted(offsets, 99n)).toBe(4);
    // int64 offsets beyond 2^53 compare exactly.
    expect(firstUnpersisted(['9007199254740993', '9007199254740994'], 9007199254740994n)).toBe(1);
    expect(nextOffsetAfter('9007199254740993')).toBe(9007199254740994n);
  });

  const OLD = 'SuxetBy7TuOMjRldMJ_Mpw';
  const NEW = 'kaAd_LbMSbqmmgr92DcTJQ';
  const at = (next: bigint, topicId: string | null = OLD) => ({ next, topicId });
  const chunk = (first: bigint, next: bigint, verified: boolean, incarnation: string | null = OLD) => ({
    first,
    next,
    verified,
    incarnation,
    incarnationConfirmed: false,
  });

  it('decides per chunk from the offset read under the row lock', () => {
    // Fresh partition, chunk at the start.
    expect(chunkVerdict(null, chunk(0n, 100n, false))).toEqual({ kind: 'write', from: 0n });
    // Exactly where MySQL says to continue.
    expect(chunkVerdict(at(100n), chunk(100n, 200n, false))).toEqual({ kind: 'write', from: 100n });
    // Someone (an earlier attempt whose reply was lost, another member) already wrote all of it.
    expect(chunkVerdict(at(200n), chunk(100n, 200n, true))).toEqual({ kind: 'skip', persistedUpTo: 200n });
    // ... or its head: write only the rest.
    expect(chunkVerdict(at(150n), chunk(100n, 200n, true))).toEqual({ kind: 'write', from: 150n });
    // Kafka handed us messages past MySQL's offset on a fresh assignment: go back once.
    expect(chunkVerdict(at(100n), chunk(150n, 200n, false))).toEqual({ kind: 'rewind', to: 100n });
    expect(chunkVerdict(null, chunk(150n, 200n, false))).toEqual({ kind: 'rewind', to: 0n });
    // After the rewind a gap is real (compaction, retention): accept it.
    expect(chunkVerdict(at(100n), chunk(150n, 200n, true))).toEqual({ kind: 'write', from: 150n });
  });

  it('lets a zombie holding an old batch write nothing and never moves the offset back', () => {
    // The zombie fetched 100-199 long ago (the partition then ended at 200); the owner has gone to 50,000 since.
    // Whatever the zombie believed about the partition's end, its chunk is below the stored offset: skip.
    expect(chunkVerdict(at(50_000n), chunk(100n, 200n, true))).toEqual({
      kind: 'skip',
      persistedUpTo: 50_000n,
    });
    expect(chunkVerdict(at(50_000n), chunk(0n, 100n, false))).toEqual({
      kind: 'skip',
      persistedUpTo: 50_000n,
    });
    // Every write of one incarnation ends above the stored offset.
    for (const stored of [0n, 99n, 100n, 150n, 199n]) {
      for (const verified of [true, false]) {
        const v = chunkVerdict(at(stored), chunk(100n, 200n, verified));
        if (v.kind === 'write') expect(v.from).toBeGreaterThanOrEqual(stored);
        expect(v.kind === 'write' || v.kind === 'skip' || (v.kind === 'rewind' && v.to === stored)).toBe(
          true,
        );
      }
    }
  });

  it('reads a new incarnation from its beginning, but only once Kafka confirmed it is the current one', () => {
    // The row is the old topic's (50,000); this member reads the new one: ask Kafka before anything else.
    expect(chunkVerdict(at(50_000n, OLD), chunk(0n, 100n, false, NEW))).toEqual({
      kind: 'incarnation',
      recorded: OLD,
    });
    // Confirmed: nothing of the new topic is persisted, whatever the old offset was (the new topic may have grown
    // past it before the sink started: 5109 stored, 8000 written since).
    const confirmed = { ...chunk(0n, 100n, false, NEW), incarnationConfirmed: true };
    expect(chunkVerdict(at(50_000n, OLD), confirmed)).toEqual({ kind: 'write', from: 0n });
    const grown = { ...chunk(5109n, 8000n, false, NEW), incarnationConfirmed: true };
    expect(chunkVerdict(at(5109n, OLD), grown)).toEqual({ kind: 'rewind', to: 0n });
    // A zombie of the old topic meets a row of the new one: it must ask too (and will find it is stale).
    expect(chunkVerdict(at(10n, NEW), chunk(100n, 200n, true, OLD))).toEqual({
      kind: 'incarnation',
      recorded: NEW,
    });
    // A row recorded before topic ids (null) that was not adopted counts as another incarnation's.
    expect(chunkVerdict(at(5109n, null), chunk(0n, 100n, false, NEW))).toEqual({ kind: 'write', from: 0n });
    // Brokers without topic ids: null on both sides is the same (unknown) incarnation.
    expect(chunkVerdict(at(100n, null), chunk(0n, 100n, true, null))).toEqual({
      kind: 'skip',
      persistedUpTo: 100n,
    });
  });

  it("adopts an offset stored before topic ids only when it can be this topic's", () => {
    // Nothing persisted: anyone's.
    expect(adoptUnrecorded(0n, 0n, null, true)).toBe(true);
    // Past the end: the topic was recreated.
    expect(adoptUnrecorded(5109n, 300n, null, false)).toBe(false);
    // Below the end with the group's commit in Kafka at or below it: the same topic.
    expect(adoptUnrecorded(5109n, 8033n, 5000n, true)).toBe(true);
    expect(adoptUnrecorded(5109n, 8033n, 5109n, true)).toBe(true);
    // A commit past it is some other reader's of a newer topic; no commit at all proves nothing: re-read where
    // event ids make that harmless.
    expect(adoptUnrecorded(5109n, 8033n, 8033n, true)).toBe(false);
    expect(adoptUnrecorded(5109n, 8033n, null, true)).toBe(false);
    // Classic lines (ids are offsets) keep the stored offset rather than store old lines twice.
    expect(adoptUnrecorded(5109n, 8033n, null, false)).toBe(true);
  });

  it('chunks batches', () => {
    expect(chunked([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(chunked([], 2)).toEqual([]);
    expect(chunked([1, 2], 0)).toEqual([[1], [2]]);
  });
});

describe('DATETIME literals', () => {
  it('slice canonical UTC timestamps and convert every other zone form through Date', () => {
    expect(sqlTimeOf('2021-08-19T21:54:38.120Z', 0)).toBe('2021-08-19 21:54:38.120');
    const ms = Date.parse('2021-08-19T23:54:38+02:00');
    expect(sqlTimeOf('2021-08-19T23:54:38+02:00', ms)).toBe('2021-08-19 21:54:38.000');
    expect(sqlTimeOf('2021-08-19T21:54:38Z', Date.parse('2021-08-19T21:54:38Z'))).toBe(
      '2021-08-19 21:54:38.000',
    );
  });
});
