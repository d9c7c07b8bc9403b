import os from 'node:os';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { reconcile } from '../../../src/runtime/reconcile.ts';
import { EventIdSpool } from '../../../src/runtime/spool.ts';
import { partitionKey } from '../../../src/kafka/partition-key.ts';
import { remainingLag, waitForDrain } from '../../../src/runtime/drain.ts';

async function* chunksOf(ids: string[], size: number): AsyncGenerator<string[]> {
  for (let i = 0; i < ids.length; i += size) yield ids.slice(i, i + size);
}

describe('reconcile', () => {
  it('counts found, missing (with a sample) and payments beyond one per passage, per chunk of distinct ids', async () => {
    // Payment rows per passage row: 'd' was never paid (fine), 'b' was paid twice (a duplicate).
    const inDb = new Map([
      ['a', { payments: 1 }],
      ['b', { payments: 2 }],
      ['d', { payments: 0 }],
    ]);
    const asked: string[][] = [];
    const result = await reconcile(chunksOf(['a', 'b', 'b', 'c', 'd', 'e'], 3), async (ids) => {
      asked.push(ids);
      return new Map(ids.filter((id) => inDb.has(id)).map((id) => [id, inDb.get(id)!]));
    });
    expect(asked).toEqual([
      ['a', 'b'],
      ['c', 'd', 'e'],
    ]);
    expect(result).toEqual({
      checked: 5,
      found: 3,
      written: 0,
      missing: 2,
      missingSample: ['c', 'e'],
      duplicates: 1,
    });
  });

  it('tells rows this run wrote from rows MySQL held before it (by when the sink wrote them)', async () => {
    const inDb = new Map([
      ['old', { payments: 1, ingestedAtMs: 999 }],
      ['new', { payments: 1, ingestedAtMs: 1000 }],
      ['newer', { payments: 1, ingestedAtMs: 5000 }],
    ]);
    const result = await reconcile(
      chunksOf(['old', 'new', 'newer', 'gone'], 10),
      async (ids) => new Map(ids.filter((id) => inDb.has(id)).map((id) => [id, inDb.get(id)!])),
      { since: 1000 },
    );
    expect(result).toMatchObject({ checked: 4, found: 3, written: 2, missing: 1 });
  });
});

describe('EventIdSpool', () => {
  it('keeps acknowledged ids on disk and reads them back in chunks, then removes its file', async () => {
    const spool = new EventIdSpool(os.tmpdir());
    for (let b = 0; b < 5; b++) spool.append(Array.from({ length: 1000 }, (_, i) => `id-${b * 1000 + i}`));
    expect(spool.count).toBe(5000);
    const chunks: string[][] = [];
    for await (const c of spool.chunks(1500)) chunks.push(c);
    expect(chunks.map((c) => c.length)).toEqual([1500, 1500, 1500, 500]);
    expect(chunks.flat()).toEqual(Array.from({ length: 5000 }, (_, i) => `id-${i}`));
    expect(() => spool.append(['late'])).toThrow(/closed/);
    spool.remove();
    expect(existsSync(spool.file)).toBe(false);
  });
});

describe('drain', () => {
  const targets = new Map([
    [partitionKey('p', 0), 100n],
    [partitionKey('p', 1), 50n],
    [partitionKey('pay', 0), 0n],
  ]);

  it('measures what is left per partition, counting a partition never committed from 0', () => {
    expect(remainingLag(targets, new Map([[partitionKey('p', 0), 90n]]))).toBe(60);
    expect(
      remainingLag(
        targets,
        new Map([
          [partitionKey('p', 0), 120n],
          [partitionKey('p', 1), 50n],
        ]),
      ),
    ).toBe(0);
  });

  it('waits until the sink reaches the targets', async () => {
    let at = 0n;
    const seen: number[] = [];
    const result = await waitForDrain({
      targets,
      committed: async () => {
        at += 25n;
        return new Map([
          [partitionKey('p', 0), at],
          [partitionKey('p', 1), at > 50n ? 50n : at],
        ]);
      },
      pollMs: 1,
      onProgress: (lag) => seen.push(lag),
    });
    expect(result).toEqual({ drained: true, lag: 0 });
    expect(seen).toEqual([100, 50, 25, 0]);
  });

  it('gives up when the sink stops making progress, saying how much is left and why', async () => {
    let clock = 0;
    const result = await waitForDrain({
      targets,
      committed: async () => {
        clock += 1000;
        throw new Error('MySQL unavailable');
      },
      pollMs: 1,
      stallMs: 5000,
      now: () => clock,
    });
    expect(result.drained).toBe(false);
    expect(result.reason).toBe(
      'the sink made no progress for 5 s with unknown messages still to persist (MySQL unavailable)',
    );
  });

  it('stops waiting when interrupted', async () => {
    const ac = new AbortController();
    ac.abort();
    const result = await waitForDrain({
      targets,
      committed: async () => new Map(),
      signal: ac.signal,
      pollMs: 1,
    });
    expect(result).toEqual({ drained: false, lag: 150, reason: 'interrupted while waiting for the sink' });
  });
});
