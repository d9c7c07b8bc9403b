/**
 * Flattens the lag snapshot into display lines: a header line per consumer group (ours first, then the most
 * troubled) followed by its partitions in the chosen order. The pane windows over these lines.
 */
import type { GroupLag, LagSnapshot, PartitionLag } from '../../src/engines/types.ts';
import { lagSeverity } from '../theme/theme.ts';
import type { LagSort } from './state.ts';

export type LagLine =
  { kind: 'group'; group: GroupLag } | { kind: 'partition'; group: GroupLag; partition: PartitionLag };

function bigLag(p: PartitionLag): number {
  return p.lag ?? -1;
}

/** Severity for sorting: a partition nothing was ever written to has nothing to consume, so it goes last. */
function rank(p: PartitionLag): number {
  return p.status === 'UNKNOWN' && p.highWatermark === '0' ? -1 : lagSeverity(p.status);
}

export function comparePartitions(sort: LagSort): (a: PartitionLag, b: PartitionLag) => number {
  const byPosition = (a: PartitionLag, b: PartitionLag): number =>
    a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1;
  switch (sort) {
    case 'partition':
      return byPosition;
    case 'lag':
      return (a, b) => bigLag(b) - bigLag(a) || byPosition(a, b);
    case 'timeLag':
      return (a, b) => (b.timeLagMs ?? -1) - (a.timeLagMs ?? -1) || byPosition(a, b);
    case 'status':
      return (a, b) => rank(b) - rank(a) || bigLag(b) - bigLag(a) || byPosition(a, b);
    default: {
      const never: never = sort;
      return never;
    }
  }
}

export function orderGroups(groups: readonly GroupLag[]): GroupLag[] {
  return [...groups].sort(
    (a, b) =>
      Number(b.ours) - Number(a.ours) ||
      lagSeverity(b.status) - lagSeverity(a.status) ||
      (a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0),
  );
}

export function lagLines(snapshot: LagSnapshot, sort: LagSort): LagLine[] {
  const out: LagLine[] = [];
  const compare = comparePartitions(sort);
  for (const group of orderGroups(snapshot.groups)) {
    out.push({ kind: 'group', group });
    for (const partition of [...group.partitions].sort(compare))
      out.push({ kind: 'partition', group, partition });
  }
  return out;
}
