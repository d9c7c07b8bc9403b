/**
 * The cluster header's model: ZooKeeper (reachable, mode, round-trip latency of `ruok`), Kafka brokers (up out of
 * total, controller) and MySQL (reachable, version), refreshed every `intervalMs`.
 *
 * Brokers registered in ZooKeeper are not visible over the four-letter words, so the broker total is the largest
 * of: the bootstrap list, the brokers alive in the metadata, and the broker ids named as partition replicas.
 *
 * The three probes run side by side, each with its own deadline, so a hung one (the Kafka client retries for a
 * long time) never freezes the other two. A probe still running from an earlier round is not started again —
 * refreshes never overlap — and shows as "no answer" until it returns. Rounds with a failure wait longer
 * (exponential backoff with jitter) before the next one.
 */
import type { Config } from '../config/config.ts';
import { createKafka } from '../kafka/client.ts';
import { KafkaAdmin } from '../kafka/admin.ts';
import { fourLetterWord, parseSrvr } from '../stack/zookeeper.ts';
import { parseEndpoint } from '../stack/layout.ts';
import { Storage } from '../storage/db.ts';
import { backoffDelay, sleep } from '../util/backoff.ts';
import { settleWithin, TimeoutError, withTimeout } from '../util/timeout.ts';
import { createLogger } from '../util/log.ts';
import type { Logger } from '../util/log.ts';
import { ThrottledStore } from '../util/store.ts';
import type { ClusterSnapshot, Engine } from './types.ts';

export interface ClusterMonitorOptions {
  intervalMs?: number;
  /** Deadline of each probe (default: the interval, at least 2 s). */
  probeTimeoutMs?: number;
  logger?: Logger;
}

type Part<K extends keyof ClusterSnapshot> = ClusterSnapshot[K];

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export async function probeZookeeper(address: string, timeoutMs: number): Promise<Part<'zookeeper'>> {
  const endpoint = parseEndpoint(address);
  try {
    const started = performance.now();
    const answer = (await fourLetterWord(endpoint, 'ruok', timeoutMs)).trim();
    const latencyMs = Math.round((performance.now() - started) * 10) / 10;
    if (answer !== 'imok') return { reachable: false, latencyMs, error: `answered "${answer}" to ruok` };
    // srvr may be switched off (4lw.commands.whitelist): still reachable, just without a mode.
    const mode = await fourLetterWord(endpoint, 'srvr', timeoutMs)
      .then((text) => parseSrvr(text).mode ?? undefined)
      .catch(() => undefined);
    return { reachable: true, latencyMs, ...(mode ? { mode } : {}) };
  } catch (e) {
    return { reachable: false, error: message(e) };
  }
}

export async function probeBrokers(admin: KafkaAdmin, configured: number): Promise<Part<'brokers'>> {
  try {
    await admin.connect();
    const [cluster, topics] = await Promise.all([admin.cluster(), admin.describeTopics()]);
    // Metadata lists only the brokers alive now. A broker that is down still appears as a replica of its
    // partitions, and the bootstrap list says how many we were told exist: the total is the largest of these.
    const known = new Set(cluster.brokers.map((b) => b.nodeId));
    for (const t of topics) for (const p of t.partitions) for (const r of p.replicas) known.add(r);
    return {
      up: cluster.brokers.length,
      total: Math.max(configured, known.size),
      controller: cluster.controller,
    };
  } catch (e) {
    await admin.disconnect().catch(() => {});
    return { up: 0, total: configured, controller: null, error: message(e) };
  }
}

export async function probeMysql(storage: Storage): Promise<Part<'mysql'>> {
  try {
    const [row] = await storage.query<{ version: string }>('SELECT VERSION() AS version');
    return { reachable: true, version: row?.version ?? 'unknown' };
  } catch (e) {
    return { reachable: false, error: message(e) };
  }
}

/** The server part of a MySQL URL: reachability should not depend on the database existing yet. */
export function serverUrl(url: string): string {
  const u = new URL(url);
  u.pathname = '/';
  return u.toString();
}

/** Runs `probe` unless its previous run is still going; gives up waiting (not the probe) after `timeoutMs`. */
function guarded<T>(noAnswer: () => T, timeoutMs: number) {
  let running: Promise<T> | undefined;
  return async (probe: () => Promise<T>): Promise<T> => {
    running ??= probe().finally(() => {
      running = undefined;
    });
    try {
      return await withTimeout(running, timeoutMs, 'probe');
    } catch (e) {
      if (e instanceof TimeoutError) return noAnswer();
      throw e;
    }
  };
}

export function createClusterMonitor(
  config: Config,
  options: ClusterMonitorOptions = {},
): Engine<ClusterSnapshot> {
  const intervalMs = options.intervalMs ?? 2000;
  const timeoutMs = options.probeTimeoutMs ?? Math.max(2000, intervalMs);
  const log = options.logger ?? createLogger('cluster');
  const kafka = createKafka(config.kafka, { logger: log.child('kafka'), clientIdSuffix: '-cluster' });
  const admin = new KafkaAdmin(kafka);
  const configuredBrokers = config.kafka.brokers.length;
  let storage: Storage | undefined;

  let snapshot: ClusterSnapshot = {
    zookeeper: { reachable: false },
    brokers: { up: 0, total: configuredBrokers, controller: null },
    mysql: { reachable: false },
    checkedAt: null,
  };
  const store = new ThrottledStore<ClusterSnapshot>(() => snapshot);
  const noAnswer = `no answer within ${timeoutMs} ms`;
  const zk = guarded<Part<'zookeeper'>>(() => ({ reachable: false, error: noAnswer }), timeoutMs);
  const brokers = guarded<Part<'brokers'>>(
    () => ({ up: 0, total: configuredBrokers, controller: null, error: noAnswer }),
    timeoutMs,
  );
  const mysql = guarded<Part<'mysql'>>(() => ({ reachable: false, error: noAnswer }), timeoutMs);

  async function round(): Promise<boolean> {
    storage ??= await Storage.open({
      url: serverUrl(config.mysql.url),
      ssl: config.mysql.ssl,
      ...(config.mysql.sslCaFile ? { sslCaFile: config.mysql.sslCaFile } : {}),
      connectionLimit: 1,
    });
    const db = storage;
    const [z, b, m] = await Promise.all([
      zk(() => probeZookeeper(config.zookeeper, timeoutMs)),
      brokers(() => probeBrokers(admin, configuredBrokers)),
      mysql(() => probeMysql(db)),
    ]);
    if (stopped) return true;
    snapshot = { zookeeper: z, brokers: b, mysql: m, checkedAt: Date.now() };
    store.touch();
    return z.reachable && !b.error && b.up === b.total && m.reachable;
  }

  let controller: AbortController | undefined;
  let loop: Promise<void> | undefined;
  let stopped = false;

  async function run(signal: AbortSignal): Promise<void> {
    let attempt = 0;
    while (!signal.aborted) {
      let healthy = false;
      try {
        healthy = await round();
      } catch (e) {
        log.warn(`cluster check failed: ${message(e)}`);
      }
      attempt = healthy ? 0 : attempt + 1;
      const delay = healthy
        ? intervalMs
        : Math.max(intervalMs, backoffDelay(attempt - 1, { initialMs: intervalMs, maxMs: 30_000 }));
      await sleep(delay, signal);
    }
  }

  return {
    store,
    async start() {
      if (loop) return;
      controller = new AbortController();
      loop = run(controller.signal);
    },
    async stop() {
      if (!controller || controller.signal.aborted) return;
      controller.abort();
      // Probes are bounded by their deadline; one stuck past it finishes on its own and publishes nothing.
      await settleWithin(loop, timeoutMs, 'the cluster probe loop');
      stopped = true;
      await admin.disconnect().catch(() => {});
      await storage?.close();
      store.dispose();
    },
  };
}
