import { afterEach, describe, expect, it } from 'vitest';
import net from 'node:net';
import { createClusterMonitor } from '../../../src/engines/cluster.ts';
import type { Engine, ClusterSnapshot } from '../../../src/engines/types.ts';
import { testConfig, waitFor } from '../../helpers/services.ts';

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('cluster monitor', () => {
  let monitor: Engine<ClusterSnapshot> | undefined;
  afterEach(async () => {
    await monitor?.stop();
    monitor = undefined;
  });

  it('shows ZooKeeper, the brokers and MySQL reachable, with mode, controller and version', async () => {
    const config = testConfig();
    monitor = createClusterMonitor(config, { intervalMs: 300 });
    await monitor.start();
    const s = await waitFor(
      () => {
        const snap = monitor!.store.getSnapshot();
        return snap.checkedAt !== null && snap.zookeeper.reachable && snap.mysql.reachable ? snap : undefined;
      },
      { what: 'a healthy cluster snapshot' },
    );
    expect(s.zookeeper.mode).toMatch(/standalone|leader|follower/);
    expect(s.zookeeper.latencyMs).toBeGreaterThanOrEqual(0);
    expect(s.zookeeper.error).toBeUndefined();
    expect(s.brokers.error).toBeUndefined();
    expect(s.brokers.up).toBeGreaterThanOrEqual(1);
    expect(s.brokers.up).toBe(s.brokers.total);
    expect(s.brokers.controller).not.toBeNull();
    expect(s.mysql.version).toMatch(/^\d+\.\d+\.\d+/);
    // Each round publishes a new snapshot.
    const first = s.checkedAt!;
    await waitFor(() => monitor!.store.getSnapshot().checkedAt! > first, { what: 'a second round' });
  });

  it('says what is unreachable, with the reason, without hanging the other probes', async () => {
    const [zkPort, kafkaPort, mysqlPort] = [await closedPort(), await closedPort(), await closedPort()];
    const config = testConfig({
      zookeeper: `127.0.0.1:${zkPort}`,
      brokers: `127.0.0.1:${kafkaPort}`,
      mysqlUrl: `mysql://root@127.0.0.1:${mysqlPort}/tollstream`,
    });
    monitor = createClusterMonitor(config, { intervalMs: 300, probeTimeoutMs: 1500 });
    await monitor.start();
    const s = await waitFor(
      () => {
        const snap = monitor!.store.getSnapshot();
        return snap.checkedAt !== null ? snap : undefined;
      },
      { what: 'a first round' },
    );
    expect(s.zookeeper).toMatchObject({ reachable: false, error: expect.stringMatching(/ECONNREFUSED/) });
    expect(s.brokers).toMatchObject({ up: 0, total: 1, controller: null, error: expect.any(String) });
    expect(s.mysql).toMatchObject({ reachable: false, error: expect.stringMatching(/ECONNREFUSED/) });
  });
});
