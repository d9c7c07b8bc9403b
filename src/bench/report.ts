/** The benchmark's result table (pure): measured figures next to the performance targets. */
import type { PerfToolResult } from './perf-tool.ts';
import type { CpuSplit } from './proc.ts';

/** CPU cost at full speed: per passage by engine (process.cpuUsage() by stretch) and the box's split (/proc). */
export interface BenchCpu {
  /** Producing stretch minus the sink's share, per passage produced. */
  producerUsPerPassage: number | null;
  /** Drain stretch (producers stopped, sink alone), per passage persisted in it. */
  sinkUsPerPassage: number | null;
  /** Producing stretch (both engines), per passage produced. */
  producingUsPerPassage: number | null;
  producing: { cpuUs: number; produced: number; persisted: number; seconds: number };
  draining: { cpuUs: number; persisted: number; seconds: number } | null;
  /** Producers started → sink drained. */
  split: CpuSplit | null;
}

export interface PhaseResult {
  passages: number;
  seconds: number;
  producedPerSec: number | null;
  persistedPerSec: number | null;
  p50Ms: number | null;
  p99Ms: number | null;
  reconciled: boolean | null;
  reason: string | null;
}

export interface BenchResult {
  events: number;
  brokers: number;
  partitions: number;
  fullSpeed: PhaseResult;
  latency: PhaseResult & { rate: number };
  peakRssMb: number;
  perfTool: PerfToolResult | { error: string } | null;
  /** Absent from results of older versions. */
  cpu?: BenchCpu | null;
}

export const TARGETS = { persistedPerSec: 30_000, p99AtRateMs: 100, rssMb: 250 } as const;

const n = (v: number | null | undefined, unit = ''): string =>
  v === null || v === undefined || Number.isNaN(v) ? '—' : `${Math.round(v).toLocaleString('en-US')}${unit}`;
const met = (ok: boolean | null): string => (ok === null ? '' : ok ? 'met' : 'NOT met');
const yesNo = (v: boolean | null): string => (v === null ? '—' : v ? 'yes' : 'NO');
const pct = (v: number | null | undefined): string =>
  v === null || v === undefined || Number.isNaN(v) ? '—' : `${v.toFixed(1)} %`;

function cpuRows(cpu: BenchCpu | null | undefined): [string, string, string, string][] {
  if (!cpu) return [['CPU per passage / box split', 'not measured', '', '']];
  const rows: [string, string, string, string][] = [
    ['CPU µs/passage, producer path', n(cpu.producerUsPerPassage, ' µs'), '', ''],
    ['CPU µs/passage, sink path', n(cpu.sinkUsPerPassage, ' µs'), '', ''],
    ['CPU µs/passage while producing (both engines)', n(cpu.producingUsPerPassage, ' µs'), '', ''],
  ];
  const s = cpu.split;
  if (!s) rows.push(['box CPU at full speed', '— (no /proc)', '', '']);
  else {
    const p = s.percent;
    const label = (part: string): string => `box CPU at full speed: ${part}`;
    rows.push(
      [label('tollstream (this process)'), pct(p.tollstream), `of ${s.cores} cores`, ''],
      [label('Kafka broker JVM(s)'), pct(p.kafka), '', ''],
      [label('ZooKeeper'), pct(p.zookeeper), '', ''],
      [label('MariaDB'), pct(p.mariadb), '', ''],
      [label('everything else'), pct(p.other), '', ''],
      [label('whole machine busy'), pct(p.machine), '', ''],
    );
  }
  return rows;
}

/** How the CPU rows are obtained, printed under the table. */
export const CPU_NOTES = [
  'CPU µs/passage: process.cpuUsage() (user + system, all threads) over stretches of the full-speed phase.',
  '  sink path = CPU from producers stopped to sink drained (the sink alone) / passages persisted in that stretch;',
  '  producer path = (CPU while producing − sink µs × passages persisted meanwhile) / passages produced.',
  'box CPU: /proc/<pid>/stat utime+stime of each part, /proc/stat for the machine, from producers started to',
  "  drained, as % of all cores' time (100 % = every core busy); broker and ZooKeeper PIDs from the stack record.",
];

export function formatReport(r: BenchResult): string {
  const rows: [string, string, string, string][] = [
    ['', 'measured', 'target', ''],
    ['produced/s (acked by Kafka)', n(r.fullSpeed.producedPerSec), '', ''],
    [
      'persisted/s (end to end, exactly once)',
      n(r.fullSpeed.persistedPerSec),
      `≥ ${n(TARGETS.persistedPerSec)}`,
      met(
        r.fullSpeed.persistedPerSec === null ? null : r.fullSpeed.persistedPerSec >= TARGETS.persistedPerSec,
      ),
    ],
    ['latency p50 / p99 at full speed', `${n(r.fullSpeed.p50Ms)} / ${n(r.fullSpeed.p99Ms, ' ms')}`, '', ''],
    [
      `latency p50 / p99 at ${n(r.latency.rate)}/s (actual ${n(r.latency.producedPerSec)}/s)`,
      `${n(r.latency.p50Ms)} / ${n(r.latency.p99Ms, ' ms')}`,
      `p99 ≤ ${TARGETS.p99AtRateMs} ms`,
      met(r.latency.p99Ms === null ? null : r.latency.p99Ms <= TARGETS.p99AtRateMs),
    ],
    ['peak RSS', n(r.peakRssMb, ' MB'), `≤ ${TARGETS.rssMb} MB`, met(r.peakRssMb <= TARGETS.rssMb)],
    [
      'reconciled (full speed / at rate)',
      `${yesNo(r.fullSpeed.reconciled)} / ${yesNo(r.latency.reconciled)}`,
      'yes / yes',
      '',
    ],
  ];
  const perf = r.perfTool;
  if (perf && 'error' in perf) rows.push(['Kafka ProducerPerformance', `failed: ${perf.error}`, '', '']);
  else if (perf) {
    rows.push([
      'Kafka ProducerPerformance (200 B, acks=all)',
      `${n(perf.recordsPerSec)} rec/s, ${perf.mbPerSec.toFixed(1)} MB/s, p99 ${n(perf.p99Ms, ' ms')}`,
      'reference ceiling',
      '',
    ]);
  }
  rows.push(...cpuRows(r.cpu));
  const widths = [0, 1, 2].map((c) => Math.max(...rows.map((row) => row[c]!.length)));
  const lines = rows.map((row) =>
    [row[0].padEnd(widths[0]!), row[1].padStart(widths[1]!), row[2].padEnd(widths[2]!), row[3]]
      .join('  ')
      .trimEnd(),
  );
  const head = `tollstream bench: ${n(r.events)} passages at full speed (${n(r.fullSpeed.passages)} persisted in ${r.fullSpeed.seconds.toFixed(1)} s), then ${n(r.latency.rate)}/s for ${r.latency.seconds.toFixed(0)} s; ${r.brokers} broker${r.brokers === 1 ? '' : 's'}, ${r.partitions} partitions`;
  const problems = [r.fullSpeed, r.latency]
    .filter((p) => p.reconciled !== true)
    .map((p) => p.reason ?? 'not reconciled');
  const notes = r.cpu ? ['', ...CPU_NOTES] : [];
  return [
    head,
    '',
    ...lines,
    ...notes,
    ...(problems.length ? ['', ...problems.map((p) => `problem: ${p}`)] : []),
  ].join('\n');
}
