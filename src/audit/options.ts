/**
 * What `tollstream audit` was asked: which topics, which stretch of message time, how to print. Pure: the dates
 * come already parsed (with --tz) from the configuration's --from/--to.
 */
export const AUDIT_TOPICS = ['passages', 'payments', 'legacy'] as const;
export type AuditTopic = (typeof AUDIT_TOPICS)[number];

export const AUDIT_FORMATS = ['table', 'json'] as const;
export type AuditFormat = (typeof AUDIT_FORMATS)[number];

export const DEFAULT_LIMIT = 20;

export interface AuditOptions {
  topics: AuditTopic[];
  /** Message time, epoch ms, half-open [from, to); unset: from the start of the log / up to its end. */
  from?: number;
  to?: number;
  format: AuditFormat;
  /** How many missing ids (and rows gone from Kafka) to list. */
  limit: number;
}

export const AUDIT_USAGE =
  'usage: tollstream audit [--from T] [--to T] [--topic passages|payments|legacy|all] [--format table|json] [--limit N]';

export class AuditUsageError extends Error {
  override name = 'AuditUsageError';
}

export function parseAuditOptions(
  input: readonly string[],
  flags: Record<string, unknown>,
  range: { from?: number; to?: number },
): AuditOptions {
  if (input.length) throw new AuditUsageError(`unexpected argument "${input[0]}"\n${AUDIT_USAGE}`);
  const topic = flags.topic === undefined ? 'all' : String(flags.topic).toLowerCase();
  let topics: AuditTopic[];
  if (topic === 'all') topics = [...AUDIT_TOPICS];
  else if ((AUDIT_TOPICS as readonly string[]).includes(topic)) topics = [topic as AuditTopic];
  else
    throw new AuditUsageError(
      `--topic must be passages, payments, legacy or all, not "${String(flags.topic)}"`,
    );

  const format = flags.format === undefined ? 'table' : String(flags.format).toLowerCase();
  if (!(AUDIT_FORMATS as readonly string[]).includes(format)) {
    throw new AuditUsageError(`--format must be table or json, not "${String(flags.format)}"`);
  }

  let limit = DEFAULT_LIMIT;
  if (flags.limit !== undefined) {
    const text = String(flags.limit).trim();
    if (!/^\d{1,7}$/.test(text)) {
      throw new AuditUsageError(`--limit must be a whole number of ids to list (0 or more), not "${text}"`);
    }
    limit = Number(text);
  }

  if (range.from !== undefined && range.to !== undefined && range.from >= range.to) {
    throw new AuditUsageError(
      `--from (${new Date(range.from).toISOString()}) must be before --to (${new Date(range.to).toISOString()})`,
    );
  }
  return {
    topics,
    ...(range.from !== undefined ? { from: range.from } : {}),
    ...(range.to !== undefined ? { to: range.to } : {}),
    format: format as AuditFormat,
    limit,
  };
}
