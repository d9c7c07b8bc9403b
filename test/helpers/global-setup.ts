/**
 * Integration tests need the running stack. This checks it once and fails fast with what to do, instead of
 * letting every test time out. `npm test` (scripts/test.js) brings the stack up before it gets here.
 */
import net from 'node:net';
import { loadConfig } from '../../src/config/config.ts';

function reachable(hostPort: string, timeoutMs = 2000): Promise<boolean> {
  const i = hostPort.lastIndexOf(':');
  const host = hostPort.slice(0, i).replace(/^\[|\]$/g, '');
  const port = Number(hostPort.slice(i + 1));
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    const done = (ok: boolean): void => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

export default async function setup(): Promise<void> {
  const cfg = loadConfig({}, process.env);
  const mysql = new URL(cfg.mysql.url);
  const checks: [string, string][] = [
    ...cfg.kafka.brokers.map((b) => [`Kafka broker ${b}`, b] as [string, string]),
    [`ZooKeeper ${cfg.zookeeper}`, cfg.zookeeper],
    [`MySQL ${mysql.hostname}:${mysql.port || 3306}`, `${mysql.hostname}:${mysql.port || 3306}`],
  ];
  const down: string[] = [];
  for (const [name, addr] of checks) if (!(await reachable(addr))) down.push(name);
  if (down.length) {
    throw new Error(
      `integration tests need the stack, but ${down.join(', ')} not reachable. Run "npm test" (starts it) or "npm run stack:up".`,
    );
  }
}
