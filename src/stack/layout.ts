/**
 * The stack's addresses, derived from the configuration: ZooKeeper where `zookeeper` points, broker 0 on the
 * configured bootstrap port and broker i on that port + i (9092, 9093, 9094 for three brokers).
 */
import type { Config } from '../config/config.ts';
import { StackError } from './errors.ts';

export const BROKER_COUNTS = [1, 3] as const;
export type BrokerCount = (typeof BROKER_COUNTS)[number];

export interface Endpoint {
  host: string;
  port: number;
}

export interface BrokerEndpoint extends Endpoint {
  id: number;
}

export interface StackLayout {
  zookeeper: Endpoint;
  brokers: BrokerEndpoint[];
}

export const address = ({ host, port }: Endpoint): string =>
  host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;

/** How messages name a broker: "broker 1 (127.0.0.1:9093)". */
export const brokerLabel = (b: BrokerEndpoint): string => `broker ${b.id} (${address(b)})`;

export function parseEndpoint(hostPort: string): Endpoint {
  const i = hostPort.lastIndexOf(':');
  return { host: hostPort.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(hostPort.slice(i + 1)) };
}

const LOCAL = new Set(['127.0.0.1', 'localhost', '::1']);
export const isLocalHost = (host: string): boolean => LOCAL.has(host.toLowerCase());

/** The processes bind loopback only; `localhost` becomes 127.0.0.1 so clients and listeners agree. */
const bindHost = (host: string): string => (host.toLowerCase() === 'localhost' ? '127.0.0.1' : host);

export function isBrokerCount(n: unknown): n is BrokerCount {
  return (BROKER_COUNTS as readonly unknown[]).includes(n);
}

export function stackLayout(config: Config, brokerCount: BrokerCount): StackLayout {
  const zookeeper = parseEndpoint(config.zookeeper);
  const bootstrap = parseEndpoint(config.kafka.brokers[0] ?? '127.0.0.1:9092');
  for (const [what, e] of [
    ['zookeeper', zookeeper],
    ['kafka.brokers', bootstrap],
  ] as const) {
    if (!isLocalHost(e.host)) {
      throw new StackError(
        `${what} points at ${address(e)}; the Docker-free stack runs on this machine only (use 127.0.0.1 or localhost)`,
        { part: 'config', exitCode: 2 },
      );
    }
  }
  if (bootstrap.port + brokerCount - 1 > 65535) {
    throw new StackError(`kafka.brokers port ${bootstrap.port} leaves no room for ${brokerCount} brokers`, {
      part: 'config',
      exitCode: 2,
    });
  }
  const brokers = Array.from({ length: brokerCount }, (_, id) => ({
    id,
    host: bindHost(bootstrap.host),
    port: bootstrap.port + id,
  }));
  const zk = { host: bindHost(zookeeper.host), port: zookeeper.port };
  const clash = brokers.find((b) => b.port === zk.port);
  if (clash) {
    throw new StackError(`ZooKeeper and broker ${clash.id} would share port ${zk.port}`, {
      part: 'config',
      exitCode: 2,
    });
  }
  return { zookeeper: zk, brokers };
}
