/**
 * The stack's health as data: `stackStatus(config)` probes ZooKeeper, every broker, the topics and MySQL, and
 * `evaluateStatus` turns the findings into problems (something is down: non-zero exit) and warnings. Printing
 * lives in command.ts; the monitor's header reuses the same object.
 */
import type { Config } from '../config/config.ts';
import { KafkaAdmin } from '../kafka/admin.ts';
import type { ClusterInfo, TopicSpec } from '../kafka/admin.ts';
import { createKafka } from '../kafka/client.ts';
import { Storage, escapeId } from '../storage/db.ts';
import { schemaFileVersion } from '../storage/schema.ts';
import { brokerAnswers, brokerMetadata } from './broker.ts';
import type { BrokerCount, Endpoint } from './layout.ts';
import { address, parseEndpoint } from './layout.ts';
import { mysqlLabel } from './mysql.ts';
import { stackPaths } from './paths.ts';
import { isOurProcess, portOpen, stackMarker } from './processes.ts';
import { readRecord } from './record.ts';
import { withTimeout } from '../util/timeout.ts';
import { stopwatch } from './timing.ts';
import { topicPlan } from './topics.ts';
import { fourLetterWord, parseSrvr } from './zookeeper.ts';

export type ZooKeeperStatus = { address: string; pid: number | null } & (
  | { state: 'up'; mode: string | null; version: string | null; latencyMs: number }
  | { state: 'down'; error: string }
);

export type BrokerStatus = {
  /** null when the broker is only known by its configured address (no stack record) and did not answer. */
  id: number | null;
  address: string;
  pid: number | null;
  /** False for a broker the cluster reports but neither the record nor the configuration names. */
  expected: boolean;
} & ({ state: 'up'; controller: boolean; latencyMs: number } | { state: 'down'; error: string });

export type TopicStatus = { topic: string; plan: TopicSpec } & (
  | {
      state: 'present';
      partitions: number;
      replicationFactor: number;
      compacted: boolean;
      minInsyncReplicas: number | null;
      /** Partitions whose leader is gone: nothing can be read or written there. */
      leaderless: number;
      underReplicated: number;
    }
  | { state: 'missing' }
  /** No broker answered, so nothing is known about the topic. */
  | { state: 'unknown'; error: string }
);

export type MysqlStatus = { address: string; expectedSchemaVersion: number } & (
  | { state: 'up'; version: string; schemaVersion: number | null; latencyMs: number }
  | { state: 'down'; error: string }
);

export interface StackStatus {
  checkedAt: string;
  stateDir: string;
  /** What `stack up` recorded for this state dir, or null when it never ran here (status of external services). */
  recorded: { brokerCount: BrokerCount; startedAt: string | null } | null;
  zookeeper: ZooKeeperStatus;
  brokers: BrokerStatus[];
  cluster: { clusterId: string; controller: number | null } | null;
  topics: TopicStatus[];
  mysql: MysqlStatus;
  /** Each names the part that is down; non-empty means `stack status` exits non-zero. */
  problems: string[];
  warnings: string[];
  ok: boolean;
}

export type StackFindings = Omit<StackStatus, 'problems' | 'warnings' | 'ok'>;

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export async function stackStatus(config: Config, { timeoutMs = 4000 } = {}): Promise<StackStatus> {
  const findings = await probeStack(config, timeoutMs);
  return { ...findings, ...evaluateStatus(findings) };
}

async function probeStack(config: Config, timeoutMs: number): Promise<StackFindings> {
  const paths = stackPaths(config.stateDir);
  const record = readRecord(paths.record);
  const marker = stackMarker(paths.stateDir);
  const zkEndpoint: Endpoint = record ? record.zookeeper : parseEndpoint(config.zookeeper);
  const zkPid = record && isOurProcess(record.zookeeper.pid, marker) ? record.zookeeper.pid : null;
  const expected: { id: number | null; endpoint: Endpoint; pid: number | null }[] = record
    ? record.brokers.map((b) => ({ id: b.id, endpoint: b, pid: isOurProcess(b.pid, marker) ? b.pid : null }))
    : config.kafka.brokers.map((b) => ({ id: null, endpoint: parseEndpoint(b), pid: null }));

  const [zookeeper, probed, mysql] = await Promise.all([
    probeZooKeeper(zkEndpoint, zkPid, timeoutMs),
    Promise.all(expected.map((b) => probeBroker(config, b.endpoint, timeoutMs))),
    probeMysql(config, timeoutMs),
  ]);

  const cluster = probed.find((p) => p.cluster)?.cluster ?? null;
  const registered = new Set(cluster?.brokers.map((b) => b.nodeId) ?? []);
  const brokers: BrokerStatus[] = expected.map((b, i) => {
    const p = probed[i]!;
    const byAddress = cluster?.brokers.find((c) => c.host === b.endpoint.host && c.port === b.endpoint.port);
    const id = b.id ?? byAddress?.nodeId ?? null;
    const base = { id, address: address(b.endpoint), pid: b.pid, expected: true };
    if (!p.cluster) return { ...base, state: 'down', error: p.error };
    if (id === null || !registered.has(id)) {
      return { ...base, state: 'down', error: 'answers but is not registered in the cluster' };
    }
    return { ...base, state: 'up', controller: cluster?.controller === id, latencyMs: p.latencyMs };
  });
  const known = new Set(brokers.map((b) => b.id));
  for (const c of cluster?.brokers ?? []) {
    if (known.has(c.nodeId)) continue;
    brokers.push({
      id: c.nodeId,
      address: address({ host: c.host, port: c.port }),
      pid: null,
      expected: false,
      state: 'up',
      controller: cluster?.controller === c.nodeId,
      latencyMs: 0,
    });
  }

  const brokerCount: BrokerCount = record?.brokerCount ?? (brokers.length >= 3 ? 3 : 1);
  const live = brokers.filter((b) => b.state === 'up').map((b) => b.address);
  const topics = await probeTopics(config, live, topicPlan(brokerCount, config.topics), timeoutMs);

  return {
    checkedAt: new Date().toISOString(),
    stateDir: paths.stateDir,
    recorded: record ? { brokerCount: record.brokerCount, startedAt: record.startedAt } : null,
    zookeeper,
    brokers,
    cluster: cluster ? { clusterId: cluster.clusterId, controller: cluster.controller } : null,
    topics,
    mysql,
  };
}

async function probeZooKeeper(
  endpoint: Endpoint,
  pid: number | null,
  timeoutMs: number,
): Promise<ZooKeeperStatus> {
  const base = { address: address(endpoint), pid };
  try {
    const watch = stopwatch();
    const answer = (await fourLetterWord(endpoint, 'ruok', timeoutMs)).trim();
    const latencyMs = Math.round(watch());
    if (answer !== 'imok')
      return { ...base, state: 'down', error: `answered ruok with "${answer || '(nothing)'}"` };
    const info = parseSrvr(await fourLetterWord(endpoint, 'srvr', timeoutMs).catch(() => ''));
    return { ...base, state: 'up', mode: info.mode, version: info.version, latencyMs };
  } catch (e) {
    return { ...base, state: 'down', error: notListening(e) };
  }
}

const notListening = (e: unknown): string =>
  (e as { code?: string }).code === 'ECONNREFUSED' ? 'not listening' : message(e);

type BrokerProbe = { cluster: ClusterInfo; latencyMs: number } | { cluster: null; error: string };

async function probeBroker(config: Config, endpoint: Endpoint, timeoutMs: number): Promise<BrokerProbe> {
  if (!(await portOpen(endpoint.host, endpoint.port, Math.min(1000, timeoutMs)))) {
    return { cluster: null, error: 'not listening' };
  }
  if (!(await brokerAnswers(endpoint, timeoutMs)))
    return { cluster: null, error: 'listening but not answering requests' };
  try {
    const watch = stopwatch();
    const cluster = await brokerMetadata(config.kafka, endpoint, timeoutMs);
    return { cluster, latencyMs: Math.round(watch()) };
  } catch (e) {
    return { cluster: null, error: `no metadata answer: ${message(e)}` };
  }
}

async function probeTopics(
  config: Config,
  liveBrokers: string[],
  plan: TopicSpec[],
  timeoutMs: number,
): Promise<TopicStatus[]> {
  if (!liveBrokers.length) {
    return plan.map((p) => ({ topic: p.topic, plan: p, state: 'unknown', error: 'no broker answers' }));
  }
  const admin = new KafkaAdmin(
    createKafka({ ...config.kafka, brokers: liveBrokers }, { clientIdSuffix: '-status' }),
  );
  const connecting = admin.connect();
  try {
    return await withTimeout(
      (async () => {
        await connecting;
        const existing = new Set(await admin.listTopics());
        const present = plan.filter((p) => existing.has(p.topic)).map((p) => p.topic);
        const described = present.length ? await admin.describeTopics(present) : [];
        const configs = await Promise.all(
          present.map((t) => admin.topicConfig(t, ['cleanup.policy', 'min.insync.replicas'])),
        );
        return plan.map((p): TopicStatus => {
          const i = present.indexOf(p.topic);
          const d = described.find((x) => x.topic === p.topic);
          if (i < 0 || !d) return { topic: p.topic, plan: p, state: 'missing' };
          const c = configs[i] ?? {};
          return {
            topic: p.topic,
            plan: p,
            state: 'present',
            partitions: d.partitions.length,
            replicationFactor: Math.max(0, ...d.partitions.map((x) => x.replicas.length)),
            compacted: (c['cleanup.policy'] ?? '').split(',').includes('compact'),
            minInsyncReplicas: c['min.insync.replicas'] ? Number(c['min.insync.replicas']) : null,
            leaderless: d.partitions.filter((x) => x.leader < 0).length,
            underReplicated: d.partitions.filter((x) => x.isr.length < x.replicas.length).length,
          };
        });
      })(),
      timeoutMs * 2,
      'topic metadata',
    );
  } catch (e) {
    return plan.map((p) => ({ topic: p.topic, plan: p, state: 'unknown', error: message(e) }));
  } finally {
    void connecting.then(() => admin.disconnect()).catch(() => {});
  }
}

async function probeMysql(config: Config, timeoutMs: number): Promise<MysqlStatus> {
  const url = new URL(config.mysql.url);
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  url.pathname = '/'; // a missing database is a finding, not a connection failure
  const base = { address: mysqlLabel(config.mysql.url), expectedSchemaVersion: schemaFileVersion() };
  const storage = await Storage.open({
    url: url.toString(),
    ssl: config.mysql.ssl,
    ...(config.mysql.sslCaFile ? { sslCaFile: config.mysql.sslCaFile } : {}),
    connectionLimit: 1,
  });
  try {
    return await withTimeout(
      (async (): Promise<MysqlStatus> => {
        const watch = stopwatch();
        const [row] = await storage.query<{ version: string }>('SELECT VERSION() AS version');
        const latencyMs = Math.round(watch());
        let schemaVersion: number | null = null;
        if (database) {
          const rows = await storage
            .query<{ version: number }>(
              `SELECT version FROM ${escapeId(database)}.schema_version WHERE id = 1`,
            )
            .catch(() => []);
          schemaVersion = rows[0]?.version ?? null;
        }
        return { ...base, state: 'up', version: row?.version ?? 'unknown', schemaVersion, latencyMs };
      })(),
      timeoutMs * 2,
      'MySQL',
    );
  } catch (e) {
    return { ...base, state: 'down', error: notListening((e as { cause?: unknown }).cause ?? e) };
  } finally {
    await storage.close();
  }
}

/** Pure: what is down (problems) and what is merely off-plan (warnings). */
export function evaluateStatus(f: StackFindings): { problems: string[]; warnings: string[]; ok: boolean } {
  const problems: string[] = [];
  const warnings: string[] = [];
  if (f.zookeeper.state === 'down')
    problems.push(`ZooKeeper (${f.zookeeper.address}) is down: ${f.zookeeper.error}`);
  for (const b of f.brokers) {
    if (b.state === 'down') {
      problems.push(`broker${b.id === null ? '' : ` ${b.id}`} (${b.address}) is down: ${b.error}`);
    } else if (!b.expected) {
      warnings.push(`broker ${b.id} (${b.address}) is in the cluster but not part of this stack`);
    }
  }
  for (const t of f.topics) {
    switch (t.state) {
      case 'missing':
        problems.push(`topic ${t.topic} is missing (run "tollstream stack up")`);
        break;
      case 'unknown':
        break; // the brokers' problems already say why
      case 'present':
        if (t.leaderless) problems.push(`topic ${t.topic} has ${t.leaderless} partition(s) without a leader`);
        if (t.partitions !== t.plan.partitions) {
          warnings.push(`topic ${t.topic} has ${t.partitions} partitions (planned ${t.plan.partitions})`);
        }
        if (t.replicationFactor !== t.plan.replicationFactor) {
          warnings.push(
            `topic ${t.topic} has replication factor ${t.replicationFactor} (planned ${t.plan.replicationFactor})`,
          );
        }
        if (t.compacted !== (t.plan.config?.['cleanup.policy'] === 'compact')) {
          warnings.push(`topic ${t.topic} is ${t.compacted ? '' : 'not '}compacted, unlike the plan`);
        }
        if (t.underReplicated)
          warnings.push(`topic ${t.topic} has ${t.underReplicated} under-replicated partition(s)`);
        break;
      default: {
        const never: never = t;
        throw new Error(`unhandled topic state ${JSON.stringify(never)}`);
      }
    }
  }
  const m = f.mysql;
  if (m.state === 'down') {
    problems.push(`MySQL (${m.address}) is down: ${m.error}`);
  } else if (m.schemaVersion === null) {
    problems.push(`MySQL ${m.address} has no tollstream schema (run "tollstream stack up")`);
  } else if (m.schemaVersion < m.expectedSchemaVersion) {
    problems.push(
      `MySQL ${m.address} schema version ${m.schemaVersion} is older than schema.sql's ${m.expectedSchemaVersion} (run "tollstream stack up")`,
    );
  } else if (m.schemaVersion > m.expectedSchemaVersion) {
    warnings.push(
      `MySQL ${m.address} schema version ${m.schemaVersion} is newer than schema.sql's ${m.expectedSchemaVersion}`,
    );
  }
  return { problems, warnings, ok: problems.length === 0 };
}
