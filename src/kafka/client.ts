/**
 * The Kafka adapter: the only module family that imports kafkajs. It turns the validated config into a client,
 * routes kafkajs logs into tollstream's logger (never the console) and exposes small, typed operations.
 */
import { readFileSync } from 'node:fs';
import kafkajs from 'kafkajs';
import type { Kafka, KafkaConfig, LogEntry as KafkaLogEntry, SASLOptions } from 'kafkajs';
import type { Config } from '../config/config.ts';
import type { Logger } from '../util/log.ts';
import { createLogger } from '../util/log.ts';

const { Kafka: KafkaClass, logLevel: KafkaLogLevel } = kafkajs;

export type KafkaSettings = Config['kafka'];

/** Errors from this adapter say whether retrying may help and keep the original as `cause`. */
export class KafkaAdapterError extends Error {
  readonly retriable: boolean;
  constructor(message: string, options: { cause?: unknown; retriable?: boolean } = {}) {
    super(message, { cause: options.cause });
    this.name = 'KafkaAdapterError';
    this.retriable = options.retriable ?? isRetriable(options.cause);
  }
}

export function isRetriable(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const e = error as { retriable?: boolean; name?: string };
  if (typeof e.retriable === 'boolean') return e.retriable;
  return /Connection|Timeout|NotFound|NoBroker/i.test(e.name ?? '');
}

function logCreator(log: Logger) {
  return () =>
    ({ namespace, level, log: entry }: KafkaLogEntry): void => {
      const { message, ...extra } = entry;
      const child = log.child(namespace || 'kafkajs');
      // Our publishers bound kafkajs's retries on purpose and resend the same batch themselves (the broker
      // de-duplicates by sequence number), so this warning would only alarm people.
      if (message.startsWith('Limiting retries for the idempotent producer'))
        return child.debug(message, extra);
      // kafkajs logs a stack of routine reconnects at ERROR; they are warnings for an operator.
      if (level === KafkaLogLevel.ERROR || level === KafkaLogLevel.WARN) child.warn(message, extra);
      else if (level === KafkaLogLevel.INFO) child.debug(message, extra);
      else child.debug(message, extra);
    };
}

function sasl(settings: KafkaSettings): SASLOptions | undefined {
  if (!settings.sasl) return undefined;
  const { mechanism, username, password } = settings.sasl;
  switch (mechanism) {
    case 'plain':
      return { mechanism: 'plain', username, password };
    case 'scram-sha-256':
      return { mechanism: 'scram-sha-256', username, password };
    case 'scram-sha-512':
      return { mechanism: 'scram-sha-512', username, password };
    default: {
      const never: never = mechanism;
      throw new Error(`unsupported SASL mechanism ${String(never)}`);
    }
  }
}

export function createKafka(
  settings: KafkaSettings,
  {
    logger = createLogger('kafka'),
    clientIdSuffix = '',
    timing = {},
  }: {
    logger?: Logger;
    clientIdSuffix?: string;
    /** Shorter waits and fewer retries than a production client's, for tests that provoke timeouts. */
    timing?: Pick<KafkaConfig, 'connectionTimeout' | 'requestTimeout' | 'retry'>;
  } = {},
): Kafka {
  const config: KafkaConfig = {
    clientId: settings.clientId + clientIdSuffix,
    brokers: settings.brokers,
    connectionTimeout: 3000,
    requestTimeout: 30_000,
    retry: { initialRetryTime: 200, retries: 8, maxRetryTime: 10_000 },
    ...timing,
    logLevel: KafkaLogLevel.WARN,
    logCreator: logCreator(logger),
  };
  if (settings.ssl || settings.sslCaFile) {
    config.ssl = settings.sslCaFile ? { ca: [readFileSync(settings.sslCaFile, 'utf8')] } : true;
  }
  const s = sasl(settings);
  if (s) config.sasl = s;
  return new KafkaClass(config);
}

export type { Kafka };
