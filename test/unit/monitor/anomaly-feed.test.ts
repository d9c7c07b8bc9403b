import { describe, expect, it } from 'vitest';
import { RULES } from '../../../src/anomalies/types.ts';
import { createAnomalyFeed, FEED_SQL, ruleActivity } from '../../../src/monitor/anomaly-feed.ts';
import { RULE_ORDER } from '../../../components/anomalies/types.ts';
import type { RunStatement } from '../../../src/monitor/anomaly-feed.ts';
import type { QueryOutcome } from '../../../src/query/outcome.ts';

const rows = (r: unknown[][]): QueryOutcome => ({
  kind: 'rows',
  columns: [],
  rows: r,
  truncated: false,
  rowCap: 1000,
  elapsedMs: 1,
});

describe('the anomalies feed', () => {
  it("lists the detector's rules in its order", () => {
    expect(RULE_ORDER).toEqual(RULES);
  });

  it('folds per-minute rows into every rule, listed ones first, with zeros; counts recent findings', () => {
    const { rules, recent } = ruleActivity([
      ['unpaid', 59, '3', '2', '900'],
      ['unpaid', 0, '1', '0', '0'],
      ['surge', 35, '1', '1', null],
      ['new-rule', 10, '2', '0', '0'],
      ['unpaid', 60, '7', '0', '0'], // outside the window: counted in the hour, not drawn
    ]);
    expect(rules.map((r) => [r.rule, r.total])).toEqual([
      ['surge', 1],
      ['drop', 0],
      ['unpaid', 11],
      ['short-payment', 0],
      ['double-charge', 0],
      ['impossible-travel', 0],
      ['new-rule', 2],
    ]);
    const unpaid = rules.find((r) => r.rule === 'unpaid')!;
    expect(unpaid.perMinute).toHaveLength(60);
    expect([unpaid.perMinute[0], unpaid.perMinute[59]]).toEqual([1, 3]);
    expect(recent).toEqual([
      { rule: 'surge', findings: 1, amountCents: 0 },
      { rule: 'unpaid', findings: 2, amountCents: 900 },
    ]);
  });

  it('an empty table is a running feed with no window; polls never overlap', async () => {
    const calls: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const run: RunStatement = async (sql) => {
      calls.push(sql);
      await gate;
      return rows([[null]]);
    };
    const feed = createAnomalyFeed({ run, startedAt: 0, intervalMs: 60_000 });
    const a = feed.poll();
    const b = feed.poll();
    expect(a).toBe(b);
    release();
    await a;
    expect(calls).toEqual([FEED_SQL.newest]);
    expect(feed.store.getSnapshot()).toMatchObject({ status: { kind: 'running' }, window: null, newest: [] });
    await feed.stop();
  });

  it('a failed poll keeps the last data, says why and backs off; success clears it', async () => {
    const outcomes: QueryOutcome[] = [
      rows([[null]]),
      { kind: 'unavailable', message: 'connect ECONNREFUSED 127.0.0.1:3306' },
      { kind: 'timeout', limitMs: 10_000, elapsedMs: 11_000 },
      rows([[null]]),
    ];
    const feed = createAnomalyFeed({
      run: async () => outcomes.shift()!,
      startedAt: 0,
      intervalMs: 2000,
      clock: () => 5000,
    });
    await feed.poll();
    const ok = feed.store.getSnapshot();
    await feed.poll();
    expect(feed.store.getSnapshot()).toMatchObject({
      readAt: ok.readAt,
      status: { kind: 'error', message: 'connect ECONNREFUSED 127.0.0.1:3306', retryInMs: 4000 },
    });
    await feed.poll();
    expect(feed.store.getSnapshot().status).toEqual({
      kind: 'error',
      message: 'query exceeded the 10 s limit',
      retryInMs: 8000,
    });
    await feed.poll();
    expect(feed.store.getSnapshot().status).toEqual({ kind: 'running' });
    await feed.stop();
  });

  it('without a read-only account it says so and never polls', async () => {
    let polled = 0;
    const feed = createAnomalyFeed({
      run: async () => {
        polled++;
        return rows([]);
      },
      startedAt: 0,
      unavailable: 'no read-only MySQL account yet',
    });
    feed.start();
    await new Promise((r) => setTimeout(r, 20));
    expect(polled).toBe(0);
    expect(feed.store.getSnapshot().status).toEqual({
      kind: 'error',
      message: 'no read-only MySQL account yet',
      retryInMs: null,
    });
    await feed.stop();
  });
});
