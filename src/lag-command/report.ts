/**
 * What `tollstream lag` prints: the report (also the JSON shape, version 1, kept stable for scripts), the table a
 * person reads, CSV, and the exit code (pure).
 */
import { DASH, formatDuration } from '../../components/format/format.ts';
import type { LagStatus, Trend } from '../engines/types.ts';
import { severity } from '../engines/lag/tracker.ts';
import type { GroupLagDetail } from '../engines/lag/tracker.ts';
import { formatCsv, formatTable } from '../query/format.ts';
import type { OutputFormat } from '../query/format.ts';
import type { QueryColumn } from '../query/outcome.ts';
import type { LagLook } from './sampler.ts';

export const LAG_REPORT_VERSION = 1;

export const EXIT_LAG = { ok: 0, lagging: 1, usage: 2 } as const;

export interface LagReportPartition {
  topic: string;
  partition: number;
  /** The group's committed offset (Kafka's CURRENT-OFFSET); null where it never committed ("-" in Kafka's tool). */
  currentOffset: string | null;
  /** The partition's high watermark (Kafka's LOG-END-OFFSET). */
  logEndOffset: string;
  /** logEndOffset - currentOffset, never below 0; null without a commit. */
  lag: number | null;
  /** Age of the first unconsumed message, ms; null when caught up or unknown. */
  timeLagMs: number | null;
  /** True when timeLagMs is a lower bound (the message is older than anything Kafka could date). */
  timeLagLowerBound: boolean;
  trend: Trend;
  status: LagStatus;
  /** The rule that decided the status, in words. */
  reason: string;
  /** Time to catch up at the rates seen; 0 when caught up; null when not gaining on the producers. */
  etaMs: number | null;
  /** Client id of the live member that owns the partition; null when no member owns it. */
  clientId: string | null;
}

export interface LagReportGroup {
  groupId: string;
  /** True for our sink's group (config groupId). */
  ours: boolean;
  /** Kafka's group state: Stable, Empty, PreparingRebalance, ... */
  state: string;
  members: number;
  /** The worst status of its partitions with a commit; UNKNOWN when it has none. */
  status: LagStatus;
  totalLag: number | null;
  maxTimeLagMs: number | null;
  partitions: LagReportPartition[];
}

export type OverallStatus = Exclude<LagStatus, 'UNKNOWN'>;

export interface LagReport {
  version: typeof LAG_REPORT_VERSION;
  /** The last look, ISO 8601 UTC. */
  sampledAt: string;
  /** Looks the statuses and trends are based on, and the time from the first to the last. */
  samples: number;
  sampleSpanMs: number;
  ourGroupId: string;
  /** The toll topics that exist (the ones a group is listed for). */
  topics: string[];
  /** The worst status over the groups shown; OK when there are none. Exit code 1 unless OK. */
  status: OverallStatus;
  groups: LagReportGroup[];
}

export function buildReport(look: LagLook, ourGroupId: string, selected: readonly string[] = []): LagReport {
  const groups = look.groups
    .filter((g) => selected.length === 0 || selected.includes(g.groupId))
    .map(reportGroup);
  return {
    version: LAG_REPORT_VERSION,
    sampledAt: new Date(look.at).toISOString(),
    samples: look.samples,
    sampleSpanMs: look.spanMs,
    ourGroupId,
    topics: look.topics,
    status: groups.reduce<OverallStatus>(
      (worst, g) => (g.status !== 'UNKNOWN' && severity(g.status) > severity(worst) ? g.status : worst),
      'OK',
    ),
    groups,
  };
}

function reportGroup(g: GroupLagDetail): LagReportGroup {
  const ages = g.partitions.map((p) => p.timeLagMs).filter((ms): ms is number => ms !== null);
  return {
    groupId: g.groupId,
    ours: g.ours,
    state: g.state,
    members: g.members,
    status: g.status,
    totalLag: g.totalLag,
    maxTimeLagMs: ages.length ? Math.max(...ages) : null,
    partitions: g.partitions.map((p) => ({
      topic: p.topic,
      partition: p.partition,
      currentOffset: p.committed,
      logEndOffset: p.highWatermark,
      lag: p.lag,
      timeLagMs: p.timeLagMs,
      timeLagLowerBound: p.timeLagLowerBound,
      trend: p.trend,
      status: p.status,
      reason: p.reason,
      etaMs: p.etaMs,
      clientId: p.owner,
    })),
  };
}

/** 0 when every partition (with a commit) of the groups shown is OK; 1 when any is WARN, STALL or STOP. */
export function exitCodeFor(report: LagReport): number {
  return report.status === 'OK' ? EXIT_LAG.ok : EXIT_LAG.lagging;
}

/** Under --watch JSON is one document per line (NDJSON) and CSV repeats no header after the first. */
export function renderReport(
  format: OutputFormat,
  report: LagReport,
  { watch = false, first = true }: { watch?: boolean; first?: boolean } = {},
): string {
  switch (format) {
    case 'table':
      return renderTable(report);
    case 'json':
      return `${watch ? JSON.stringify(report) : JSON.stringify(report, null, 2)}\n`;
    case 'csv':
      return renderCsv(report, { header: first });
    default: {
      const never: never = format;
      throw new Error(`unknown format ${String(never)}`);
    }
  }
}

const column = (name: string, numeric = false): QueryColumn => ({ name, type: '', numeric });

const PARTITION_COLUMNS = [
  column('GROUP'),
  column('TOPIC'),
  column('PARTITION', true),
  column('CURRENT-OFFSET', true),
  column('LOG-END-OFFSET', true),
  column('LAG', true),
  column('TIME-LAG', true),
  column('TREND'),
  column('STATUS'),
  column('ETA', true),
  column('CLIENT-ID'),
];

const GROUP_COLUMNS = [
  column('GROUP'),
  column('STATE'),
  column('MEMBERS', true),
  column('STATUS'),
  column('TOTAL-LAG', true),
  column('MAX-TIME-LAG', true),
];

export function timeLagText(ms: number | null, lowerBound: boolean): string {
  if (ms === null) return DASH;
  return `${lowerBound ? '≥' : ''}${formatDuration(ms)}`;
}

export function etaText(ms: number | null): string {
  if (ms === null) return DASH;
  return ms === 0 ? '0s' : formatDuration(ms);
}

function groupName(g: LagReportGroup): string {
  return g.ours ? `${g.groupId} (ours)` : g.groupId;
}

export function renderTable(report: LagReport): string {
  const out: string[] = [];
  if (report.groups.length === 0) {
    out.push(
      report.topics.length
        ? `no consumer group reads the toll topics (${report.topics.join(', ')})\n`
        : 'none of the toll topics exists yet\n',
    );
  } else {
    const rows = report.groups.flatMap((g) =>
      g.partitions.map((p) => [
        g.groupId,
        p.topic,
        String(p.partition),
        p.currentOffset ?? DASH,
        p.logEndOffset,
        p.lag === null ? DASH : String(p.lag),
        timeLagText(p.timeLagMs, p.timeLagLowerBound),
        p.trend,
        p.status,
        etaText(p.etaMs),
        p.clientId ?? DASH,
      ]),
    );
    out.push(formatTable(PARTITION_COLUMNS, rows), '\n');
    const groupRows = report.groups.map((g) => [
      groupName(g),
      g.state,
      String(g.members),
      g.status,
      g.totalLag === null ? DASH : String(g.totalLag),
      timeLagText(g.maxTimeLagMs, false),
    ]);
    out.push(formatTable(GROUP_COLUMNS, groupRows));
    const troubled = report.groups.flatMap((g) =>
      g.partitions
        .filter((p) => p.status === 'WARN' || p.status === 'STALL' || p.status === 'STOP')
        .map((p) => `  ${g.groupId} ${p.topic}[${p.partition}] ${p.status}: ${p.reason}`),
    );
    if (troubled.length) out.push('\n', ...troubled.map((l) => `${l}\n`));
  }
  if (!report.groups.some((g) => g.ours) && report.topics.length) {
    out.push(`\nour group ${report.ourGroupId} has no offsets on the toll topics\n`);
  }
  out.push(
    `\n${report.status} · ${report.samples} ${report.samples === 1 ? 'look' : 'looks'} over ${formatDuration(report.sampleSpanMs)}, the last at ${report.sampledAt}\n`,
  );
  return out.join('');
}

const CSV_COLUMNS = [
  'sampled_at',
  'group',
  'ours',
  'group_state',
  'members',
  'topic',
  'partition',
  'current_offset',
  'log_end_offset',
  'lag',
  'time_lag_ms',
  'time_lag_lower_bound',
  'trend',
  'status',
  'eta_ms',
  'client_id',
  'reason',
].map((name) => column(name));

/** One record per partition; empty fields where JSON has null. */
export function renderCsv(report: LagReport, { header = true } = {}): string {
  const rows = report.groups.flatMap((g) =>
    g.partitions.map((p) => [
      report.sampledAt,
      g.groupId,
      g.ours,
      g.state,
      g.members,
      p.topic,
      p.partition,
      p.currentOffset,
      p.logEndOffset,
      p.lag,
      p.timeLagMs,
      p.timeLagLowerBound,
      p.trend,
      p.status,
      p.etaMs,
      p.clientId,
      p.reason,
    ]),
  );
  const text = formatCsv(CSV_COLUMNS, rows);
  return header ? text : text.slice(text.indexOf('\r\n') + 2);
}
