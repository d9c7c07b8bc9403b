/** Snapshots for engines this process does not run, so panes render an honest "not here" instead of crashing. */
import type {
  ClusterSnapshot,
  LagSnapshot,
  ProducersSnapshot,
  SinkSnapshot,
} from '../../src/engines/types.ts';

export function emptySinkSnapshot(groupId = ''): SinkSnapshot {
  return {
    status: { kind: 'idle' },
    groupId,
    assignment: {},
    consumed: 0,
    persisted: 0,
    payments: 0,
    plazas: 0,
    deadLettered: 0,
    deadLetterReasons: {},
    alreadyPresent: 0,
    ratePerSec: 0,
    latency: { p50Ms: null, p99Ms: null, maxMs: null, count: 0 },
    recent: [],
    bucketMs: 1000,
    throughput: [],
  };
}

export function emptyProducersSnapshot(): ProducersSnapshot {
  return { producers: [], totals: { sent: 0, acked: 0, failed: 0, ratePerSec: 0 } };
}

export function emptyLagSnapshot(): LagSnapshot {
  return { status: { kind: 'idle' }, sampledAt: null, groups: [] };
}

export function emptyClusterSnapshot(): ClusterSnapshot {
  return {
    zookeeper: { reachable: false },
    brokers: { up: 0, total: 0, controller: null },
    mysql: { reachable: false },
    checkedAt: null,
  };
}
