/**
 * Injecting one fault and recovering from it. Each fault runs to its recovery before the next begins (the
 * schedule spaces them; a slow recovery delays the next), and whatever it stopped is continued or restarted in a
 * `finally`, so a Ctrl-C in the middle of a fault never leaves a process paused.
 */
import type { Config } from '../config/config.ts';
import { stackPaths } from '../stack/paths.ts';
import type { PrivateMariaDb } from '../stack/private-mariadb.ts';
import { commandLine, isAlive, stackMarker } from '../stack/processes.ts';
import { readRecord } from '../stack/record.ts';
import { stackStatus } from '../stack/status.ts';
import { sleep } from '../util/backoff.ts';
import type { CliRun } from './cli.ts';
import { tail } from './cli.ts';
import type { RoleProcess } from './roles.ts';
import type { PlannedFault } from './schedule.ts';

export interface FaultWorld {
  config: Config;
  mariadb: PrivateMariaDb;
  producer: RoleProcess;
  sinks: RoleProcess[];
  /** `tollstream stack up` on the private stack. */
  stackUp(): Promise<CliRun>;
  /** Roles a fault holds down on purpose: the supervisor leaves them alone. */
  held: Set<RoleProcess>;
  signal: AbortSignal;
}

/** The PID of a broker of the private stack, checked against its command line (a recorded PID can be reused). */
export function brokerPid(stateDir: string, id: number): number | null {
  const record = readRecord(stackPaths(stateDir).record);
  const pid = record?.brokers.find((b) => b.id === id)?.pid ?? null;
  return pid !== null && isAlive(pid) && commandLine(pid).includes(stackMarker(stackPaths(stateDir).stateDir))
    ? pid
    : null;
}

async function waitGone(pid: number): Promise<void> {
  while (isAlive(pid)) await sleep(20);
}

/** Polls the stack until nothing is down and no partition is under-replicated; returns what still is not fine. */
async function stackHealthy(config: Config, timeoutMs: number, signal: AbortSignal): Promise<string | null> {
  const deadline = Date.now() + timeoutMs;
  let last = 'not checked';
  while (!signal.aborted) {
    try {
      const s = await stackStatus(config);
      const pending = [...s.problems, ...s.warnings.filter((w) => /under-replicated/.test(w))];
      if (!pending.length) return null;
      last = pending.join('; ');
    } catch (e) {
      last = (e as Error).message;
    }
    if (Date.now() > deadline) return last;
    await sleep(1000, signal);
  }
  return 'interrupted';
}

async function restartBrokers(world: FaultWorld): Promise<void> {
  let up = await world.stackUp();
  if (up.code !== 0 && !world.signal.aborted) {
    // A broker killed -9 stays registered in ZooKeeper for a while; `up` waits, but give it a second try.
    await sleep(5000, world.signal);
    up = await world.stackUp();
  }
  if (up.code !== 0) throw new Error(`stack up exited ${up.code}: ${tail(up.output)}`);
}

async function holdRole(
  world: FaultWorld,
  role: RoleProcess,
  holdMs: number,
  down: () => Promise<void> | void,
  up: () => void,
): Promise<void> {
  world.held.add(role);
  try {
    await down();
    await sleep(holdMs, world.signal);
  } finally {
    up();
    world.held.delete(role);
  }
}

/** Runs `fault` to its recovery; resolves with a note for the table (what recovery found), if any. */
export async function injectFault(fault: PlannedFault, world: FaultWorld): Promise<string | undefined> {
  const { config, signal } = world;
  const healthy = async (): Promise<string | undefined> => {
    const pending = await stackHealthy(config, 90_000, signal);
    return pending && pending !== 'interrupted' ? `not healthy 90 s after: ${pending}` : undefined;
  };
  switch (fault.kind) {
    case 'broker-kill': {
      const pid = brokerPid(config.stateDir, fault.target);
      if (pid === null) throw new Error(`broker ${fault.target} is not running`);
      try {
        process.kill(pid, 'SIGKILL');
        await waitGone(pid);
        await sleep(fault.holdMs, signal);
      } finally {
        // After a Ctrl-C the clean-up stops the stack anyway: no restart then.
        if (!signal.aborted) await restartBrokers(world);
      }
      return healthy();
    }
    case 'broker-stall': {
      const pid = brokerPid(config.stateDir, fault.target);
      if (pid === null) throw new Error(`broker ${fault.target} is not running`);
      try {
        process.kill(pid, 'SIGSTOP');
        await sleep(fault.holdMs, signal);
      } finally {
        try {
          process.kill(pid, 'SIGCONT');
        } catch {
          // it died while stopped: the health check below names it in the table
        }
      }
      return healthy();
    }
    case 'mariadb-kill': {
      try {
        await world.mariadb.kill('SIGKILL');
        await sleep(fault.holdMs, signal);
      } finally {
        if (!signal.aborted) await world.mariadb.start();
      }
      return undefined;
    }
    case 'sink-kill': {
      const sink = world.sinks[fault.target];
      if (!sink) throw new Error(`no sink ${fault.target}`);
      await holdRole(
        world,
        sink,
        fault.holdMs,
        () => sink.kill(),
        () => {
          if (!signal.aborted) sink.start();
        },
      );
      return undefined;
    }
    case 'sink-pause': {
      const sink = world.sinks[fault.target];
      if (!sink) throw new Error(`no sink ${fault.target}`);
      await holdRole(
        world,
        sink,
        fault.holdMs,
        () => sink.pause(),
        () => sink.resume(),
      );
      return undefined;
    }
    case 'producer-kill': {
      const { producer } = world;
      await holdRole(
        world,
        producer,
        fault.holdMs,
        () => producer.kill(),
        () => {
          if (!signal.aborted) producer.start();
        },
      );
      return undefined;
    }
    default: {
      const never: never = fault.kind;
      throw new Error(`unknown fault kind ${String(never)}`);
    }
  }
}
