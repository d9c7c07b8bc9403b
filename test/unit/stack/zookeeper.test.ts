import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  fourLetterWord,
  parseSrvr,
  registeredBrokerIds,
  zookeeperOk,
  zookeeperProperties,
} from '../../../src/stack/zookeeper.ts';

const SRVR = `Zookeeper version: 3.8.4-9316c2a7a97e1666d8f4593f34dd6fc36ecc436c, built on 2024-02-12 22:16 UTC
Latency min/avg/max: 0/6.3944/50
Received: 224
Sent: 229
Connections: 2
Outstanding: 0
Zxid: 0x5b
Mode: standalone
Node count: 85
`;

const DUMP = `SessionTracker dump:
Session Sets (4)/(1):
1 expire at Wed Nov 25 14:30:09 UTC 2026:
\t0x1000011211f0000
ephemeral nodes dump:
Sessions with Ephemerals (2):
0x1000011211f0000:
\t/controller
\t/brokers/ids/0
0x1000011211f0001:
\t/brokers/ids/12
Connections dump:
Connections Sets (2)/(2):
\tip: /127.0.0.1:57102 sessionId: 0x1000011211f0000
`;

describe('parseSrvr', () => {
  it('reads version, mode, latency and counters', () => {
    expect(parseSrvr(SRVR)).toEqual({
      version: '3.8.4',
      mode: 'standalone',
      latency: { min: 0, avg: 6.3944, max: 50 },
      connections: 2,
      outstanding: 0,
      zxid: '0x5b',
      nodeCount: 85,
    });
  });

  it('gives nulls for an answer that is not srvr output', () => {
    const info = parseSrvr('srvr is not executed because it is not in the whitelist.\n');
    expect(info.mode).toBeNull();
    expect(info.version).toBeNull();
    expect(info.latency).toBeNull();
  });
});

describe('registeredBrokerIds', () => {
  it('lists the ephemeral broker registrations of dump', () => {
    expect([...registeredBrokerIds(DUMP)].sort((a, b) => a - b)).toEqual([0, 12]);
    expect(registeredBrokerIds('dump is not executed because it is not in the whitelist.').size).toBe(0);
  });
});

describe('zookeeperProperties', () => {
  it('binds loopback, disables the admin server and whitelists the words the stack uses', () => {
    const text = zookeeperProperties({ host: '127.0.0.1', port: 22181, dataDir: '/s/zookeeper' });
    expect(text).toContain('clientPort=22181\n');
    expect(text).toContain('clientPortAddress=127.0.0.1\n');
    expect(text).toContain('dataDir=/s/zookeeper\n');
    expect(text).toContain('admin.enableServer=false\n');
    expect(text).toMatch(/^4lw\.commands\.whitelist=ruok,srvr,stat,mntr,dump$/m);
  });
});

describe('fourLetterWord', () => {
  let server: net.Server | undefined;
  afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

  /** A fake ZooKeeper: answers one word and closes, as the real one does. */
  async function fake(answer: (word: string) => string | null): Promise<number> {
    server = net.createServer((socket) => {
      socket.once('data', (d) => {
        const reply = answer(d.toString());
        if (reply === null) return; // never answer
        socket.end(reply);
      });
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
    return (server.address() as AddressInfo).port;
  }

  it('sends the word and returns the whole answer', async () => {
    const port = await fake((w) => (w === 'srvr' ? SRVR : 'x'));
    await expect(fourLetterWord({ host: '127.0.0.1', port }, 'srvr')).resolves.toBe(SRVR);
  });

  it('ruok -> imok means ready; anything else does not', async () => {
    const ok = await fake((w) => (w === 'ruok' ? 'imok' : ''));
    expect(await zookeeperOk({ host: '127.0.0.1', port: ok })).toBe(true);
    await new Promise<void>((r) => server!.close(() => r()));
    const silent = await fake(() => null);
    expect(await zookeeperOk({ host: '127.0.0.1', port: silent }, 200)).toBe(false);
  });

  it('rejects when nothing listens', async () => {
    const port = await fake(() => '');
    await new Promise<void>((r) => server!.close(() => r()));
    server = undefined;
    await expect(fourLetterWord({ host: '127.0.0.1', port }, 'ruok', 500)).rejects.toThrow(/ECONNREFUSED/);
  });
});
