import { memo } from 'react';
import type { ReactNode } from 'react';
import { Box } from 'ink';
import type {
  ClusterSnapshot,
  LagSnapshot,
  ProducersSnapshot,
  SinkSnapshot,
} from '../../src/engines/types.ts';
import { formatCompact, formatCount, formatDuration, formatRate, formatUptime } from '../format/format.ts';
import { Segments } from '../widgets/Segments.tsx';
import type { Cell } from '../widgets/columns.ts';
import type { Label } from '../theme/theme.ts';
import { rateOver } from './rates.ts';
import type { Sample } from './rates.ts';

const SEP: Cell = { text: ' │ ', tone: 'muted' };
const CHECKING: Label = { text: 'CHECKING', tone: 'muted' };

export function zookeeperLabel(c: ClusterSnapshot): Label {
  if (c.checkedAt === null) return CHECKING;
  return c.zookeeper.reachable ? { text: 'OK', tone: 'good' } : { text: 'DOWN', tone: 'bad' };
}

export function brokersLabel(c: ClusterSnapshot): Label {
  if (c.checkedAt === null) return CHECKING;
  const { up, total } = c.brokers;
  if (total > 0 && up >= total) return { text: 'OK', tone: 'good' };
  if (up > 0) return { text: 'DEGRADED', tone: 'warn' };
  return { text: 'DOWN', tone: 'bad' };
}

export function mysqlLabel(c: ClusterSnapshot): Label {
  if (c.checkedAt === null) return CHECKING;
  return c.mysql.reachable ? { text: 'OK', tone: 'good' } : { text: 'DOWN', tone: 'bad' };
}

function clusterLine(c: ClusterSnapshot, uptimeMs: number, wide: boolean): Cell[] {
  const zk = zookeeperLabel(c);
  const br = brokersLabel(c);
  const my = mysqlLabel(c);
  const zkDetail = c.zookeeper.reachable
    ? [
        c.zookeeper.mode,
        c.zookeeper.latencyMs === undefined ? undefined : `${Math.round(c.zookeeper.latencyMs)}ms`,
      ]
        .filter(Boolean)
        .join(' ')
    : (c.zookeeper.error ?? '');
  const brDetail =
    c.brokers.total > 0 || c.checkedAt !== null
      ? `${c.brokers.up}/${c.brokers.total}${wide ? ' up' : ''}${c.brokers.controller === null ? '' : `, ${wide ? 'controller' : 'ctrl'} ${c.brokers.controller}`}`
      : '';
  // "10.11.19-MariaDB-0+deb12u1": the distribution's build suffix says nothing a person needs here.
  const version = (c.mysql.version ?? '').replace(/-\d+\+[^-]*$/, '');
  const myDetail = c.mysql.reachable
    ? wide
      ? version
      : (version.split('-')[0] ?? '')
    : (c.mysql.error ?? '');
  const cells: Cell[] = [
    ...(wide ? [{ text: 'tollstream', bold: true, tone: 'accent' as const }, SEP] : []),
    { text: wide ? 'ZooKeeper ' : 'ZK ' },
    { text: zk.text, tone: zk.tone, bold: true },
    { text: zkDetail ? ` ${zkDetail}` : '' },
    SEP,
    { text: wide ? 'Brokers ' : 'Kafka ' },
    { text: br.text, tone: br.tone, bold: true },
    { text: brDetail ? ` ${brDetail}` : '' },
    SEP,
    { text: 'MySQL ' },
    { text: my.text, tone: my.tone, bold: true },
    { text: myDetail ? ` ${myDetail}` : '' },
    SEP,
    { text: `up ${formatUptime(uptimeMs)}` },
  ];
  return cells;
}

function totalsLine(
  producers: ProducersSnapshot | null,
  sink: SinkSnapshot | null,
  lag: LagSnapshot,
  dlqRate: number,
  wide: boolean,
): Cell[] {
  const n = wide ? formatCount : formatCompact;
  const ours = lag.groups.find((g) => g.ours);
  const cells: Cell[] = [];
  cells.push(
    { text: 'produced ' },
    { text: producers ? n(producers.totals.acked) : '—', bold: true },
    { text: producers ? ` ${formatRate(producers.totals.ratePerSec)}` : '' },
  );
  if (producers && producers.totals.failed > 0) {
    cells.push({ text: ` failed ${n(producers.totals.failed)}`, tone: 'bad' });
  }
  cells.push(
    SEP,
    { text: 'persisted ' },
    { text: sink ? n(sink.persisted) : '—', bold: true },
    { text: sink ? ` ${formatRate(sink.ratePerSec)}` : '' },
    SEP,
  );
  // MySQL refusing the writes for good (a privilege, the schema) stops persisting until someone acts: its cause
  // takes the rest of the line, where a person looks first, instead of hiding in the log.
  if (sink?.status.kind === 'error' && sink.status.permanent) {
    cells.push({ text: 'SINK ERROR ', tone: 'bad', bold: true }, { text: sink.status.message, tone: 'bad' });
    return cells;
  }
  cells.push(
    { text: wide ? 'dead-lettered ' : 'DLQ ' },
    {
      text: sink ? n(sink.deadLettered) : '—',
      bold: true,
      ...(sink && sink.deadLettered > 0 ? { tone: 'warn' as const } : {}),
    },
    { text: sink ? ` ${formatRate(dlqRate)}` : '' },
    SEP,
    { text: 'lag ' },
    { text: ours?.totalLag === null || ours === undefined ? '—' : n(ours.totalLag), bold: true },
  );
  if (sink && sink.latency.p99Ms !== null) {
    cells.push(SEP, { text: `${wide ? 'latency ' : ''}p99 ${formatDuration(sink.latency.p99Ms)}` });
  }
  return cells;
}

export const Header = memo(function Header({
  cluster,
  producers,
  sink,
  lag,
  deadLetters,
  now,
  startedAt,
  width,
}: {
  cluster: ClusterSnapshot;
  producers: ProducersSnapshot | null;
  sink: SinkSnapshot | null;
  lag: LagSnapshot;
  deadLetters: readonly Sample[];
  now: number;
  startedAt: number;
  width: number;
}): ReactNode {
  const wide = width >= 110;
  return (
    <Box flexDirection="column" width={width} height={2} flexShrink={0}>
      <Segments cells={clusterLine(cluster, now - startedAt, wide)} />
      <Segments cells={totalsLine(producers, sink, lag, rateOver(deadLetters, now), wide)} />
    </Box>
  );
});
