import { describe, expect, it } from 'vitest';
import { parsePerfToolOutput } from '../../../src/bench/perf-tool.ts';
import { formatReport } from '../../../src/bench/report.ts';
import type { BenchResult } from '../../../src/bench/report.ts';

const PERF_OUT = `
232813 records sent, 46562.6 records/sec (8.88 MB/sec), 1390.4 ms avg latency, 2101.0 ms max latency.
500000 records sent, 61462.8 records/sec (11.72 MB/sec), 1412.13 ms avg latency, 2320.00 ms max latency, 1389 ms 50th, 2101 ms 95th, 2270 ms 99th, 2310 ms 99.9th.
`;

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
      perfTool: {
        records: 500000,
        recordsPerSec: 61462.8,
        mbPerSec: 11.72,
        avgLatencyMs: 1,
        maxLatencyMs: 2,
        p50Ms: 1389,
        p99Ms: 2270,
      },
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
  });
});
