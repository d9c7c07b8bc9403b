/**
 * ZooKeeper for the stack: its configuration, and a client for the four-letter-word commands (`ruok`, `srvr`)
 * over a plain TCP socket, which is how readiness and status are checked.
 */
import net from 'node:net';
import { renderProperties } from './jvm.ts';
import type { Endpoint } from './layout.ts';

/**
 * The commands the stack's ZooKeeper answers; everything else stays disabled. `dump` lists ephemeral nodes:
 * `up` uses it to wait until a killed broker's registration has expired before starting it again (otherwise
 * the new broker exits with NodeExistsException).
 */
export const FOUR_LETTER_WORDS = ['ruok', 'srvr', 'stat', 'mntr', 'dump'] as const;
export type FourLetterWord = (typeof FOUR_LETTER_WORDS)[number];

export function zookeeperProperties({ host, port, dataDir }: Endpoint & { dataDir: string }): string {
  return renderProperties(
    {
      dataDir,
      clientPort: port,
      clientPortAddress: host,
      tickTime: 2000,
      maxClientCnxns: 0,
      'admin.enableServer': false,
      '4lw.commands.whitelist': FOUR_LETTER_WORDS.join(','),
      'autopurge.snapRetainCount': 3,
      'autopurge.purgeInterval': 1,
    },
    'Written by `tollstream stack up`; regenerated on every start.',
  );
}

/** Sends one four-letter word and returns the whole answer (the server closes the connection after it). */
export function fourLetterWord(
  { host, port }: Endpoint,
  word: FourLetterWord,
  timeoutMs = 2000,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    const chunks: Buffer[] = [];
    socket.setTimeout(timeoutMs, () =>
      socket.destroy(new Error(`no answer to ${word} within ${timeoutMs} ms`)),
    );
    socket.once('connect', () => socket.write(word));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.once('error', reject);
    socket.once('close', (hadError) => {
      if (!hadError) resolve(Buffer.concat(chunks).toString('utf8'));
    });
  });
}

export interface ServerInfo {
  version: string | null;
  /** standalone, leader, follower, observer ... */
  mode: string | null;
  latency: { min: number; avg: number; max: number } | null;
  connections: number | null;
  outstanding: number | null;
  zxid: string | null;
  nodeCount: number | null;
}

/** Parses the answer to `srvr` (also fits `stat`, which adds the client list). */
export function parseSrvr(text: string): ServerInfo {
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    const i = line.indexOf(':');
    if (i > 0) fields.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
  }
  const num = (key: string): number | null => {
    const v = fields.get(key);
    return v !== undefined && /^\d+$/.test(v) ? Number(v) : null;
  };
  const latency = /^(\d+(?:\.\d+)?)\/(\d+(?:\.\d+)?)\/(\d+(?:\.\d+)?)$/.exec(
    fields.get('latency min/avg/max') ?? '',
  );
  return {
    version: fields.get('zookeeper version')?.split(/[-,]/)[0]?.trim() || null,
    mode: fields.get('mode') ?? null,
    latency: latency ? { min: Number(latency[1]), avg: Number(latency[2]), max: Number(latency[3]) } : null,
    connections: num('connections'),
    outstanding: num('outstanding'),
    zxid: fields.get('zxid') ?? null,
    nodeCount: num('node count'),
  };
}

/** Broker ids registered in ZooKeeper (ephemeral /brokers/ids/N nodes), from the answer to `dump`. */
export function registeredBrokerIds(dump: string): Set<number> {
  const ids = new Set<number>();
  for (const m of dump.matchAll(/^\s*\/brokers\/ids\/(\d+)\s*$/gm)) ids.add(Number(m[1]));
  return ids;
}

/** True when ZooKeeper answers `ruok` with `imok`. */
export async function zookeeperOk(endpoint: Endpoint, timeoutMs = 2000): Promise<boolean> {
  try {
    return (await fourLetterWord(endpoint, 'ruok', timeoutMs)).trim() === 'imok';
  } catch {
    return false;
  }
}
