import { describe, expect, it } from 'vitest';
import { cpuSplit, parsePidStat, parseProcStat } from '../../../src/bench/proc.ts';
import type { CpuSample } from '../../../src/bench/proc.ts';
import { cpuFromMarks } from '../../../src/bench/run.ts';

// A JVM's /proc/<pid>/stat whose command name holds a space and a parenthesis; utime 1500, stime 250.
const JVM_STAT =
  '12505 (java (kafka) x) S 1 12505 12479 0 -1 4194560 812345 0 12 0 1500 250 0 0 20 0 98 0 1234567 5368709120 120000 18446744073709551615 1 1 0 0 0 0 0 4096 16796879 0 0 0 17 1 0 0 0 0 0';
const PROC_STAT = `cpu  10000 500 3000 80000 1500 0 200 0 0 0
cpu0 5000 250 1500 40000 750 0 100 0 0 0
cpu1 5000 250 1500 40000 750 0 100 0 0 0
intr 123456 0 0
ctxt 987654
`;

describe('bench /proc parsing', () => {
  it('reads utime + stime after the last parenthesis of /proc/<pid>/stat', () => {
    expect(parsePidStat(JVM_STAT)).toEqual({ comm: 'java (kafka) x', ticks: 1750 });
    expect(parsePidStat('12 (mariadbd) S 1 2 3 4 5 6 7 8 9 10 44 6')).toEqual({
      comm: 'mariadbd',
      ticks: 50,
    });
    expect(parsePidStat('not a stat line')).toBeNull();
    expect(parsePidStat('12 (x) S 1 2')).toBeNull();
  });

  it('sums the aggregate cpu line of /proc/stat; busy excludes idle and iowait; counts cores', () => {
    expect(parseProcStat(PROC_STAT)).toEqual({ total: 95200, busy: 13700, cores: 2 });
    expect(parseProcStat('intr 1 2 3')).toBeNull();
  });

  it("splits the box's CPU over an interval, with the rest as other and unknown parts as null", () => {
    const before: CpuSample = {
      machine: { total: 1000, busy: 200, cores: 2 },
      parts: { tollstream: 100, kafka: 50, zookeeper: 5, mariadb: null },
    };
    const after: CpuSample = {
      machine: { total: 1200, busy: 380, cores: 2 },
      parts: { tollstream: 190, kafka: 90, zookeeper: 6, mariadb: 30 },
    };
    const split = cpuSplit(before, after)!;
    expect(split.cores).toBe(2);
    expect(split.percent.tollstream).toBeCloseTo(45);
    expect(split.percent.kafka).toBeCloseTo(20);
    expect(split.percent.zookeeper).toBeCloseTo(0.5);
    expect(split.percent.mariadb).toBeNull();
    expect(split.percent.machine).toBeCloseTo(90);
    expect(split.percent.other).toBeCloseTo(24.5);
    expect(cpuSplit({ ...before, machine: null }, after)).toBeNull();
  });
});

describe('bench CPU per passage', () => {
  const cpu = (us: number): NodeJS.CpuUsage => ({ user: us * 0.75, system: us * 0.25 });
  it('prices the sink by the drain stretch and takes its share out of the producing stretch', () => {
    const r = cpuFromMarks({
      producersStarted: { cpu: cpu(1_000_000), at: 0, produced: 0, persisted: 0, proc: null },
      // 10,000 produced, 6,000 persisted meanwhile, 1.6 s of CPU.
      producersStopped: { cpu: cpu(2_600_000), at: 1000, produced: 10_000, persisted: 6000, proc: null },
      // 4,000 persisted by the sink alone in 0.2 s of CPU: 50 µs each.
      drained: { cpu: cpu(2_800_000), at: 1500, produced: 10_000, persisted: 10_000, proc: null },
    })!;
    expect(r.sinkUsPerPassage).toBeCloseTo(50);
    // (1,600,000 − 50 × 6,000) / 10,000
    expect(r.producerUsPerPassage).toBeCloseTo(130);
    expect(r.producingUsPerPassage).toBeCloseTo(160);
    expect(r.split).toBeNull();
  });

  it('leaves the split figures unknown when the drain stretch is too short or missing', () => {
    const started = { cpu: cpu(0), at: 0, produced: 0, persisted: 0, proc: null };
    const stopped = { cpu: cpu(1000), at: 10, produced: 100, persisted: 99, proc: null };
    const r = cpuFromMarks({ producersStarted: started, producersStopped: stopped })!;
    expect(r.sinkUsPerPassage).toBeNull();
    expect(r.producerUsPerPassage).toBeNull();
    expect(r.producingUsPerPassage).toBeCloseTo(10);
    expect(cpuFromMarks({})).toBeNull();
  });
});
