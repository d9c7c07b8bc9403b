/**
 * Starting the stack's JVMs: each start writes the process's configuration and log4j file under the state dir
 * (regenerated every time, so they always match the code) and spawns the JVM detached with a bounded heap.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { brokerProperties } from './broker.ts';
import { jvmArgs, log4jProperties } from './jvm.ts';
import type { BrokerEndpoint, Endpoint } from './layout.ts';
import type { StackPaths } from './paths.ts';
import type { Started } from './processes.ts';
import { spawnDetached } from './processes.ts';
import { zookeeperProperties } from './zookeeper.ts';

export const ZOOKEEPER_HEAP = { max: '256m', initial: '64m' };
export const BROKER_HEAP = { max: '512m', initial: '256m' };

export interface LaunchContext {
  java: string;
  jarDir: string;
  paths: StackPaths;
}

export function launchZooKeeper({ java, jarDir, paths }: LaunchContext, endpoint: Endpoint): Started {
  mkdirSync(paths.zookeeperData, { recursive: true });
  writeFileSync(
    paths.zookeeperProperties,
    zookeeperProperties({ ...endpoint, dataDir: paths.zookeeperData }),
  );
  writeFileSync(paths.zookeeperLog4j, log4jProperties(paths.zookeeperLog));
  return spawnDetached(
    java,
    jvmArgs({
      java,
      jarDir,
      heap: ZOOKEEPER_HEAP,
      log4jFile: paths.zookeeperLog4j,
      properties: { 'tollstream.stack': paths.stateDir, 'zookeeper.log.dir': paths.logsDir },
      mainClass: 'org.apache.zookeeper.server.quorum.QuorumPeerMain',
      args: [paths.zookeeperProperties],
    }),
    { outFile: paths.zookeeperOut, cwd: paths.stateDir },
  );
}

export function launchBroker(
  { java, jarDir, paths }: LaunchContext,
  { broker, zookeeper, brokerCount }: { broker: BrokerEndpoint; zookeeper: Endpoint; brokerCount: number },
): Started {
  const files = paths.broker(broker.id);
  mkdirSync(files.data, { recursive: true });
  writeFileSync(files.properties, brokerProperties({ broker, zookeeper, dataDir: files.data, brokerCount }));
  writeFileSync(files.log4j, log4jProperties(files.log));
  return spawnDetached(
    java,
    jvmArgs({
      java,
      jarDir,
      heap: BROKER_HEAP,
      log4jFile: files.log4j,
      properties: { 'tollstream.stack': paths.stateDir, 'kafka.logs.dir': paths.logsDir },
      mainClass: 'kafka.Kafka',
      args: [files.properties],
    }),
    { outFile: files.out, cwd: paths.stateDir },
  );
}
