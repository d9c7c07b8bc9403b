import { describe, expect, it } from 'vitest';
import { LatencyHistogram, WindowedLatency } from '../../../src/engines/sink/latency.ts';

describe('latency histogram', () => {
  it('reports quantiles within the bucket precision and the exact maximum', () => {
    const h = new LatencyHistogram();
    expect(h.summary()).toEqual({ p50Ms: null, p99Ms: null, maxMs: null, count: 0 });
    for (let i = 1; i <= 10_000; i++) h.record(i / 10); // 0.1 .. 1000 ms, uniform
    const s = h.summary();
    expect(s.count).toBe(10_000);
    expect(s.maxMs).toBe(1000);
    expect(Math.abs(s.p50Ms! - 500) / 500).toBeLessThan(0.03);
    expect(Math.abs(s.p99Ms! - 990) / 990).toBeLessThan(0.03);
  });

  it('clamps negative latencies (clock skew) to zero and never reports above the maximum', () => {
    const h = new LatencyHistogram();
    h.record(-5);
    h.record(3);
    expect(h.quantile(0.5)).toBe(0);
    expect(h.quantile(1)).toBeLessThanOrEqual(3);
    expect(h.max).toBe(3);
  });

  it('records counts in bulk and merges', () => {
    const a = new LatencyHistogram();
    const b = new LatencyHistogram();
    a.record(10, 99);
    b.record(2000, 1);
    a.merge(b);
    expect(a.count).toBe(100);
    expect(a.max).toBe(2000);
    expect(Math.abs(a.quantile(0.5)! - 10)).toBeLessThan(0.3);
  });
});

describe('windowed latency', () => {
  it('forgets slots older than the window', () => {
    const w = new WindowedLatency(3, 1000);
    w.record(100, 10_000);
    w.record(200, 11_000);
    expect(w.summary(11_500).count).toBe(2);
    expect(w.summary(12_500).count).toBe(2);
    expect(w.summary(13_000).count).toBe(1);
    w.record(5, 14_000); // reuses the slot of 11_000
    expect(w.summary(14_000)).toMatchObject({ count: 1, maxMs: 5 });
  });
});
