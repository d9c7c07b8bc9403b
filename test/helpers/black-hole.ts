/**
 * A TCP proxy to a real server that can be frozen: after freeze() it accepts and keeps connections but forwards
 * nothing either way, like a server behind a network partition (nothing is closed, nothing answers).
 */
import net from 'node:net';

export interface BlackHole {
  port: number;
  freeze(): void;
  close(): Promise<void>;
}

export async function blackHoleProxy(host: string, port: number): Promise<BlackHole> {
  let frozen = false;
  const sockets = new Set<net.Socket>();
  const track = (s: net.Socket): void => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
  };
  const server = net.createServer((client) => {
    track(client);
    const upstream = net.connect(port, host);
    track(upstream);
    client.on('data', (d) => {
      if (!frozen) upstream.write(d);
    });
    upstream.on('data', (d) => {
      if (!frozen) client.write(d);
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    freeze() {
      frozen = true;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
