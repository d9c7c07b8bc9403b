/**
 * Kafka brokers for the stack: their server.properties (a dev cluster on loopback, ZooKeeper mode) and the
 * readiness probe — a broker counts as ready when it answers a metadata request itself and that answer lists
 * every broker of the stack.
 */
import net from 'node:net';
import type { Config } from '../config/config.ts';
import { KafkaAdmin } from '../kafka/admin.ts';
import type { ClusterInfo } from '../kafka/admin.ts';
import { createKafka } from '../kafka/client.ts';
import { renderProperties } from './jvm.ts';
import type { BrokerEndpoint, Endpoint } from './layout.ts';
import { address } from './layout.ts';
import { withTimeout } from '../util/timeout.ts';

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
 * True when the broker answers an ApiVersions request (v0, raw over TCP). A broker binds its port before it
 * processes requests; probing with this first keeps the Kafka client away from that window, where its
 * connection attempt would hang and, once abandoned, could be left open.
 */
export function brokerAnswers({ host, port }: Endpoint, timeoutMs = 1000): Promise<boolean> {
  const correlationId = 0x7011;
  const clientId = Buffer.from('tollstream-stack-probe');
  const body = Buffer.alloc(2 + 2 + 4 + 2 + clientId.length);
  body.writeInt16BE(18, 0); // ApiVersions
  body.writeInt16BE(0, 2); // version 0
  body.writeInt32BE(correlationId, 4);
  body.writeInt16BE(clientId.length, 8);
  clientId.copy(body, 10);
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length);
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    let received = Buffer.alloc(0);
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => socket.write(Buffer.concat([size, body])));
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length >= 8) done(received.readInt32BE(4) === correlationId);
    });
    socket.once('error', () => done(false));
    socket.once('close', () => done(false));
  });
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
