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

/** What the monitor drew in a phase with the monitor open (off screen, 80×24). */
export interface ScreenStats {
  /** Frames Ink rendered (its onRender callback). */
  frames: number;
  /** Ink's own time turning the tree into output, all frames together (React's render is not in it). */
  renderMs: number;
  /** Bytes written to the off-screen terminal. */
  bytes: number;
  /** A render error that ended the app. */
  error: string | null;
}

/** The same pipeline with the full-screen monitor drawn in this process. */
export type MonitorPhaseResult = PhaseResult & { screen: ScreenStats | null };

/** The sink alone draining passages produced while it was off. */
export interface BacklogResult {
  /** Passages the producer-only run got acknowledged by Kafka (the backlog). */
  passages: number;
  producedPerSec: number | null;
  /** Sink started → partitions assigned (the group join). */
  joinSeconds: number | null;
  /** Partitions assigned → everything persisted (the sink's committed offsets at the topics' ends). */
  seconds: number | null;
  /** Passages the sink persisted / `seconds`. */
  persistedPerSec: number | null;
  /** Passage rows in the backlog's own database at the end, counted with SQL. */
  rows: number | null;
  reconciled: boolean | null;
  reason: string | null;
}

export interface BenchResult {
  events: number;
  brokers: number;
  partitions: number;
  fullSpeed: PhaseResult;
  latency: PhaseResult & { rate: number };
  /** maxRSS after the headless phases (full speed and at rate). */
  peakRssMb: number;
  perfTool: PerfToolResult | { error: string } | null;
  /** Absent from results of older versions. */
  cpu?: BenchCpu | null;
  /** The phases with the monitor open; absent from results of older versions, null when not run. */
  monitor?: { fullSpeed: MonitorPhaseResult; latency: MonitorPhaseResult & { rate: number } } | null;
  backlog?: BacklogResult | null;
  /** maxRSS after every pipeline phase (the monitor and the backlog included). */
  peakRssMbAll?: number;
  /** Passages of the unreported warm-up run before phase 1 (absent: none). */
  warmUpPassages?: number;
}

export const TARGETS = {
  persistedPerSec: 30_000,
  p99AtRateMs: 100,
  rssMb: 250,
  /** Throughput the monitor may cost against headless, %. */
  monitorCostPct: 5,
  /** The sink alone, draining a backlog. */
  sinkAlonePerSec: 60_000,
  /** The producer alone (the backlog phase, sink off) in Kafka messages/s against ProducerPerformance's, %. */
  producerOfReferencePct: 50,
} as const;

/**
 * The producer alone against Kafka's reference producer, both in Kafka messages/s on the same broker: each passage
 * is two messages (the passage and its payment). Null without both figures.
 */
export function producerOfReferencePct(r: BenchResult): number | null {
  const perf = r.perfTool;
  const passages = r.backlog?.producedPerSec ?? null;
  if (!perf || 'error' in perf || passages === null || perf.recordsPerSec <= 0) return null;
  return ((passages * 2) / perf.recordsPerSec) * 100;
}

/** 1 − persisted/s with the monitor open / persisted/s headless, in %; negative when the monitor phase was faster. */
export function monitorCostPct(r: BenchResult): number | null {
  const headless = r.fullSpeed.persistedPerSec;
  const monitor = r.monitor?.fullSpeed.persistedPerSec ?? null;
  if (headless === null || monitor === null || headless <= 0) return null;
  return (1 - monitor / headless) * 100;
}

/** Every phase that ran, by name, for the reconciled row and the exit code. */
export function phasesOf(
  r: BenchResult,
): { name: string; reconciled: boolean | null; reason: string | null }[] {
  return [
    { name: 'full speed', ...r.fullSpeed },
    { name: 'at rate', ...r.latency },
    ...(r.monitor
      ? [
          { name: 'monitor, full speed', ...r.monitor.fullSpeed },
          { name: 'monitor, at rate', ...r.monitor.latency },
        ]
      : []),
    ...(r.backlog ? [{ name: 'backlog', ...r.backlog }] : []),
  ].map(({ name, reconciled, reason }) => ({ name, reconciled, reason }));
}

/** Exit 0 of `tollstream bench`: every phase that ran reconciled exactly once. */
export function allReconciled(r: BenchResult): boolean {
  return phasesOf(r).every((p) => p.reconciled === true);
}

const n = (v: number | null | undefined, unit = ''): string =>
  v === null || v === undefined || Number.isNaN(v) ? '—' : `${Math.round(v).toLocaleString('en-US')}${unit}`;
const met = (ok: boolean | null): string => (ok === null ? '' : ok ? 'met' : 'NOT met');
const yesNo = (v: boolean | null): string => (v === null ? '—' : v ? 'yes' : 'NO');
const pct = (v: number | null | undefined): string =>
  v === null || v === undefined || Number.isNaN(v) ? '—' : `${v.toFixed(1)} %`;

type Row = [string, string, string, string];

function cpuRows(cpu: BenchCpu | null | undefined): Row[] {
  if (!cpu) return [['CPU per passage / box split', 'not measured', '', '']];
  const rows: Row[] = [
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

function monitorRows(r: BenchResult): Row[] {
  const m = r.monitor;
  if (!m) return [];
  const cost = monitorCostPct(r);
  const screen = (s: ScreenStats | null): string => (s ? n(s.frames) : '—');
  const drawn = [m.fullSpeed.screen, m.latency.screen].filter((s): s is ScreenStats => s !== null);
  const frames = drawn.reduce((a, s) => a + s.frames, 0);
  const inkMs = frames ? drawn.reduce((a, s) => a + s.renderMs, 0) / frames : null;
  const mb = drawn.reduce((a, s) => a + s.bytes, 0) / 1_000_000;
  return [
    ['persisted/s with the monitor open', n(m.fullSpeed.persistedPerSec), '', ''],
    [
      'monitor cost (1 − monitor open / headless)',
      cost === null ? '—' : `${cost.toFixed(1)} %`,
      `≤ ${TARGETS.monitorCostPct} %`,
      met(cost === null ? null : cost <= TARGETS.monitorCostPct),
    ],
    [
      `latency p50 / p99 at ${n(m.latency.rate)}/s, monitor open (actual ${n(m.latency.producedPerSec)}/s)`,
      `${n(m.latency.p50Ms)} / ${n(m.latency.p99Ms, ' ms')}`,
      `p99 ≤ ${TARGETS.p99AtRateMs} ms`,
      met(m.latency.p99Ms === null ? null : m.latency.p99Ms <= TARGETS.p99AtRateMs),
    ],
    [
      'monitor frames drawn (full speed / at rate)',
      `${screen(m.fullSpeed.screen)} / ${screen(m.latency.screen)}`,
      '',
      '',
    ],
    [
      "monitor: Ink's own time per frame, bytes drawn",
      drawn.length ? `${inkMs === null ? '—' : inkMs.toFixed(1)} ms, ${mb.toFixed(1)} MB` : '—',
      '',
      '',
    ],
  ];
}

function backlogRows(b: BenchResult['backlog']): Row[] {
  if (!b) return [];
  return [
    [
      `sink alone, draining a backlog of ${n(b.passages)}${
        b.joinSeconds === null ? '' : ` (after a ${b.joinSeconds.toFixed(1)} s join)`
      }`,
      n(b.persistedPerSec),
      `≥ ${n(TARGETS.sinkAlonePerSec)}`,
      met(b.persistedPerSec === null ? null : b.persistedPerSec >= TARGETS.sinkAlonePerSec),
    ],
  ];
}

function reconciledRow(r: BenchResult): Row {
  const phases = phasesOf(r);
  // Older results have two phases, named; with five, the numbers of the progress lines keep the label short.
  const names =
    phases.length > 2 ? `phases ${phases.map((_, i) => i + 1).join(' / ')}` : 'full speed / at rate';
  return [
    `reconciled (${names})`,
    phases.map((p) => yesNo(p.reconciled)).join(' / '),
    phases.map(() => 'yes').join(' / '),
    '',
  ];
}

/** How the monitor and backlog rows are obtained, printed under the table. */
export const PHASE_NOTES = [
  'monitor open: the same runs with the real monitor (Ink) drawn in this process into an off-screen 80×24 terminal;',
  '  its cost compares persisted/s with the headless full-speed run (same passages, fresh topics and database).',
  'sink alone: passages produced first with the sink off, then the sink by itself from partitions assigned until its',
  '  committed offsets reach the topics’ ends; reconciled = every acknowledged id in MySQL once, rows counted.',
];

export function formatReport(r: BenchResult): string {
  const rows: Row[] = [
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
    ...monitorRows(r),
    ...backlogRows(r.backlog),
    ['peak RSS', n(r.peakRssMb, ' MB'), `≤ ${TARGETS.rssMb} MB`, met(r.peakRssMb <= TARGETS.rssMb)],
    ...(r.peakRssMbAll !== undefined
      ? [
          [
            'peak RSS, all phases (monitor and backlog too)',
            n(r.peakRssMbAll, ' MB'),
            `≤ ${TARGETS.rssMb} MB`,
            met(r.peakRssMbAll <= TARGETS.rssMb),
          ] as Row,
        ]
      : []),
    reconciledRow(r),
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
    const pct = producerOfReferencePct(r);
    if (r.backlog?.producedPerSec != null)
      rows.push([
        'producer alone (backlog, sink off): passages/s, Kafka messages/s',
        `${n(r.backlog.producedPerSec)}, ${n(r.backlog.producedPerSec * 2)}${
          pct === null ? '' : ` = ${pct.toFixed(0)} % of the reference`
        }`,
        `≥ ${TARGETS.producerOfReferencePct} %`,
        met(pct === null ? null : pct >= TARGETS.producerOfReferencePct),
      ]);
  }
  rows.push(...cpuRows(r.cpu));
  const widths = [0, 1, 2].map((c) => Math.max(...rows.map((row) => row[c]!.length)));
  const lines = rows.map((row) =>
    [row[0].padEnd(widths[0]!), row[1].padStart(widths[1]!), row[2].padEnd(widths[2]!), row[3]]
      .join('  ')
      .trimEnd(),
  );
  const also = [
    ...(r.monitor ? ['both again with the monitor open (80×24, off screen)'] : []),
    ...(r.backlog ? [`a backlog of ${n(r.backlog.passages)} for the sink alone`] : []),
  ];
  const warm = r.warmUpPassages ? `after a warm-up of ${n(r.warmUpPassages)}, ` : '';
  const head = `tollstream bench: ${warm}${n(r.events)} passages at full speed (${n(r.fullSpeed.passages)} persisted in ${r.fullSpeed.seconds.toFixed(1)} s), then ${n(r.latency.rate)}/s for ${r.latency.seconds.toFixed(0)} s${also.length ? `; ${also.join('; ')}` : ''}; ${r.brokers} broker${r.brokers === 1 ? '' : 's'}, ${r.partitions} partitions`;
  const problems = phasesOf(r)
    .filter((p) => p.reconciled !== true)
    .map((p) => `${p.reason ?? 'not reconciled'} (${p.name})`);
  const notes = [
    ...(r.cpu ? ['', ...CPU_NOTES] : []),
    ...(r.monitor || r.backlog ? ['', ...PHASE_NOTES] : []),
  ];
  return [
    head,
    '',
    ...lines,
    ...notes,
    ...(problems.length ? ['', ...problems.map((p) => `problem: ${p}`)] : []),
  ].join('\n');
}
