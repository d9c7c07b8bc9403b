/**
 * One audit: what Kafka holds in a stretch of message time against what MySQL and the dead-letter topic hold.
 * It reads Kafka without a consumer group (plain fetches: nothing committed, no group joined, no rebalance for
 * the running sink) and MySQL with SELECTs only, so it can run beside a live pipeline.
 *
 * Order, and why each step comes where it does:
 *   1. the sink positions recorded in MySQL (per partition, the furthest of any group): a message below its
 *      position was committed, with its row or after its dead letter, before anything below is read;
 *   2. the dead-letter topic, to its end as of now: every letter for a message below those positions is in it;
 *   3. each audited topic, fetch by fetch: every message is classified as the sink classifies it (the same
 *      code, so classic lines get the same derived ids) and looked up in MySQL by id;
 *   4. the MySQL side: rows at the offsets read, and rows written in the range whose message Kafka no longer holds.
 */
import type { Config } from '../config/config.ts';
import { STAGE_HEADER } from '../domain/types.ts';
import { classify } from '../engines/sink/classify.ts';
import type { SinkTopicRole } from '../engines/sink/classify.ts';
import { KafkaAdmin } from '../kafka/admin.ts';
import { createKafka } from '../kafka/client.ts';
import type { Kafka } from '../kafka/client.ts';
import type { ConsumedMessage } from '../kafka/consumer.ts';
import { TopicIds } from '../kafka/topic-ids.ts';
import { readTopicRanges } from '../kafka/topic-read.ts';
import { DeadLetterIndex, headerText } from './dead-letters.ts';
import type { AuditRecord, Facts, StageFacts } from './judge.ts';
import { judge, stagedKey } from './judge.ts';
import type { AccountInfo } from './mysql.ts';
import { AuditConfigError, AuditDatabase } from './mysql.ts';
import type { AuditOptions, AuditTopic } from './options.ts';
import type { PartitionPlan } from './ranges.ts';
import { plannedMessages, planTopic } from './ranges.ts';
import type { TopicReport } from './tally.ts';
import { TopicTally } from './tally.ts';

/**
 * How far before --from the dead-letter topic is read. A letter is sent after its message was produced, so its
 * own timestamp is later, unless the sink's clock runs behind the producer's: this covers that skew.
 */
export const DEAD_LETTER_SKEW_MS = 60 * 60 * 1000;

export interface AuditProgress {
  /** What is being read: the dead-letter topic's name or an audited topic's. */
  reading: string;
  read: number;
  /** Offsets planned in all (an upper bound: control records and compacted gaps count here). */
  total: number;
  partitionsDone: number;
  partitions: number;
  startedAt: number;
}

export interface SkippedTopic {
  role: AuditTopic;
  topic: string;
  reason: string;
}

export interface AuditReport {
  /** The message-time range, ISO 8601 (null: open). */
  from: string | null;
  to: string | null;
  startedAt: string;
  elapsedMs: number;
  /** Every message Kafka holds in the range is in MySQL, the dead-letter topic or a --replace run's hands. */
  ok: boolean;
  mysql: AccountInfo;
  deadLetterTopic: { topic: string; read: number; matching: number } | null;
  topics: TopicReport[];
  skipped: SkippedTopic[];
}

export interface RunAuditOptions {
  onProgress?: (p: AuditProgress) => void;
  now?: () => number;
}

interface TopicWork {
  role: AuditTopic;
  topic: string;
  incarnation: string | null;
  plan: PartitionPlan[];
  positions: Map<number, bigint>;
}

export async function runAudit(
  config: Config,
  options: AuditOptions,
  { onProgress = () => {}, now = Date.now }: RunAuditOptions = {},
): Promise<AuditReport> {
  const startedAt = now();
  const kafka = createKafka(config.kafka, { clientIdSuffix: '-audit' });
  const admin = new KafkaAdmin(kafka);
  const ids = new TopicIds(kafka);
  let db: AuditDatabase | undefined;
  try {
    await admin.connect();
    const existing = new Set(await admin.listTopics());
    const skipped: SkippedTopic[] = [];
    const wanted = options.topics.map((role) => ({ role, topic: config.topics[role] }));
    for (const w of wanted) {
      if (existing.has(w.topic)) continue;
      const reason = `topic ${w.topic} does not exist (topics.${w.role})`;
      // Asked for by name, a topic that is not there is a mistake; among "all", a role this cluster does not use.
      if (options.topics.length === 1) throw new AuditConfigError(reason);
      skipped.push({ ...w, reason });
    }
    const present = wanted.filter((w) => existing.has(w.topic));
    const incarnations = await ids.lookup(present.map((w) => w.topic));
    db = await AuditDatabase.open(config);

    const work: TopicWork[] = [];
    for (const w of present) {
      const incarnation = incarnations.get(w.topic) ?? null;
      // Positions first (step 1), then the plan: anything the sink passes later is judged by what MySQL shows.
      const positions = await db.sinkPositions(w.topic, incarnation);
      work.push({
        ...w,
        incarnation,
        positions,
        plan: await planTopic(admin, w.topic, options.from, options.to),
      });
    }

    const dlqTopic = config.topics.dlq;
    const letters = new DeadLetterIndex(new Set(present.map((w) => w.topic)));
    const dlqPlan = existing.has(dlqTopic)
      ? await planTopic(
          admin,
          dlqTopic,
          options.from === undefined ? undefined : options.from - DEAD_LETTER_SKEW_MS,
          undefined,
        )
      : [];
    const progress: AuditProgress = {
      reading: dlqTopic,
      read: 0,
      total: plannedMessages(dlqPlan) + work.reduce((n, w) => n + plannedMessages(w.plan), 0),
      partitionsDone: 0,
      partitions: dlqPlan.length + work.reduce((n, w) => n + w.plan.length, 0),
      startedAt,
    };
    onProgress({ ...progress });
    await readAll(kafka, dlqTopic, dlqPlan, progress, onProgress, (messages) => {
      for (const m of messages) letters.add(m);
      return Promise.resolve();
    });

    const replacedImports = await db.replacedImports();
    const stageCache = new Map<string, StageFacts | null>();
    const reports: TopicReport[] = [];
    for (const w of work) {
      const tally = new TopicTally(options.limit);
      progress.reading = w.topic;
      onProgress({ ...progress });
      const ctx = { topic: w.topic, incarnation: w.incarnation, tz: config.tz };
      tally.goneWhileReading = await readAll(
        kafka,
        w.topic,
        w.plan,
        progress,
        onProgress,
        async (messages, partition) => {
          const records = messages.map((m) => auditRecord(w.role, m, { ...ctx, partition, now: now() }));
          const facts = await factsFor(db!, w, partition, records, {
            letters,
            replacedImports,
            stageCache,
          });
          for (const r of records) tally.add(r, judge(r, facts));
        },
      );
      const mysqlRows = await db.rowsAtPositions(w.role, w.topic, w.plan);
      const gone = await db.goneFromKafka(
        w.role,
        w.topic,
        w.plan,
        {
          ...(options.from !== undefined ? { fromMs: options.from } : {}),
          toMs: Math.min(options.to ?? Infinity, startedAt),
        },
        options.limit,
      );
      reports.push({
        role: w.role,
        topic: w.topic,
        incarnation: w.incarnation,
        kafka: tally.read,
        ...tally.counts,
        goneWhileReading: tally.goneWhileReading,
        mysqlRows,
        goneFromKafka: gone.count,
        goneFromKafkaRows: gone.rows,
        missingIds: tally.missing,
        partitions: tally.partitionReports(w.plan, w.positions),
      });
    }
    return {
      from: options.from === undefined ? null : new Date(options.from).toISOString(),
      to: options.to === undefined ? null : new Date(options.to).toISOString(),
      startedAt: new Date(startedAt).toISOString(),
      elapsedMs: now() - startedAt,
      ok: reports.every((r) => r.missing === 0 && r.pending === 0),
      mysql: db.account,
      deadLetterTopic: existing.has(dlqTopic)
        ? { topic: dlqTopic, read: letters.read, matching: letters.kept }
        : null,
      topics: reports,
      skipped,
    };
  } finally {
    await db?.close();
    await ids.disconnect();
    await admin.disconnect();
  }
}

/** Reads the plan's ranges, handing each fetch to `each`; returns the offsets retention deleted meanwhile. */
async function readAll(
  kafka: Kafka,
  topic: string,
  plan: readonly PartitionPlan[],
  progress: AuditProgress,
  onProgress: (p: AuditProgress) => void,
  each: (messages: ConsumedMessage[], partition: number) => Promise<void>,
): Promise<number> {
  let gone = 0;
  const at = new Map(plan.map((p) => [p.partition, p.from]));
  const ends = new Map(plan.map((p) => [p.partition, p.to]));
  const finished = new Set<number>();
  const done = (partition: number): void => {
    if (finished.has(partition)) return;
    finished.add(partition);
    // Offsets never seen (a log ending in control records) still count as read.
    progress.read += Number(ends.get(partition)! - at.get(partition)!);
    at.set(partition, ends.get(partition)!);
    progress.partitionsDone++;
  };
  let current: number | undefined;
  for await (const chunk of readTopicRanges(kafka, topic, plan)) {
    if (current !== undefined && chunk.partition !== current) done(current);
    current = chunk.partition;
    if (chunk.gone) gone += Number(chunk.gone.to - chunk.gone.from);
    else await each(chunk.messages, chunk.partition);
    progress.read += Number(chunk.next - at.get(chunk.partition)!);
    at.set(chunk.partition, chunk.next);
    onProgress({ ...progress });
  }
  for (const p of plan) done(p.partition);
  onProgress({ ...progress });
  return gone;
}

/** A message as the sink sees it: its id (derived for classic lines) or why the sink rejects it. */
export function auditRecord(
  role: AuditTopic,
  m: ConsumedMessage,
  ctx: { topic: string; partition: number; incarnation: string | null; tz: string; now: number },
): AuditRecord {
  const sinkRole: SinkTopicRole = role;
  const c = classify(sinkRole, m, ctx);
  const raw = m.headers[STAGE_HEADER];
  const stage = raw === undefined ? undefined : headerText(raw);
  const base = {
    partition: ctx.partition,
    offset: m.offset,
    timestamp: m.timestamp,
    ...(stage ? { stage } : {}),
  };
  if (!c.ok) return { ...base, id: null, invalid: `${c.error.code}: ${c.error.message}` };
  switch (c.record.kind) {
    case 'passage':
      return { ...base, id: c.record.passage.eventId };
    case 'payment':
      return { ...base, id: c.record.payment.paymentId };
    case 'plaza':
    case 'plaza-deleted':
      return { ...base, id: null, invalid: `a plaza record on the ${role} topic` };
    default: {
      const never: never = c.record;
      throw new Error(`unknown record ${JSON.stringify(never)}`);
    }
  }
}

async function factsFor(
  db: AuditDatabase,
  w: TopicWork,
  partition: number,
  records: readonly AuditRecord[],
  shared: {
    letters: DeadLetterIndex;
    replacedImports: Facts['replacedImports'];
    stageCache: Map<string, StageFacts | null>;
  },
): Promise<Facts> {
  const withId = records.filter((r): r is AuditRecord & { id: string } => r.id !== null);
  const live = await db.liveIds(
    w.role,
    withId.map((r) => r.id),
  );
  const named = [...new Set(withId.flatMap((r) => (r.stage === undefined ? [] : [r.stage])))];
  const unknown = named.filter((s) => !shared.stageCache.has(s));
  if (unknown.length) {
    const found = await db.stages(unknown);
    for (const s of unknown) shared.stageCache.set(s, found.get(s) ?? null);
  }
  const stages = new Map<string, StageFacts>();
  const staged = new Set<string>();
  for (const s of named) {
    const f = shared.stageCache.get(s);
    if (!f) continue;
    stages.set(s, f);
    if (f.state !== 'staging') continue;
    const idsOfStage = withId.filter((r) => r.stage === s).map((r) => r.id);
    for (const id of await db.stagedIds(w.role, s, idsOfStage)) staged.add(stagedKey(s, id));
  }
  return {
    live,
    staged,
    stages,
    replacedImports: shared.replacedImports,
    deadLettered: (r) => shared.letters.has(w.topic, r.partition, r.offset, r.timestamp, w.incarnation),
    sinkPosition: w.positions.get(partition) ?? null,
  };
}
