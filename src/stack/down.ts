/**
 * `stack down`: stops the JVMs this state dir's `up` started — brokers first (so they can shut down cleanly
 * while ZooKeeper still runs), then ZooKeeper — each SIGTERM, then SIGKILL after a grace period. A process is
 * only signalled when its command line carries this state dir's marker. MySQL is the machine's and stays up.
 */
import { readdirSync, rmSync, rmdirSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/config.ts';
import { address } from './layout.ts';
import { PURGEABLE, stackPaths } from './paths.ts';
import { commandLine, isAlive, stackMarker, stopProcess } from './processes.ts';
import { readRecord, writeRecord } from './record.ts';
import { StackError } from './errors.ts';
import { seconds, stopwatch } from './timing.ts';
import type { Progress } from './up.ts';

export interface DownOptions {
  purge?: boolean;
  progress?: Progress;
  brokerGraceMs?: number;
  zookeeperGraceMs?: number;
}

export interface DownResult {
  /** Labels and how each ended: "broker 0 (127.0.0.1:9092)" -> stopped | killed. */
  stopped: { label: string; pid: number; how: 'stopped' | 'killed' | 'gone' }[];
  purged: boolean;
}

interface Target {
  /** The progress column: "broker 0", "ZooKeeper". */
  part: string;
  /** What is stopped, as `status` names it: "broker 0 (127.0.0.1:9092)". */
  label: string;
  where: string;
  pid: number;
  kind: 'broker' | 'zookeeper';
}

/** Every live process whose command line carries this state dir's marker (recorded or not). */
export function stackProcesses(stateDir: string): { pid: number; kind: 'broker' | 'zookeeper' | 'other' }[] {
  const marker = stackMarker(stateDir);
  const out: { pid: number; kind: 'broker' | 'zookeeper' | 'other' }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    const argv = commandLine(pid);
    if (!argv.includes(marker) || !isAlive(pid)) continue;
    const kind = argv.includes('kafka.Kafka')
      ? 'broker'
      : argv.includes('org.apache.zookeeper.server.quorum.QuorumPeerMain')
        ? 'zookeeper'
        : 'other';
    out.push({ pid, kind });
  }
  return out;
}

export async function stackDown(config: Config, options: DownOptions = {}): Promise<DownResult> {
  const progress = options.progress ?? (() => {});
  const paths = stackPaths(config.stateDir);
  const record = readRecord(paths.record);

  // The record names the processes; the marker scan also finds ones an interrupted `up` did not record.
  const targets: Target[] = stackProcesses(paths.stateDir)
    .filter((p) => p.kind !== 'other')
    .map((p): Target => {
      if (p.kind === 'broker') {
        const b = record?.brokers.find((r) => r.pid === p.pid);
        return b
          ? {
              part: `broker ${b.id}`,
              label: `broker ${b.id} (${address(b)})`,
              where: address(b),
              pid: p.pid,
              kind: 'broker',
            }
          : {
              part: 'broker',
              label: `broker (pid ${p.pid})`,
              where: 'unrecorded',
              pid: p.pid,
              kind: 'broker',
            };
      }
      const zk = record?.zookeeper.pid === p.pid ? record.zookeeper : null;
      return {
        part: 'ZooKeeper',
        label: zk ? `ZooKeeper ${address(zk)}` : `ZooKeeper (pid ${p.pid})`,
        where: zk ? address(zk) : 'unrecorded',
        pid: p.pid,
        kind: 'zookeeper',
      };
    });

  const stopped: DownResult['stopped'] = [];
  const stopAll = async (kind: Target['kind'], graceMs: number): Promise<void> => {
    await Promise.all(
      targets
        .filter((t) => t.kind === kind)
        .map(async (t) => {
          const watch = stopwatch();
          const how = await stopProcess(t.pid, { graceMs });
          stopped.push({ label: t.label, pid: t.pid, how });
          progress(
            t.part,
            `${t.where} ${how === 'killed' ? `killed after ${seconds(graceMs)} grace` : 'stopped'} (pid ${t.pid}, ${seconds(watch())})`,
          );
        }),
    );
  };
  if (!targets.length) progress('stack', `nothing running in ${paths.stateDir}`);
  await stopAll('broker', options.brokerGraceMs ?? 30_000);
  await stopAll('zookeeper', options.zookeeperGraceMs ?? 10_000);

  if (record) {
    record.zookeeper.pid = null;
    record.zookeeper.startedAt = null;
    for (const b of record.brokers) {
      b.pid = null;
      b.startedAt = null;
    }
    record.startedAt = null;
    writeRecord(paths.record, record);
  }

  let purged = false;
  if (options.purge) {
    const left = stackProcesses(paths.stateDir);
    if (left.length) {
      throw new StackError(
        `not purging ${paths.stateDir}: processes of this stack still run (pids ${left.map((p) => p.pid).join(', ')})`,
        { part: 'stack' },
      );
    }
    purged = purge(paths.stateDir);
    progress('stack', purged ? `purged ${paths.stateDir}` : `nothing to purge in ${paths.stateDir}`);
  }
  return { stopped, purged };
}

/** Deletes what the stack created in the state dir (never the jar cache or foreign files). */
function purge(stateDir: string): boolean {
  let entries: string[];
  try {
    entries = readdirSync(stateDir);
  } catch {
    return false;
  }
  const ours = entries.filter((e) => PURGEABLE.test(e));
  for (const e of ours) rmSync(path.join(stateDir, e), { recursive: true, force: true });
  try {
    rmdirSync(stateDir); // only succeeds when nothing else (e.g. the jar cache) is left
  } catch {
    /* kept: it holds other things */
  }
  return ours.length > 0;
}
