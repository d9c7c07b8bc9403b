import { describe, expect, it } from 'vitest';
import { reconcileSoak } from '../../../src/soak/reconcile.ts';
import { formatTable, soakPassed } from '../../../src/soak/report.ts';
import { parseSoakFlags, SOAK_DEFAULTS, SoakUsageError } from '../../../src/soak/flags.ts';

const kafka = (
  ids: string[],
  extra: Partial<{ records: number; deadLettered: string[]; unreadable: number }> = {},
) => ({
  ids: new Set(ids),
  records: extra.records ?? ids.length,
  unreadable: extra.unreadable ?? 0,
  deadLettered: new Set(extra.deadLettered ?? []),
});
const mysql = (ids: string[], extra: Partial<{ extraPayments: number; sameRecord: number }> = {}) => ({
  ids: new Set(ids),
  extraPayments: extra.extraPayments ?? 0,
  sameRecord: extra.sameRecord ?? 0,
});

describe('reconcileSoak', () => {
  it('passes when every acknowledged passage is in Kafka and every Kafka passage is in MySQL once', () => {
    // p3 was sent just before a kill -9 and never acknowledged: it must still reach MySQL.
    const t = reconcileSoak(
      new Set(['p1', 'p2']),
      kafka(['p1', 'p2', 'p3'], { records: 4 }),
      mysql(['p1', 'p2', 'p3']),
    );
    expect(t).toMatchObject({
      acknowledged: 2,
      inKafka: 3,
      inMysql: 3,
      lost: 0,
      doubled: 0,
      unconfirmed: 1,
      resent: 1,
    });
    expect(soakPassed(t, null)).toBe(true);
  });

  it('counts an acknowledged passage missing from Kafka and a Kafka passage missing from MySQL as lost', () => {
    const t = reconcileSoak(new Set(['p1', 'p2', 'p3']), kafka(['p1', 'p2']), mysql(['p1']));
    expect(t).toMatchObject({ lost: 2, lostInKafka: 1, lostInMysql: 1 });
    expect(t.samples).toMatchObject({ lostInKafka: ['p3'], lostInMysql: ['p2'] });
    expect(soakPassed(t, null)).toBe(false);
  });

  it('does not count a dead-lettered passage as lost', () => {
    const t = reconcileSoak(
      new Set(['p1', 'p2']),
      kafka(['p1', 'p2'], { deadLettered: ['p2'] }),
      mysql(['p1']),
    );
    expect(t).toMatchObject({ lost: 0, deadLettered: 1 });
  });

  it('counts rows under ids Kafka never carried, one Kafka record stored as two rows and extra payments as doubled', () => {
    const t = reconcileSoak(
      new Set(['p1']),
      kafka(['p1']),
      mysql(['p1', 'ghost'], { extraPayments: 2, sameRecord: 1 }),
    );
    expect(t).toMatchObject({ doubled: 4, phantomRows: 1, extraPayments: 2, sameRecord: 1 });
    expect(soakPassed(t, null)).toBe(false);
  });
});

describe('formatTable', () => {
  it('prints each fault and totals whose labels start their lines', () => {
    const totals = reconcileSoak(new Set(['p1', 'p2']), kafka(['p1', 'p2']), mysql(['p1', 'p2']));
    const text = formatTable(
      { seed: 7, durationMs: 120_000, everyMs: 30_000, rate: 300 },
      [
        {
          index: 1,
          kind: 'broker-kill',
          target: 1,
          holdMs: 10_000,
          atMs: 15_000,
          startedMs: 15_200,
          recoveredAfterMs: 40_000,
        },
      ],
      totals,
      null,
    );
    expect(text).toMatch(/^\s+1\s+0:15\s+kill -9 broker 1, restart after 10\.0 s\s+\+40\.0 s$/m);
    expect(text).toMatch(/^\s+passages acknowledged\s+2\b/m);
    expect(text).toMatch(/^\s+lost\s+0\b/m);
    expect(text).toMatch(/^\s+doubled\s+0\b/m);
    expect(text).toMatch(/^PASS: nothing lost, nothing doubled \(replay with --seed 7\)$/m);
  });

  it('fails a run in which Kafka acknowledged nothing: it proved nothing', () => {
    const totals = reconcileSoak(new Set(), kafka([]), mysql([]));
    expect(soakPassed(totals, null)).toBe(false);
    const text = formatTable({ seed: 7, durationMs: 120_000, everyMs: 30_000, rate: 300 }, [], totals, null);
    expect(text).toMatch(/^FAIL: Kafka acknowledged no passage/m);
  });

  it('fails a run it could not judge', () => {
    const text = formatTable(
      { seed: 7, durationMs: 120_000, everyMs: 30_000, rate: 300 },
      [],
      null,
      'interrupted',
    );
    expect(text).toMatch(/^FAIL: interrupted/m);
  });
});

describe('parseSoakFlags', () => {
  it('has private defaults and takes a replayable seed', () => {
    const s = parseSoakFlags({ seed: '42' }, () => 1);
    expect(s).toMatchObject({
      seed: 42,
      durationMs: SOAK_DEFAULTS.durationMs,
      zookeeper: '127.0.0.1:24281',
      broker: '127.0.0.1:31292',
      mysqlPort: 24306,
    });
    expect(parseSoakFlags({}, () => 99).seed).toBe(99);
  });

  it('refuses bad values with the flag named', () => {
    expect(() => parseSoakFlags({ seed: 'x' }, () => 1)).toThrow(SoakUsageError);
    expect(() => parseSoakFlags({ faults: 'broker-kill,meteor' }, () => 1)).toThrow(/--faults/);
    expect(() => parseSoakFlags({ brokers: '10.0.0.5:9092' }, () => 1)).toThrow(/--brokers/);
    expect(() => parseSoakFlags({ duration: '2s' }, () => 1)).toThrow(/--duration must be at least 10 s/);
  });
});
