/**
 * MySQL for the stack: the configured server (started when it is this machine's MariaDB and down), the
 * database, schema.sql, and the SELECT-only reader account. The server is the machine's: `down` never stops it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Config } from '../config/config.ts';
import { redactUrl } from '../config/config.ts';
import { Storage } from '../storage/db.ts';
import { applySchema, ensureReaderAccount } from '../storage/schema.ts';
import { sleep } from '../util/backoff.ts';
import { StackError } from './errors.ts';
import { isLocalHost } from './layout.ts';
import { ensureReaderSecret } from './reader.ts';

export const MARIADBD = '/usr/sbin/mariadbd';
const MARIADB_LOG = '/var/log/mysql/error.log';

/** host:port/database of a MySQL URL, without credentials, for messages. */
export function mysqlLabel(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || 3306}${u.pathname}`;
  } catch {
    return redactUrl(url);
  }
}

export interface MysqlReady {
  version: string;
  schemaVersion: number;
  /** True when this run started the machine's MariaDB. */
  startedServer: boolean;
  readerAccount: 'created' | 'ensured' | 'configured';
}

const unreachable = (e: unknown): boolean =>
  ['ECONNREFUSED', 'ENOENT', 'EHOSTUNREACH'].includes((e as { code?: string }).code ?? '');

async function openWithDatabase(config: Config): Promise<Storage> {
  return Storage.open({
    url: config.mysql.url,
    ssl: config.mysql.ssl,
    ...(config.mysql.sslCaFile ? { sslCaFile: config.mysql.sslCaFile } : {}),
    createDatabase: true,
  });
}

export async function ensureMysql(
  config: Config,
  {
    onStartServer,
    signal,
  }: { onStartServer?: (how: 'starting' | 'waiting') => void; signal?: AbortSignal } = {},
): Promise<MysqlReady> {
  const label = mysqlLabel(config.mysql.url);
  const database = decodeURIComponent(new URL(config.mysql.url).pathname.replace(/^\//, ''));
  if (!database) {
    throw new StackError(`mysql.url names no database (${redactUrl(config.mysql.url)})`, {
      part: 'MySQL',
      exitCode: 2,
    });
  }
  let storage: Storage;
  let startedServer = false;
  try {
    storage = await openWithDatabase(config);
  } catch (e) {
    const host = new URL(config.mysql.url).hostname;
    if (!unreachable(e) || !isLocalHost(host) || !existsSync(MARIADBD)) {
      throw new StackError(`MySQL ${label} is not reachable: ${(e as Error).message}`, {
        part: 'MySQL',
        cause: e,
      });
    }
    // A mariadbd that already runs is either still starting or listening elsewhere: wait briefly, start nothing.
    const running = mariadbRunning();
    onStartServer?.(running ? 'waiting' : 'starting');
    if (!running) {
      startMariadb();
      startedServer = true;
    }
    const timeoutMs = running ? 10_000 : 30_000;
    storage = await poll(() => openWithDatabase(config), timeoutMs, signal).catch((e2: unknown) => {
      throw new StackError(
        running
          ? `MySQL ${label} is not reachable (${(e as Error).message}); ${MARIADBD} already runs, so it listens elsewhere or is stuck: check mysql.url`
          : `started ${MARIADBD} but MySQL ${label} still does not answer: ${(e2 as Error).message}`,
        { part: 'MySQL', ...(existsSync(MARIADB_LOG) ? { logFile: MARIADB_LOG } : {}), cause: e2 },
      );
    });
  }
  try {
    const schemaVersion = await applySchema(storage, database);
    let readerAccount: MysqlReady['readerAccount'] = 'configured';
    if (!config.mysql.readerUrl) {
      const { password, created } = ensureReaderSecret(config.stateDir);
      await ensureReaderAccount(storage, database, password);
      readerAccount = created ? 'created' : 'ensured';
    }
    const [row] = await storage.query<{ version: string }>('SELECT VERSION() AS version');
    return { version: row?.version ?? 'unknown', schemaVersion, startedServer, readerAccount };
  } catch (e) {
    if (e instanceof StackError) throw e;
    throw new StackError(`MySQL ${label}: ${(e as Error).message}`, { part: 'MySQL', cause: e });
  } finally {
    await storage.close();
  }
}

/** Retries `attempt` every 250 ms until it resolves, `timeoutMs` passes or `signal` aborts. */
async function poll<T>(attempt: () => Promise<T>, timeoutMs: number, signal?: AbortSignal): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch (e) {
      if (Date.now() > deadline) throw e;
      if (signal?.aborted) throw new Error('aborted', { cause: e });
    }
    await sleep(250, signal);
  }
}

function mariadbRunning(): boolean {
  // --test without --oknodo: exit 1 means "already running".
  const res = spawnSync('start-stop-daemon', ['--start', '--test', '--exec', MARIADBD], { encoding: 'utf8' });
  return res.status === 1;
}

function startMariadb(): void {
  const res = spawnSync('start-stop-daemon', ['--start', '--oknodo', '--background', '--exec', MARIADBD], {
    encoding: 'utf8',
  });
  if (res.error || res.status !== 0) {
    throw new StackError(
      `cannot start ${MARIADBD} with start-stop-daemon: ${res.error?.message ?? (res.stderr.trim() || `exit ${res.status}`)}`,
      { part: 'MySQL', ...(existsSync(MARIADB_LOG) ? { logFile: MARIADB_LOG } : {}) },
    );
  }
}
