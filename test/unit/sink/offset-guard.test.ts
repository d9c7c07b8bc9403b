import { describe, expect, it } from 'vitest';
import { sqlTimeOf } from '../../../src/engines/sink/offsets.ts';
import {
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

  it('decides per chunk from the offset read under the row lock', () => {
    // Fresh partition, chunk at the start.
    expect(chunkVerdict(null, 0n, 100n, false, 300n)).toEqual({ kind: 'write', from: 0n });
    // Exactly where MySQL says to continue.
    expect(chunkVerdict(100n, 100n, 200n, false, 300n)).toEqual({ kind: 'write', from: 100n });
    // Someone (a zombie, an earlier attempt whose reply was lost) already wrote all of it.
    expect(chunkVerdict(200n, 100n, 200n, true, 300n)).toEqual({ kind: 'skip' });
    expect(chunkVerdict(250n, 100n, 200n, true, 300n)).toEqual({ kind: 'skip' });
    // ... or its head: write only the rest.
    expect(chunkVerdict(150n, 100n, 200n, true, 300n)).toEqual({ kind: 'write', from: 150n });
    // Kafka handed us messages past MySQL's offset on a fresh assignment: go back once.
    expect(chunkVerdict(100n, 150n, 200n, false, 300n)).toEqual({ kind: 'rewind', to: 100n });
    expect(chunkVerdict(null, 150n, 200n, false, 300n)).toEqual({ kind: 'rewind', to: 0n });
    // After the rewind a gap is real (compaction, retention): accept it.
    expect(chunkVerdict(100n, 150n, 200n, true, 300n)).toEqual({ kind: 'write', from: 150n });
    // MySQL's offset lies past the partition's end: the topic was recreated; what it holds now is new.
    expect(chunkVerdict(50_000n, 0n, 100n, false, 3808n)).toEqual({ kind: 'write', from: 0n });
    expect(chunkVerdict(50_000n, 100n, 200n, true, 3808n)).toEqual({ kind: 'write', from: 100n });
    // At the end exactly is not past it.
    expect(chunkVerdict(300n, 100n, 200n, true, 300n)).toEqual({ kind: 'skip' });
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
