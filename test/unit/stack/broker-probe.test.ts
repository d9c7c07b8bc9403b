import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { brokerAnswers } from '../../../src/stack/broker.ts';

let server: net.Server | undefined;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

/** A fake broker: `reply` gets the request bytes and returns the response (or null to stay silent). */
async function fakeBroker(reply: (request: Buffer) => Buffer | null): Promise<number> {
  server = net.createServer((socket) => {
    socket.on('error', () => {});
    socket.once('data', (d: Buffer) => {
      const r = reply(d);
      if (r) socket.write(r);
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  return (server.address() as AddressInfo).port;
}

describe('brokerAnswers', () => {
  it('sends ApiVersions v0 and accepts an answer carrying its correlation id', async () => {
    let seen: Buffer | undefined;
    const port = await fakeBroker((req) => {
      seen = req;
      const res = Buffer.alloc(10);
      res.writeInt32BE(6, 0);
      req.copy(res, 4, 8, 12); // correlation id
      return res;
    });
    expect(await brokerAnswers({ host: '127.0.0.1', port })).toBe(true);
    expect(seen!.readInt32BE(0)).toBe(seen!.length - 4);
    expect(seen!.readInt16BE(4)).toBe(18); // ApiVersions
    expect(seen!.readInt16BE(6)).toBe(0);
  });

  it('a bound port that does not answer (a broker still starting) is not ready', async () => {
    const port = await fakeBroker(() => null);
    expect(await brokerAnswers({ host: '127.0.0.1', port }, 300)).toBe(false);
  });

  it('a wrong correlation id or a closed port is not ready', async () => {
    const port = await fakeBroker(() => Buffer.from([0, 0, 0, 6, 0, 0, 0, 1, 0, 0]));
    expect(await brokerAnswers({ host: '127.0.0.1', port })).toBe(false);
    await new Promise<void>((r) => server!.close(() => r()));
    server = undefined;
    expect(await brokerAnswers({ host: '127.0.0.1', port })).toBe(false);
  });
});
