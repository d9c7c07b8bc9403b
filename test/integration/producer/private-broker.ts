/**
 * A throw-away ZooKeeper + Kafka broker (own ports and data under a temp dir), for tests that stop the broker.
 * The shared broker is never touched. JVM heaps are small: the box has 2 cores and several users.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { javaBinary } from '../../../src/stack/jvm.ts';
import { jarCache } from '../../../src/stack/paths.ts';
import { portOpen } from '../../../src/stack/processes.ts';
import { freePort, waitFor } from '../../helpers/services.ts';

export interface PrivateBroker {
  bootstrap: string;
  /** Stops the broker process (ZooKeeper keeps running). */
  stopBroker(signal?: NodeJS.Signals): Promise<void>;
  startBroker(): Promise<void>;
  /** SIGSTOP / SIGCONT: the broker keeps its connections but answers nothing until resumed. */
  pause(): void;
  resume(): void;
  close(): Promise<void>;
}

function java(main: string, props: string, log: string): ChildProcess {
  return spawn(
    javaBinary(),
    ['-Xmx256m', '-Dlog4j.configuration=file:/dev/null', '-cp', path.join(jarCache().dir, '*'), main, props],
    { stdio: ['ignore', 'ignore', 'ignore'], env: { ...process.env, LOG_DIR: log } },
  );
}

const exited = (child: ChildProcess): Promise<void> =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((r) => child.once('exit', () => r()));

export async function startPrivateBroker(): Promise<PrivateBroker> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tollstream-broker-'));
  const zkPort = await freePort();
  const brokerPort = await freePort();
  const zkProps = path.join(dir, 'zookeeper.properties');
  writeFileSync(
    zkProps,
    [
      `dataDir=${path.join(dir, 'zk')}`,
      `clientPort=${zkPort}`,
      'clientPortAddress=127.0.0.1',
      'admin.enableServer=false',
      'maxClientCnxns=0',
    ].join('\n'),
  );
  const serverProps = path.join(dir, 'server.properties');
  writeFileSync(
    serverProps,
    [
      'broker.id=0',
      `listeners=PLAINTEXT://127.0.0.1:${brokerPort}`,
      `zookeeper.connect=127.0.0.1:${zkPort}`,
      `log.dirs=${path.join(dir, 'kafka')}`,
      'offsets.topic.replication.factor=1',
      'offsets.topic.num.partitions=3',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'group.initial.rebalance.delay.ms=0',
      'auto.create.topics.enable=false',
      'num.partitions=3',
      // After a SIGKILL the old registration lingers in ZooKeeper until its session expires; keep that short.
      'zookeeper.session.timeout.ms=6000',
    ].join('\n'),
  );
  const zk = java('org.apache.zookeeper.server.quorum.QuorumPeerMain', zkProps, dir);
  await waitFor(() => portOpen('127.0.0.1', zkPort, 500), { timeoutMs: 60_000, what: 'private ZooKeeper' });
  let broker: ChildProcess | undefined;
  // A broker restarted within the ZooKeeper session of one killed before it exits at once (its id is still
  // registered); launch again until one stays up and listens.
  const startBroker = async (): Promise<void> => {
    let dead = true;
    await waitFor(
      async () => {
        if (dead) {
          const child = java('kafka.Kafka', serverProps, dir);
          broker = child;
          dead = false;
          child.once('exit', () => {
            if (broker === child) dead = true;
          });
        }
        return !dead && (await portOpen('127.0.0.1', brokerPort, 500));
      },
      { timeoutMs: 90_000, intervalMs: 500, what: 'private Kafka broker' },
    );
  };
  const stopBroker = async (signal: NodeJS.Signals = 'SIGKILL'): Promise<void> => {
    if (!broker) return;
    const b = broker;
    broker = undefined;
    b.kill(signal);
    await exited(b);
  };
  await startBroker();
  return {
    bootstrap: `127.0.0.1:${brokerPort}`,
    stopBroker,
    startBroker,
    pause: () => broker?.kill('SIGSTOP'),
    resume: () => broker?.kill('SIGCONT'),
    async close() {
      broker?.kill('SIGCONT');
      await stopBroker('SIGKILL');
      zk.kill('SIGKILL');
      await exited(zk);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
