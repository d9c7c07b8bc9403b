/**
 * `/healthz`: healthy when Kafka and MySQL answer and the sink is not in a permanent error (one that waiting does
 * not cure: a privilege revoked, a table missing). Kafka and MySQL are asked when the endpoint is asked, each
 * within a deadline; answers are reused for a second so that a burst of probes asks once, and a check still
 * running is waited on, never started twice.
 */
import type { Config } from '../config/config.ts';
import { probeBrokers, probeMysql, serverUrl } from '../engines/cluster.ts';
import type { EngineStatus } from '../engines/types.ts';
import { KafkaAdmin } from '../kafka/admin.ts';
import { createKafka } from '../kafka/client.ts';
import { Storage } from '../storage/db.ts';
import type { Logger } from '../util/log.ts';
import { TimeoutError, withTimeout } from '../util/timeout.ts';

export interface Check {
  ok: boolean;
  /** What was found, in words: "1 of 1 brokers up", "MariaDB 10.11.6", or the error. */
  detail: string;
}

export interface HealthReport {
  status: 'ok' | 'unavailable';
  /** Why it is unavailable, one sentence per failed check; absent when healthy. */
  reason?: string;
  checks: { kafka: Check; mysql: Check; sink: Check };
  checkedAt: string;
}

export interface HealthProbes {
  kafka(): Promise<Check>;
  mysql(): Promise<Check>;
  /** The sink's status now; null when the process runs no sink (a producer-only run). */
  sinkStatus(): EngineStatus | null;
  close(): Promise<void>;
}

export function sinkCheck(status: EngineStatus | null): Check {
  if (status === null) return { ok: true, detail: 'no sink in this process' };
  if (status.kind === 'error' && status.permanent)
    return { ok: false, detail: `permanent error: ${status.message}` };
  return {
    ok: true,
    detail: status.kind === 'error' ? `retrying: ${status.message}` : status.kind,
  };
}

/** The report for three checks; pure. */
export function healthReport(kafka: Check, mysql: Check, sink: Check, now = new Date()): HealthReport {
  const failed = [
    ...(kafka.ok ? [] : [`Kafka unreachable: ${kafka.detail}`]),
    ...(mysql.ok ? [] : [`MySQL unreachable: ${mysql.detail}`]),
    ...(sink.ok ? [] : [`sink in a permanent error: ${sink.detail.replace(/^permanent error: /, '')}`]),
  ];
  return {
    status: failed.length ? 'unavailable' : 'ok',
    ...(failed.length ? { reason: failed.join('; ') } : {}),
    checks: { kafka, mysql, sink },
    checkedAt: now.toISOString(),
  };
}

/** Runs `probe` within `timeoutMs`; a probe still running from an earlier call is joined, not restarted. */
function deadline(timeoutMs: number, what: string): (probe: () => Promise<Check>) => Promise<Check> {
  let running: Promise<Check> | undefined;
  return async (probe) => {
    running ??= probe()
      .catch((e: unknown): Check => ({ ok: false, detail: (e as Error).message }))
      .finally(() => {
        running = undefined;
      });
    try {
      return await withTimeout(running, timeoutMs, what);
    } catch (e) {
      if (e instanceof TimeoutError) return { ok: false, detail: e.message };
      throw e;
    }
  };
}

export class HealthCheck {
  private cached: { at: number; report: Promise<HealthReport> } | undefined;
  private readonly kafka: (probe: () => Promise<Check>) => Promise<Check>;
  private readonly mysql: (probe: () => Promise<Check>) => Promise<Check>;

  constructor(
    private readonly probes: HealthProbes,
    private readonly options: { timeoutMs?: number; cacheMs?: number } = {},
  ) {
    const timeoutMs = options.timeoutMs ?? 3000;
    this.kafka = deadline(timeoutMs, 'Kafka');
    this.mysql = deadline(timeoutMs, 'MySQL');
  }

  report(now = Date.now()): Promise<HealthReport> {
    if (this.cached && now - this.cached.at < (this.options.cacheMs ?? 1000)) return this.cached.report;
    const report = Promise.all([
      this.kafka(() => this.probes.kafka()),
      this.mysql(() => this.probes.mysql()),
    ]).then(([kafka, mysql]) => healthReport(kafka, mysql, sinkCheck(this.probes.sinkStatus())));
    this.cached = { at: now, report };
    return report;
  }

  close(): Promise<void> {
    return this.probes.close();
  }
}

/** Probes of the configured Kafka and MySQL servers (MySQL's server, whether or not the database exists yet). */
export function realProbes(
  config: Config,
  sinkStatus: () => EngineStatus | null,
  logger: Logger,
): HealthProbes {
  const admin = new KafkaAdmin(
    createKafka(config.kafka, { logger: logger.child('kafka'), clientIdSuffix: '-health' }),
  );
  let storage: Promise<Storage> | undefined;
  const db = (): Promise<Storage> => {
    storage ??= Storage.open({
      url: serverUrl(config.mysql.url),
      ssl: config.mysql.ssl,
      ...(config.mysql.sslCaFile ? { sslCaFile: config.mysql.sslCaFile } : {}),
      connectionLimit: 1,
    });
    storage.catch(() => (storage = undefined));
    return storage;
  };
  return {
    async kafka() {
      const b = await probeBrokers(admin, config.kafka.brokers.length);
      if (b.error || b.up === 0) return { ok: false, detail: b.error ?? 'no broker up' };
      return { ok: true, detail: `${b.up} of ${b.total} brokers up` };
    },
    async mysql() {
      const m = await probeMysql(await db());
      return m.reachable
        ? { ok: true, detail: `version ${m.version ?? 'unknown'}` }
        : { ok: false, detail: m.error ?? 'no answer' };
    },
    sinkStatus,
    async close() {
      await admin.disconnect().catch(() => {});
      const s = await storage?.catch(() => undefined);
      await s?.close().catch(() => {});
    },
  };
}
