/**
 * The lag monitor engine: every `intervalMs` it looks at the cluster (collect.ts), evaluates every consumer group
 * that reads toll topics (tracker.ts, Burrow's rules in burrow.ts) and publishes a LagSnapshot through a throttled
 * store. Refreshes run one after another in a single loop, so they never overlap; after an error the next try
 * waits with exponential backoff (k9s style), and the snapshot says so.
 */
import type { Config } from '../../config/config.ts';
import { createKafka } from '../../kafka/client.ts';
import { KafkaAdmin } from '../../kafka/admin.ts';
import { backoffDelay, sleep } from '../../util/backoff.ts';
import { settleWithin } from '../../util/timeout.ts';
import { createLogger } from '../../util/log.ts';
import type { Logger } from '../../util/log.ts';
import { ThrottledStore } from '../../util/store.ts';
import type { Engine, EngineStatus, LagSnapshot } from '../types.ts';
import { LagCollector } from './collect.ts';
import { LagTracker } from './tracker.ts';
import type { GroupLagDetail } from './tracker.ts';

export type { GroupLagDetail, PartitionLagDetail } from './tracker.ts';

export interface LagSnapshotDetail extends LagSnapshot {
  groups: GroupLagDetail[];
}

export interface LagMonitorOptions {
  /** The group shown first and marked ours (default config.groupId). */
  ourGroupId?: string;
  intervalMs?: number;
  /** Samples per Burrow window. */
  windowSize?: number;
  topics?: string[];
  /** Total-lag samples kept per group for the sparkline. */
  historySize?: number;
  logger?: Logger;
}

export interface LagMonitor extends Engine<LagSnapshotDetail> {
  /** Runs one refresh now (between scheduled ones); used by tests and a "refresh" key. */
  refresh(): Promise<void>;
}

export function createLagMonitor(config: Config, options: LagMonitorOptions = {}): LagMonitor {
  const intervalMs = options.intervalMs ?? 2000;
  const log = options.logger ?? createLogger('lag');
  const tracker = new LagTracker({
    ourGroupId: options.ourGroupId ?? config.groupId,
    windowSize: options.windowSize ?? 10,
    historySize: options.historySize ?? 120,
  });
  const kafka = createKafka(config.kafka, { logger: log.child('kafka'), clientIdSuffix: '-lag' });
  const admin = new KafkaAdmin(kafka);
  const collector = new LagCollector(admin, { topics: options.topics ?? Object.values(config.topics) });

  let status: EngineStatus = { kind: 'idle' };
  let sampledAt: number | null = null;
  let groups: GroupLagDetail[] = [];
  const store = new ThrottledStore<LagSnapshotDetail>(() => ({ status, sampledAt, groups }));
  let stopped = false;
  const set = (next: EngineStatus): void => {
    // A refresh that outlives stop() (stuck in the client's retries) must not overwrite the final state.
    if (stopped) return;
    status = next;
    store.touch();
  };

  let controller: AbortController | undefined;
  let loop: Promise<void> | undefined;
  // One refresh at a time: the loop and refresh() share this chain.
  let inFlight: Promise<void> = Promise.resolve();

  async function refreshOnce(): Promise<void> {
    // Kafka may take long to fail (the client retries); say so instead of showing stale numbers as fresh.
    const slow = setTimeout(
      () => set({ kind: 'error', message: 'Kafka has not answered yet', willRetry: true }),
      Math.max(5000, 2 * intervalMs),
    );
    try {
      await admin.connect();
      const observation = await collector.observe();
      if (stopped) return;
      groups = tracker.ingest(observation);
      sampledAt = observation.at;
      set({ kind: 'running' });
    } finally {
      clearTimeout(slow);
    }
  }

  function refresh(): Promise<void> {
    const run = inFlight.then(refreshOnce);
    inFlight = run.catch(() => {});
    return run;
  }

  async function run(signal: AbortSignal): Promise<void> {
    let attempt = 0;
    while (!signal.aborted) {
      try {
        await refresh();
        attempt = 0;
        await sleep(intervalMs, signal);
      } catch (e) {
        if (signal.aborted) break;
        const retryInMs = backoffDelay(attempt++, { initialMs: intervalMs, maxMs: 30_000 });
        const message = `cannot read consumer lag: ${(e as Error).message}`;
        log.warn(message, { retryInMs });
        set({ kind: 'error', message, willRetry: true, retryInMs });
        // A fresh connection next time: the old one may be half-dead.
        await admin.disconnect().catch(() => {});
        await sleep(retryInMs, signal);
      }
    }
  }

  return {
    store,
    refresh,
    async start() {
      if (loop) return;
      controller = new AbortController();
      set({ kind: 'connecting' });
      loop = run(controller.signal);
    },
    async stop() {
      if (!controller || controller.signal.aborted) return;
      controller.abort();
      // A refresh stuck in the Kafka client's retries (Kafka down) is not worth waiting for: quitting must not
      // hang on it. It finds `stopped` set when it returns and publishes nothing.
      await settleWithin(loop, 2000, 'the lag refresh');
      set({ kind: 'stopped' });
      stopped = true;
      store.dispose();
      await admin.disconnect().catch(() => {});
    },
  };
}
