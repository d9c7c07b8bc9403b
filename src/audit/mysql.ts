/**
 * What the audit asks MySQL, read-only: SELECTs only, in sessions set READ ONLY, through the SELECT-only account
 * when there is one. Nothing here locks a row the sink writes (plain consistent reads).
 *
 * The account: `mysql.readerUrl` when configured (it must work: an operator configured it for a reason); else the
 * stack's reader account when `stack up` created one and it may read this database; else `mysql.url`.
 */
import type { Config } from '../config/config.ts';
import { sqlTime } from '../engines/sink/offsets.ts';
import { readerUrl } from '../stack/reader.ts';
import { Storage, StorageError } from '../storage/db.ts';
import type { AuditTopic } from './options.ts';
import type { StageFacts, StageState } from './judge.ts';
import type { PartitionPlan } from './ranges.ts';
import type { RowGoneFromKafka } from './tally.ts';

/** Ids per IN list: well under max_allowed_packet, few round trips. */
const IN_CHUNK = 2000;

interface Table {
  live: string;
  staging: string;
  id: string;
  /** Whether rows record their Kafka topic (payments rows only come from the payments topic). */
  topicColumn: boolean;
}

const TABLES: Record<'passage' | 'payment', Table> = {
  passage: { live: 'passages', staging: 'passages_staging', id: 'event_id', topicColumn: true },
  payment: { live: 'payments', staging: 'payments_staging', id: 'payment_id', topicColumn: false },
};

export const tableOf = (role: AuditTopic): Table => TABLES[role === 'payments' ? 'payment' : 'passage'];

/** Reader-account refusals after which the stack's own reader is passed over for mysql.url. */
const DENIED = new Set(['ER_DBACCESS_DENIED_ERROR', 'ER_ACCESS_DENIED_ERROR', 'ER_TABLEACCESS_DENIED_ERROR']);

export class AuditConfigError extends Error {
  override name = 'AuditConfigError';
}

export interface AccountInfo {
  /** The MySQL user the audit reads as. */
  user: string;
  /** Whether it is the SELECT-only account. */
  readOnlyAccount: boolean;
  database: string | null;
  /** Why the reader account was passed over, when it was. */
  note?: string;
}

const userOf = (url: string): string => decodeURIComponent(new URL(url).username || 'root');

async function openReadOnly(url: string, config: Config): Promise<Storage> {
  const storage = await Storage.open({
    url,
    connectionLimit: 2,
    ...(config.mysql.ssl ? { ssl: true } : {}),
    ...(config.mysql.sslCaFile ? { sslCaFile: config.mysql.sslCaFile } : {}),
  });
  // Every connection of the pool, before its first statement (commands run in order on a connection).
  storage.pool.on('connection', (c) => {
    (c as unknown as { query(sql: string, done: (e: unknown) => void): void }).query(
      'SET SESSION TRANSACTION READ ONLY',
      () => {},
    );
  });
  try {
    await storage.query('SELECT next_offset FROM sink_offsets LIMIT 1');
  } catch (e) {
    await storage.close();
    throw e;
  }
  return storage;
}

const rowsIn = <T>(list: readonly T[]): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += IN_CHUNK) out.push(list.slice(i, i + IN_CHUNK));
  return out;
};

/** `(kafka_partition = ? AND kafka_offset >= ? AND kafka_offset < ?) OR ...` for the given offset ranges. */
function positionsIn(
  ranges: readonly { partition: number; from: bigint; to: bigint }[],
): [string, unknown[]] {
  const parts = ranges.filter((r) => r.to > r.from);
  if (!parts.length) return ['FALSE', []];
  return [
    parts.map(() => '(kafka_partition = ? AND kafka_offset >= ? AND kafka_offset < ?)').join(' OR '),
    parts.flatMap((r) => [r.partition, r.from.toString(), r.to.toString()]),
  ];
}

export class AuditDatabase {
  private constructor(
    private readonly storage: Storage,
    readonly account: AccountInfo,
  ) {}

  static async open(config: Config): Promise<AuditDatabase> {
    const database = decodeURIComponent(new URL(config.mysql.url).pathname.replace(/^\//, '')) || null;
    if (config.mysql.readerUrl) {
      try {
        const storage = await openReadOnly(config.mysql.readerUrl, config);
        return new AuditDatabase(storage, {
          user: userOf(config.mysql.readerUrl),
          readOnlyAccount: true,
          database,
        });
      } catch (e) {
        throw new AuditConfigError(`mysql.readerUrl cannot read the database: ${(e as Error).message}`);
      }
    }
    let note: string | undefined;
    let reader: string | null = null;
    try {
      reader = readerUrl(config);
    } catch {
      note = 'no read-only account (tollstream stack up creates one, or set mysql.readerUrl)';
    }
    if (reader) {
      try {
        const storage = await openReadOnly(reader, config);
        return new AuditDatabase(storage, { user: userOf(reader), readOnlyAccount: true, database });
      } catch (e) {
        if (!(e instanceof StorageError) || !DENIED.has(e.code ?? '')) throw e;
        note = `the read-only account cannot read this database (${e.message})`;
      }
    }
    const storage = await openReadOnly(config.mysql.url, config);
    return new AuditDatabase(storage, {
      user: userOf(config.mysql.url),
      readOnlyAccount: false,
      database,
      ...(note ? { note } : {}),
    });
  }

  async close(): Promise<void> {
    await this.storage.close();
  }

  /** Per partition, the furthest next offset any group's sink recorded for this incarnation of the topic. */
  async sinkPositions(topic: string, incarnation: string | null): Promise<Map<number, bigint>> {
    const rows = await this.storage.query<{ p: number | string; n: string }>(
      'SELECT kafka_partition AS p, MAX(next_offset) AS n FROM sink_offsets WHERE topic = ? AND topic_id <=> ? GROUP BY kafka_partition',
      [topic, incarnation],
    );
    return new Map(rows.map((r) => [Number(r.p), BigInt(r.n)]));
  }

  /** The ids among `ids` that are rows of the live table. */
  async liveIds(role: AuditTopic, ids: readonly string[]): Promise<Set<string>> {
    const t = tableOf(role);
    const out = new Set<string>();
    for (const chunk of rowsIn([...new Set(ids)])) {
      const rows = await this.storage.query<{ id: string }>(
        `SELECT ${t.id} AS id FROM ${t.live} WHERE ${t.id} IN (?)`,
        [chunk],
      );
      for (const r of rows) out.add(r.id);
    }
    return out;
  }

  /** The ids among `ids` that are staged rows of `stage`. */
  async stagedIds(role: AuditTopic, stage: string, ids: readonly string[]): Promise<Set<string>> {
    const t = tableOf(role);
    const out = new Set<string>();
    for (const chunk of rowsIn([...new Set(ids)])) {
      const rows = await this.storage.query<{ id: string }>(
        `SELECT ${t.id} AS id FROM ${t.staging} WHERE stage_id = ? AND ${t.id} IN (?)`,
        [stage, chunk],
      );
      for (const r of rows) out.add(r.id);
    }
    return out;
  }

  /** What `imports` says of these replace-run stages (absent: unknown to this database). */
  async stages(stageIds: readonly string[]): Promise<Map<string, StageFacts>> {
    const out = new Map<string, StageFacts>();
    if (!stageIds.length) return out;
    const rows = await this.storage.query<{
      stage_id: string;
      import_id: string;
      state: string;
      replaced_ms: string | number | null;
    }>(
      "SELECT stage_id, import_id, state, TIMESTAMPDIFF(MICROSECOND, '1970-01-01', replaced_at) DIV 1000 AS replaced_ms FROM imports WHERE stage_id IN (?)",
      [stageIds],
    );
    for (const r of rows) {
      out.set(r.stage_id, {
        state: r.state as StageState,
        importId: r.import_id,
        replacedAtMs: r.replaced_ms === null ? null : Number(r.replaced_ms),
      });
    }
    return out;
  }

  /** Imports whose rows a replace run swapped, with when. */
  async replacedImports(): Promise<{ importId: string; replacedAtMs: number }[]> {
    const rows = await this.storage.query<{ import_id: string; replaced_ms: string | number }>(
      "SELECT import_id, TIMESTAMPDIFF(MICROSECOND, '1970-01-01', replaced_at) DIV 1000 AS replaced_ms FROM imports WHERE state = 'replaced' AND replaced_at IS NOT NULL",
    );
    return rows.map((r) => ({ importId: r.import_id, replacedAtMs: Number(r.replaced_ms) }));
  }

  /** Rows whose recorded Kafka position lies in the offsets read. */
  async rowsAtPositions(role: AuditTopic, topic: string, plan: readonly PartitionPlan[]): Promise<number> {
    const t = tableOf(role);
    const [where, params] = positionsIn(plan);
    if (where === 'FALSE') return 0;
    const rows = await this.storage.query<{ n: string | number }>(
      `SELECT COUNT(*) AS n FROM ${t.live} WHERE ${t.topicColumn ? 'kafka_topic = ? AND ' : ''}(${where})`,
      t.topicColumn ? [topic, ...params] : params,
    );
    return Number(rows[0]?.n ?? 0);
  }

  /**
   * Rows the sink wrote (ingested_at) in [fromMs, toMs) whose Kafka position is outside what the log holds now
   * ([low, high) per partition): deleted by retention, or from a topic of the same name deleted since.
   */
  async goneFromKafka(
    role: AuditTopic,
    topic: string,
    plan: readonly PartitionPlan[],
    window: { fromMs?: number; toMs: number },
    limit: number,
  ): Promise<{ count: number; rows: RowGoneFromKafka[] }> {
    const t = tableOf(role);
    const [held, heldParams] = positionsIn(
      plan.map((p) => ({ partition: p.partition, from: p.low, to: p.high })),
    );
    const where = [
      ...(t.topicColumn ? ['kafka_topic = ?'] : []),
      ...(window.fromMs !== undefined ? ['ingested_at >= ?'] : []),
      'ingested_at < ?',
      `NOT (${held})`,
    ].join(' AND ');
    const params = [
      ...(t.topicColumn ? [topic] : []),
      ...(window.fromMs !== undefined ? [sqlTime(window.fromMs)] : []),
      sqlTime(window.toMs),
      ...heldParams,
    ];
    const [count] = await this.storage.query<{ n: string | number }>(
      `SELECT COUNT(*) AS n FROM ${t.live} WHERE ${where}`,
      params,
    );
    const n = Number(count?.n ?? 0);
    if (!n || !limit) return { count: n, rows: [] };
    const rows = await this.storage.query<{ id: string; p: number; o: string; at: Date }>(
      `SELECT ${t.id} AS id, kafka_partition AS p, kafka_offset AS o, ingested_at AS at FROM ${t.live} WHERE ${where} ORDER BY ingested_at, ${t.id} LIMIT ?`,
      [...params, limit],
    );
    return {
      count: n,
      rows: rows.map((r) => ({
        id: r.id,
        partition: Number(r.p),
        offset: String(r.o),
        ingestedAt: new Date(r.at).toISOString(),
      })),
    };
  }
}
