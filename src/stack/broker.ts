/**
 * Kafka brokers for the stack: their server.properties (a dev cluster on loopback, ZooKeeper mode) and the
 * readiness probe — a broker counts as ready when it answers a metadata request itself and that answer lists
 * every broker of the stack.
 */
import type { Config } from '../config/config.ts';
import { KafkaAdmin } from '../kafka/admin.ts';
import type { ClusterInfo } from '../kafka/admin.ts';
import { createKafka } from '../kafka/client.ts';
import { renderProperties } from './jvm.ts';
import type { BrokerEndpoint, Endpoint } from './layout.ts';
import { address } from './layout.ts';
import { withTimeout } from './timing.ts';

export interface BrokerPropertiesInput {
  broker: BrokerEndpoint;
  zookeeper: Endpoint;
  dataDir: string;
  brokerCount: number;
}

export function brokerProperties({ broker, zookeeper, dataDir, brokerCount }: BrokerPropertiesInput): string {
  const listener = `PLAINTEXT://${address(broker)}`;
  const replicas = Math.min(3, brokerCount);
  return renderProperties(
    {
      'broker.id': broker.id,
      listeners: listener,
      'advertised.listeners': listener,
      'zookeeper.connect': address(zookeeper),
      'zookeeper.connection.timeout.ms': 18_000,
      // A killed broker's registration disappears after this; short, so `status` and a restart see it soon.
      'zookeeper.session.timeout.ms': 10_000,
      'log.dirs': dataDir,
      'num.partitions': 6,
      'default.replication.factor': replicas,
      'min.insync.replicas': 1,
      'offsets.topic.replication.factor': replicas,
      'transaction.state.log.replication.factor': replicas,
      'transaction.state.log.min.isr': Math.min(2, brokerCount),
      // Fewer internal partitions than the default 50: a 2-core dev box creates them noticeably faster.
      'offsets.topic.num.partitions': 12,
      'transaction.state.log.num.partitions': 12,
      'group.initial.rebalance.delay.ms': 0,
      'auto.create.topics.enable': false,
      'delete.topic.enable': true,
      'num.network.threads': 2,
      'num.io.threads': 4,
      'num.recovery.threads.per.data.dir': 1,
      'log.retention.hours': 168,
      'log.segment.bytes': 256 * 1024 * 1024,
    },
    'Written by `tollstream stack up`; regenerated on every start.',
  );
}

/**
 * Asks one broker (and only that one) for cluster metadata. Bounded by `timeoutMs`: a broker that has bound
 * its port but does not process requests yet would otherwise hold the request for the client's full timeout.
 */
export async function brokerMetadata(
  kafka: Config['kafka'],
  broker: Endpoint,
  timeoutMs = 3000,
): Promise<ClusterInfo> {
  const admin = new KafkaAdmin(
    createKafka({ ...kafka, brokers: [address(broker)] }, { clientIdSuffix: '-stack-probe' }),
  );
  const connecting = admin.connect();
  // Disconnect once the connect attempt settles, even after a timeout, so no client outlives the probe.
  const release = (): void => void connecting.then(() => admin.disconnect()).catch(() => {});
  try {
    return await withTimeout(
      connecting.then((a) => a.cluster()),
      timeoutMs,
      `broker ${address(broker)}`,
    );
  } finally {
    release();
  }
}

/** True when the metadata lists every expected broker id. */
export function allRegistered(cluster: ClusterInfo, ids: number[]): boolean {
  const seen = new Set(cluster.brokers.map((b) => b.nodeId));
  return ids.every((id) => seen.has(id));
}
