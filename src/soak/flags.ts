/**
 * The soak's flags (pure). Endpoints come from flags only, never from TOLLSTREAM_* or a config file: those may
 * point at the user's own stack, and the soak kills what it runs against.
 */
import path from 'node:path';
import { parseDuration } from '../config/config.ts';
import { FAULT_KINDS, isFaultKind } from './schedule.ts';
import type { FaultKind } from './schedule.ts';

export const SOAK_DEFAULTS = {
  durationMs: 10 * 60_000,
  everyMs: 30_000,
  rate: 500,
  zookeeper: '127.0.0.1:24281',
  broker: '127.0.0.1:31292',
  mysqlPort: 24306,
} as const;

export interface SoakSettings {
  seed: number;
  durationMs: number;
  everyMs: number;
  rate: number;
  kinds: FaultKind[];
  /** Absolute; undefined: a new folder under the temp dir. */
  stateDir: string | undefined;
  keep: boolean;
  zookeeper: string;
  broker: string;
  mysqlPort: number;
}

export class SoakUsageError extends Error {}

const LOCAL_HOST_PORT = /^(127\.0\.0\.1|localhost):(\d{1,5})$/;

function localAddress(flag: string, value: unknown, lastPortOffset = 0): string {
  const m = LOCAL_HOST_PORT.exec(String(value).trim());
  const port = Number(m?.[2]);
  if (!m || port < 1024 || port + lastPortOffset > 65535) {
    throw new SoakUsageError(
      `--${flag} must be 127.0.0.1:PORT on this machine (PORT 1024-${65535 - lastPortOffset}), got "${String(value)}"`,
    );
  }
  return `127.0.0.1:${port}`;
}

function duration(flag: string, value: unknown, minMs: number): number {
  let ms: number;
  try {
    ms = parseDuration(value);
  } catch {
    throw new SoakUsageError(`--${flag} must be a duration like 90s, 10m or 1h, got "${String(value)}"`);
  }
  if (ms < minMs) throw new SoakUsageError(`--${flag} must be at least ${minMs / 1000} s`);
  return ms;
}

function integer(flag: string, value: unknown, min: number, max: number): number {
  const text = String(value).trim();
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new SoakUsageError(`--${flag} must be an integer ${min}-${max}, got "${String(value)}"`);
  }
  return n;
}

/** `flags` as meow hands them over; `randomSeed` is used when --seed is absent. */
export function parseSoakFlags(
  flags: Record<string, unknown>,
  randomSeed: () => number,
  cwd = process.cwd(),
): SoakSettings {
  const given = (k: string): unknown => (flags[k] === undefined || flags[k] === '' ? undefined : flags[k]);
  const kindsFlag = given('faults');
  const kinds =
    kindsFlag === undefined
      ? [...FAULT_KINDS]
      : String(kindsFlag)
          .split(',')
          .map((k) => k.trim())
          .filter(Boolean);
  const unknown = kinds.filter((k) => !isFaultKind(k));
  if (unknown.length || !kinds.length) {
    throw new SoakUsageError(
      `--faults takes a comma-separated list of ${FAULT_KINDS.join(', ')}; got "${String(kindsFlag)}"`,
    );
  }
  const durationMs =
    given('duration') === undefined
      ? SOAK_DEFAULTS.durationMs
      : duration('duration', given('duration'), 10_000);
  const everyMs =
    given('faultEvery') === undefined
      ? SOAK_DEFAULTS.everyMs
      : duration('fault-every', given('faultEvery'), 5_000);
  const brokers = given('brokers');
  if (Array.isArray(brokers) || String(brokers ?? '').includes(',')) {
    throw new SoakUsageError(
      "--brokers for soak is broker 0's address; brokers 1 and 2 take the next two ports",
    );
  }
  const stateDir = given('stateDir');
  return {
    seed: given('seed') === undefined ? randomSeed() : integer('seed', given('seed'), 0, 2 ** 32 - 1),
    durationMs,
    everyMs,
    rate: given('rate') === undefined ? SOAK_DEFAULTS.rate : integer('rate', given('rate'), 1, 100_000),
    kinds: kinds as FaultKind[],
    stateDir: stateDir === undefined ? undefined : path.resolve(cwd, String(stateDir)),
    keep: flags.keep === true,
    zookeeper:
      given('zookeeper') === undefined
        ? SOAK_DEFAULTS.zookeeper
        : localAddress('zookeeper', given('zookeeper')),
    broker: brokers === undefined ? SOAK_DEFAULTS.broker : localAddress('brokers', brokers, 2),
    mysqlPort:
      given('mysqlPort') === undefined
        ? SOAK_DEFAULTS.mysqlPort
        : integer('mysql-port', given('mysqlPort'), 1024, 65535),
  };
}
