import { describe, expect, it } from 'vitest';
import { parsePerfToolOutput } from '../../../src/bench/perf-tool.ts';
import {
  allReconciled,
  formatReport,
  monitorCostPct,
  producerOfReferencePct,
} from '../../../src/bench/report.ts';
import type { BenchResult, PhaseResult } from '../../../src/bench/report.ts';

const PERF_OUT = `
232813 records sent, 46562.6 records/sec (8.88 MB/sec), 1390.4 ms avg latency, 2101.0 ms max latency.
500000 records sent, 61462.8 records/sec (11.72 MB/sec), 1412.13 ms avg latency, 2320.00 ms max latency, 1389 ms 50th, 2101 ms 95th, 2270 ms 99th, 2310 ms 99.9th.
`;
/** ProducerPerformance's figures as the bench reads them from PERF_OUT. */
const PERF_TOOL = parsePerfToolOutput(PERF_OUT)!;

describe('bench', () => {
  it("parses ProducerPerformance's final line, not its interim ones", () => {
    expect(parsePerfToolOutput(PERF_OUT)).toEqual({
      records: 500000,
      recordsPerSec: 61462.8,
      mbPerSec: 11.72,
      avgLatencyMs: 1412.13,
      maxLatencyMs: 2320,
      p50Ms: 1389,
      p99Ms: 2270,
    });
    expect(parsePerfToolOutput('Exception in thread "main"')).toBeNull();
  });

  it('prints measured figures next to the targets and names problems', () => {
    const r: BenchResult = {
      events: 500_000,
      brokers: 1,
      partitions: 6,
      fullSpeed: {
        passages: 500_000,
        seconds: 25,
        producedPerSec: 31_000.4,
        persistedPerSec: 20_000,
        p50Ms: 900,
        p99Ms: 2400,
        reconciled: true,
        reason: null,
      },
      latency: {
        rate: 2000,
        passages: 40_000,
        seconds: 20,
        producedPerSec: 2000,
        persistedPerSec: 1990,
        p50Ms: 30,
        p99Ms: 120,
        reconciled: false,
        reason: 'not reconciled: interrupted',
      },
      peakRssMb: 280.4,
      perfTool: PERF_TOOL,
      cpu: {
        producerUsPerPassage: 130.4,
        sinkUsPerPassage: 49.6,
        producingUsPerPassage: 160,
        producing: { cpuUs: 1_600_000, produced: 10_000, persisted: 6000, seconds: 1 },
        draining: { cpuUs: 200_000, persisted: 4000, seconds: 0.5 },
        split: {
          cores: 2,
          percent: { tollstream: 45, kafka: 20.04, zookeeper: 0.5, mariadb: null, other: 24.5, machine: 90 },
        },
      },
    };
    const text = formatReport(r);
    expect(text).toContain('500,000 passages at full speed');
    expect(text).toMatch(/produced\/s \(acked by Kafka\)\s+31,000/);
    expect(text).toMatch(/persisted\/s \(end to end, exactly once\)\s+20,000\s+≥ 30,000\s+NOT met/);
    expect(text).toMatch(
      /latency p50 \/ p99 at 2,000\/s \(actual 2,000\/s\)\s+30 \/ 120 ms\s+p99 ≤ 100 ms\s+NOT met/,
    );
    expect(text).toMatch(/peak RSS\s+280 MB\s+≤ 250 MB\s+NOT met/);
    expect(text).toMatch(/reconciled \(full speed \/ at rate\)\s+yes \/ NO/);
    expect(text).toMatch(/61,463 rec\/s, 11\.7 MB\/s, p99 2,270 ms/);
    expect(text).toContain('problem: not reconciled: interrupted');
    expect(text).toMatch(/CPU µs\/passage, producer path\s+130 µs/);
    expect(text).toMatch(/CPU µs\/passage, sink path\s+50 µs/);
    expect(text).toMatch(/box CPU at full speed: tollstream \(this process\)\s+45\.0 %\s+of 2 cores/);
    expect(text).toMatch(/box CPU at full speed: Kafka broker JVM\(s\)\s+20\.0 %/);
    expect(text).toMatch(/box CPU at full speed: MariaDB\s+—/);
    expect(text).toMatch(/box CPU at full speed: whole machine busy\s+90\.0 %/);
    expect(text).toContain('sink path = CPU from producers stopped to sink drained');
    // Results without CPU figures (older JSON) still print.
    const { cpu: _cpu, ...older } = r;
    expect(formatReport(older)).toMatch(/CPU per passage \/ box split\s+not measured/);
    expect(formatReport({ ...r, perfTool: { error: 'no java' } })).toContain('failed: no java');
    expect(allReconciled(r)).toBe(false);
  });

  describe('with the monitor open and the sink alone', () => {
    const phase = (p: Partial<PhaseResult>): PhaseResult => ({
      passages: 500_000,
      seconds: 20,
      producedPerSec: 30_000,
      persistedPerSec: 25_000,
      p50Ms: 800,
      p99Ms: 2000,
      reconciled: true,
      reason: null,
      ...p,
    });
    const screen = { frames: 80, renderMs: 240, bytes: 1_500_000, error: null };
    const r: BenchResult = {
      events: 500_000,
      brokers: 1,
      partitions: 6,
      fullSpeed: phase({}),
      latency: { ...phase({ passages: 40_000, persistedPerSec: 2000, p50Ms: 20, p99Ms: 60 }), rate: 2000 },
      peakRssMb: 200,
      perfTool: PERF_TOOL,
      cpu: null,
      monitor: {
        fullSpeed: { ...phase({ persistedPerSec: 24_000 }), screen },
        latency: {
          ...phase({ passages: 40_000, producedPerSec: 1990, p50Ms: 25, p99Ms: 130 }),
          screen: { ...screen, frames: 120, renderMs: 360, bytes: 500_000 },
          rate: 2000,
        },
      },
      backlog: {
        passages: 300_000,
        producedPerSec: 40_000,
        joinSeconds: 3.04,
        seconds: 4,
        persistedPerSec: 75_000,
        rows: 300_000,
        reconciled: true,
        reason: null,
      },
      peakRssMbAll: 260,
      warmUpPassages: 30_000,
    };

    it('prints the monitor cost, the latency with the monitor open and the sink alone against their targets', () => {
      expect(monitorCostPct(r)).toBeCloseTo(4, 5);
      const text = formatReport(r);
      expect(text).toContain('after a warm-up of 30,000, 500,000 passages at full speed');
      expect(text).toContain('both again with the monitor open (80×24, off screen); a backlog of 300,000');
      expect(text).toMatch(/persisted\/s with the monitor open\s+24,000\n/);
      expect(text).toMatch(/monitor cost \(1 − monitor open \/ headless\)\s+4\.0 %\s+≤ 5 %\s+met/);
      expect(text).toMatch(
        /latency p50 \/ p99 at 2,000\/s, monitor open \(actual 1,990\/s\)\s+25 \/ 130 ms\s+p99 ≤ 100 ms\s+NOT met/,
      );
      expect(text).toMatch(/monitor frames drawn \(full speed \/ at rate\)\s+80 \/ 120/);
      expect(text).toMatch(/monitor: Ink's own time per frame, bytes drawn\s+3\.0 ms, 2\.0 MB/);
      expect(text).toMatch(
        /sink alone, draining a backlog of 300,000 \(after a 3\.0 s join\)\s+75,000\s+≥ 60,000\s+met/,
      );
      expect(text).toMatch(/peak RSS, all phases \(monitor and backlog too\)\s+260 MB\s+≤ 250 MB\s+NOT met/);
      expect(text).toMatch(/reconciled \(phases 1 \/ 2 \/ 3 \/ 4 \/ 5\)\s+yes \/ yes \/ yes \/ yes \/ yes/);
      // 40,000 passages/s = 80,000 Kafka messages/s against ProducerPerformance's 61,462.8 records/s.
      expect(producerOfReferencePct(r)).toBeCloseTo(130.16, 1);
      expect(text).toMatch(
        /producer alone \(backlog, sink off\): passages\/s, Kafka messages\/s\s+40,000, 80,000 = 130 % of the reference\s+≥ 50 %\s+met/,
      );
      expect(text).not.toContain('problem');
      expect(allReconciled(r)).toBe(true);
    });

    it('says NOT met for a costly monitor or a slow sink, and names the phase that did not reconcile', () => {
      const slow: BenchResult = {
        ...r,
        monitor: { ...r.monitor!, fullSpeed: { ...r.monitor!.fullSpeed, persistedPerSec: 20_000 } },
        backlog: {
          ...r.backlog!,
          persistedPerSec: 45_000,
          reconciled: false,
          reason: 'MySQL holds 299,999 rows',
        },
      };
      expect(monitorCostPct(slow)).toBeCloseTo(20, 5);
      const text = formatReport(slow);
      expect(text).toMatch(/monitor cost \(1 − monitor open \/ headless\)\s+20\.0 %\s+≤ 5 %\s+NOT met/);
      expect(text).toMatch(/sink alone, draining a backlog of 300,000 .*\s+45,000\s+≥ 60,000\s+NOT met/);
      expect(text).toMatch(/reconciled \(phases 1 \/ 2 \/ 3 \/ 4 \/ 5\)\s+yes \/ yes \/ yes \/ yes \/ NO/);
      expect(text).toContain('problem: MySQL holds 299,999 rows (backlog)');
      expect(allReconciled(slow)).toBe(false);
      // A skipped monitor phase (interrupted) is not reconciled either.
      const skipped: BenchResult = {
        ...r,
        monitor: { ...r.monitor!, latency: { ...r.monitor!.latency, reconciled: null, reason: 'skipped' } },
      };
      expect(allReconciled(skipped)).toBe(false);
      expect(formatReport(skipped)).toContain('problem: skipped (monitor, at rate)');
      // No monitor figure: no cost, no verdict.
      const noMonitor: BenchResult = {
        ...r,
        monitor: { ...r.monitor!, fullSpeed: { ...r.monitor!.fullSpeed, persistedPerSec: null } },
      };
      expect(monitorCostPct(noMonitor)).toBeNull();
      expect(formatReport(noMonitor)).toMatch(/monitor cost \(1 − monitor open \/ headless\)\s+—\s+≤ 5 %\n/);
    });
  });
});
