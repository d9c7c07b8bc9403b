/**
 * Waiting for the stack's processes: ports free before a start, a killed broker's registration expired, and
 * "ready" meaning the process answers (not merely runs). A process that dies or never answers becomes one
 * StackError naming its log and the lines that explain it.
 */
import { StackError } from './errors.ts';
import type { BrokerEndpoint, Endpoint } from './layout.ts';
import { address, brokerLabel } from './layout.ts';
import type { Started } from './processes.ts';
import { describeProcess, isAlive, portFree, tailLog, whoListens } from './processes.ts';
import type { Progress } from './progress.ts';
import { seconds, stopwatch } from './timing.ts';
import { sleep } from '../util/backoff.ts';
import { fourLetterWord, registeredBrokerIds } from './zookeeper.ts';

export async function requireFreePort(label: string, e: Endpoint): Promise<void> {
  if (await portFree(e.host, e.port)) return;
  const owner = whoListens(e.port);
  const who = owner ? ` by pid ${owner.pid} (${describeProcess(owner.pid)})` : ' by another process';
  throw new StackError(
    `cannot start ${label}: port ${e.port} is already in use${who}, which this stack did not start; ` +
      'stop it or choose other ports (--zookeeper, --brokers host:port)',
    { part: label },
  );
}

/**
 * A broker killed without shutting down stays registered until its ZooKeeper session expires; a new process
 * with the same id would fail with NodeExistsException meanwhile.
 */
export async function waitForExpiredRegistrations(
  zookeeper: Endpoint,
  brokers: BrokerEndpoint[],
  progress: Progress,
  zookeeperLog: string,
  timeoutMs = 30_000,
): Promise<void> {
  const stale = async (): Promise<BrokerEndpoint[]> => {
    const ids = registeredBrokerIds(await fourLetterWord(zookeeper, 'dump').catch(() => ''));
    return brokers.filter((b) => ids.has(b.id));
  };
  let left = await stale();
  if (!left.length) return;
  const watch = stopwatch();
  for (const b of left) {
    progress(
      `broker ${b.id}`,
      `${address(b)} still registered from its previous run; waiting for that session to expire …`,
    );
  }
  while (left.length) {
    if (watch() > timeoutMs) {
      throw new StackError(
        `${left.map(brokerLabel).join(', ')}: the previous registration in ZooKeeper did not expire within ${seconds(timeoutMs)} ` +
          '(is another broker with the same id using this ZooKeeper?)',
        { part: brokerLabel(left[0]!), logFile: zookeeperLog },
      );
    }
    await sleep(250);
    left = await stale();
  }
  progress('brokers', `previous registrations expired (${seconds(watch())})`);
}

export interface WaitSpec {
  label: string;
  what: string;
  /** The process this run started (its exit is noticed at once), or null for one already running. */
  proc: Started | null;
  pid: number;
  /** Log sizes when this run started the process: earlier lines belong to earlier runs and are not shown. */
  logFrom: { log: number; out: number };
  logFile: string;
  outFile: string;
  timeoutMs: number;
  probe: () => Promise<boolean>;
}

export async function waitReady(spec: WaitSpec): Promise<void> {
  const deadline = Date.now() + spec.timeoutMs;
  for (;;) {
    const died = spec.proc ? spec.proc.exitReason() : isAlive(spec.pid) ? null : 'the process is gone';
    if (died) throw await failure(spec, `${spec.label} exited during start-up (${died})`);
    const ok = await spec.probe().catch(() => false);
    if (ok) return;
    if (Date.now() > deadline) {
      throw await failure(spec, `${spec.label} did not ${spec.what} within ${seconds(spec.timeoutMs)}`);
    }
    await sleep(200);
  }
}

/** The error for a process that did not come up, naming the log that explains it. */
async function failure(spec: WaitSpec, message: string): Promise<StackError> {
  // The JVM's own output (.out) holds start failures before logging begins; otherwise the log4j file tells.
  const logTail = await tailLog(spec.logFile, { fromByte: spec.logFrom.log });
  const outTail = (await tailLog(spec.outFile, { fromByte: spec.logFrom.out })).filter(
    (l) => !/^log4j:WARN/.test(l),
  );
  const useOut = logTail.length === 0 && outTail.length > 0;
  return new StackError(message, {
    part: spec.label,
    logFile: useOut || logTail.length === 0 ? spec.outFile : spec.logFile,
    logTail: useOut ? outTail : logTail,
  });
}
