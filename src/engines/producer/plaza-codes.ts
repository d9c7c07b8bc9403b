/**
 * The plaza registry of a producer engine (sources/plaza-registry.ts), loaded from where the plazas live: the
 * compacted plaza topic, read to its end when the first source that needs it starts, and MySQL's `plazas` table
 * when it answers. The topic is the authority: it is what every producer writes and reads. The table, filled
 * from the topic by the sink, only adds plazas the topic no longer holds (a topic deleted and created again) and
 * reports where the two disagree.
 */
import type { Config } from '../../config/config.ts';
import { attempt, decodeJsonObject, validatePlazaObject } from '../../domain/validate.ts';
import { createKafka } from '../../kafka/client.ts';
import { readTopicToEnd } from '../../kafka/topic-read.ts';
import { PlazaRegistry, type PlazaCode } from '../../sources/plaza-registry.ts';
import { withTimeout } from '../../util/timeout.ts';
import { Storage } from '../../storage/db.ts';
import { createLogger, type Logger } from '../../util/log.ts';

export interface PlazaRegistryOptions {
  /** The plaza topic (config `topics.plazas`, or the engine's override). */
  topic: string;
  logger?: Logger;
  /**
   * A preview that publishes nothing: read what can be read and carry on without it, with a warning, instead of
   * failing the source when Kafka does not answer.
   */
  preview?: boolean;
  /** How long reading the topic may take before the source fails. */
  timeoutMs?: number;
  /** How long the optional MySQL cross-check may take before it is skipped. */
  mysqlTimeoutMs?: number;
}

/** A plaza's code and id as the topic holds it now, with the time of its latest record. */
interface Held extends PlazaCode {
  at: number;
}

/** The latest record of each plaza id on the topic (what compaction keeps), oldest first. */
async function fromTopic(config: Config, topic: string, log: Logger): Promise<Held[]> {
  const kafka = createKafka(config.kafka, { logger: log.child('kafka'), clientIdSuffix: '-plazas' });
  const records = await readTopicToEnd(kafka, topic);
  if (records === null) {
    log.warn(`topic ${topic} does not exist: no plaza code is registered yet`);
    return [];
  }
  const latest = new Map<number, Held>();
  let unreadable = 0;
  for (const r of records) {
    const plaza =
      r.value === null ? undefined : attempt(() => validatePlazaObject(decodeJsonObject(r.value!)));
    if (r.value === null && r.key !== null) {
      latest.delete(Number(r.key)); // a tombstone: the plaza was removed
      continue;
    }
    if (!plaza?.ok) {
      unreadable++;
      continue;
    }
    const { plazaId, code } = plaza.value;
    latest.set(plazaId, { plazaId, code, at: r.timestamp });
  }
  if (unreadable) log.warn(`${unreadable} records of ${topic} are not plaza records; they register nothing`);
  return [...latest.values()].sort((a, b) => a.at - b.at);
}

async function fromMysql(config: Config): Promise<Held[]> {
  const storage = await Storage.open({
    url: config.mysql.url,
    ssl: config.mysql.ssl,
    ...(config.mysql.sslCaFile ? { sslCaFile: config.mysql.sslCaFile } : {}),
    connectionLimit: 1,
  });
  try {
    const rows = await storage.query<{ plaza_id: number | string; code: string; updated_at: Date }>(
      'SELECT plaza_id, code, updated_at FROM plazas',
    );
    return rows.map((r) => ({ plazaId: Number(r.plaza_id), code: r.code, at: r.updated_at.getTime() }));
  } finally {
    await storage.close();
  }
}

/** The topic's plazas, preceded by the table's plazas whose ids the topic does not hold. */
export function mergePlazaSources(topic: Held[], table: Held[], log: Logger): PlazaCode[] {
  const onTopic = new Map(topic.map((p) => [p.plazaId, p.code]));
  const disagree = table.filter((p) => onTopic.has(p.plazaId) && onTopic.get(p.plazaId) !== p.code);
  if (disagree.length) {
    const e = disagree[0]!;
    log.warn(
      `MySQL's plazas table and the plaza topic name ${disagree.length} plaza ids differently (e.g. ${e.plazaId}: "${e.code}" in MySQL, "${onTopic.get(e.plazaId)}" on the topic); the topic's codes count`,
    );
  }
  const onlyInTable = table.filter((p) => !onTopic.has(p.plazaId)).sort((a, b) => a.at - b.at);
  return [...onlyInTable, ...topic].map(({ code, plazaId }) => ({ code, plazaId }));
}

export function createPlazaRegistry(config: Config, options: PlazaRegistryOptions): PlazaRegistry {
  const log = options.logger ?? createLogger('plazas');
  const { topic, preview = false, timeoutMs = 20_000, mysqlTimeoutMs = 3_000 } = options;
  const brokers = config.kafka.brokers.join(',');
  const loader = async (): Promise<PlazaCode[]> => {
    const table = withTimeout(fromMysql(config), mysqlTimeoutMs, 'MySQL').catch((e: unknown) => {
      log.debug(`plaza codes not cross-checked with MySQL: ${(e as Error).message}`);
      return [];
    });
    let held: Held[];
    try {
      held = await withTimeout(fromTopic(config, topic, log), timeoutMs, `Kafka at ${brokers}`);
    } catch (e) {
      const why = `cannot read the plaza registry from topic ${topic} at ${brokers}: ${(e as Error).message}`;
      if (!preview) {
        throw new Error(
          `${why}. Plaza codes like "A-101" get their ids from it, and without it they could change from run to run: start Kafka (tollstream stack up) or point --brokers at it`,
          { cause: e },
        );
      }
      log.warn(`${why}; new plaza codes in this preview may get other ids than a real import would`);
      held = [];
    }
    return mergePlazaSources(held, await table, log);
  };
  return new PlazaRegistry(loader, log, preview);
}
