/**
 * The anomaly detector as an engine: its own consumer group (`tollstream-anomalies`) reads passages, payments and
 * plazas, feeds the detector core (detector.ts) in event time, and writes each finding exactly once:
 *
 * - to MySQL, in one transaction with its position per partition (`detector_offsets`: the next record and the
 *   oldest record its in-memory state depends on). After a crash it reads again from the latter, which rebuilds
 *   the state; the findings it makes again are already rows (their ids are derived from what was found).
 * - to `toll.anomalies` from that table as an outbox: rows not yet marked published are sent (key = anomaly id,
 *   compacted topic) and then marked. A crash between the two sends a finding twice under the same key; readers
 *   take the anomaly id as the identity, and compaction keeps one.
 *
 * One member should run per group: the impossible-travel rule needs every partition (passages are keyed by
 * plaza, so a vehicle's passages are spread over partitions). The plaza reference data is read from the start of
 * its (compacted) topic on every assignment.
 */
import type { Config, Topics } from '../config/config.ts';
import type { Plaza } from '../domain/types.ts';
import {
  decodeJsonObject,
  validatePassageObject,
  validatePaymentObject,
  validatePlazaObject,
} from '../domain/validate.ts';
import type { EngineStatus, Engine } from '../engines/types.ts';
import { createKafka } from '../kafka/client.ts';
import type { Kafka } from '../kafka/client.ts';
import type { Assignment, BatchControl, ConsumedBatch } from '../kafka/consumer.ts';
import { GroupConsumer } from '../kafka/consumer.ts';
import { KafkaAdmin } from '../kafka/admin.ts';
import { partitionKey } from '../kafka/partition-key.ts';
import { KafkaPublisher } from '../kafka/producer.ts';
import { Storage } from '../storage/db.ts';
import { applySchema, databaseSchemaVersion, schemaFileVersion } from '../storage/schema.ts';
import { createLogger } from '../util/log.ts';
import type { Logger } from '../util/log.ts';
import { ThrottledStore } from '../util/store.ts';
import { Detector } from './detector.ts';
import type { ResumePoint } from './detector.ts';
import type { AnomalySettings } from './settings.ts';
import type { DetectorPosition, PositionUpdate, StoredFinding } from './store.ts';
import {
  commitFindings,
  isoOfStored,
  loadBaselines,
  loadPositions,
  markPublished,
  unpublished,
} from './store.ts';
import { RULES } from './types.ts';
import type { Finding, RuleName } from './types.ts';

export const ANOMALY_GROUP = 'tollstream-anomalies';

export interface AnomalySnapshot {
  status: EngineStatus;
  groupId: string;
  /** Event time up to which decisions are taken (ISO), null before any input. */
  watermark: string | null;
  /** Inputs read (passages, payments, plazas), this run, replays after a restart included. */
  inputs: number;
  /** Inputs older than the watermark on arrival. */
  late: number;
  /** Findings new to MySQL this run, in total and per rule. */
  findings: number;
  perRule: Record<RuleName, number>;
  /** Findings acknowledged on the anomalies topic this run. */
  published: number;
  /** The newest findings this run, newest first. */
  recent: Finding[];
}

export interface AnomalyEngineOptions {
  topics: Topics;
  logger?: Logger;
  groupId?: string;
  /** How often findings and positions are committed while input flows. */
  commitIntervalMs?: number;
  storeIntervalMs?: number;
}

export type AnomalyEngine = Engine<AnomalySnapshot>;

interface PartitionState {
  topic: string;
  partition: number;
  /** Next offset to process. */
  next: bigint;
  /** Stored `next` when the partition was assigned: records below it were processed before (a replay). */
  storedNext: bigint;
  /** Highest event time read on this partition, and whether it had caught up with the log end then. */
  maxEventMs: number | null;
  caughtUp: boolean;
  /** Records to read at assignment and none read yet: the watermark waits for its first batch. */
  awaited: boolean;
}

const RECENT = 20;
const PUBLISH_BATCH = 500;
const BASELINE_REFRESH_MS = 10 * 60_000;
const HOUR_MS = 3_600_000;
const WEEK_MS = 7 * 24 * HOUR_MS;

export function createAnomalyEngine(
  config: Config,
  settings: AnomalySettings,
  options: AnomalyEngineOptions,
): AnomalyEngine {
  return new DetectorEngine(config, settings, options);
}

class DetectorEngine implements AnomalyEngine {
  readonly store: ThrottledStore<AnomalySnapshot>;
  private readonly log: Logger;
  private readonly groupId: string;
  private readonly topics: Topics;
  private status: EngineStatus = { kind: 'idle' };
  private storage: Storage | undefined;
  private kafka: Kafka | undefined;
  private consumer: GroupConsumer | undefined;
  private publisher: KafkaPublisher | undefined;
  private admin: KafkaAdmin | undefined;
  private detector: Detector;
  private partitions = new Map<string, PartitionState>();
  private pending: Finding[] = [];
  private lastCommit = Date.now();
  private watermarkMs: number | null = null;
  /** The watermark of the last commit before this assignment: a replay below it does not store less. */
  private storedWatermarkMs: number | null = null;
  private baselines = new Map<string, number>();
  private baselineWindow: { from: number; to: number; loadedAt: number } | null = null;
  private stopping: Promise<void> | undefined;
  private generation = 0;
  private readonly counts = {
    inputs: 0,
    late: 0,
    findings: 0,
    published: 0,
    perRule: Object.fromEntries(RULES.map((r) => [r, 0])) as Record<RuleName, number>,
  };
  private recent: Finding[] = [];

  constructor(
    private readonly config: Config,
    private readonly settings: AnomalySettings,
    private readonly options: AnomalyEngineOptions,
  ) {
    this.log = options.logger ?? createLogger('anomalies');
    this.groupId = options.groupId ?? config.anomalies.groupId;
    this.topics = options.topics;
    this.detector = this.newDetector();
    this.store = new ThrottledStore<AnomalySnapshot>(
      () => ({
        status: this.status,
        groupId: this.groupId,
        watermark: this.watermarkMs === null ? null : new Date(this.watermarkMs).toISOString(),
        inputs: this.counts.inputs,
        late: this.counts.late,
        findings: this.counts.findings,
        perRule: { ...this.counts.perRule },
        published: this.counts.published,
        recent: [...this.recent],
      }),
      options.storeIntervalMs,
    );
  }

  private newDetector(resume?: ResumePoint): Detector {
    return new Detector(
      this.settings,
      (plazaId, hourOfWeek) => this.baselines.get(`${plazaId}:${hourOfWeek}`),
      resume ? { resume } : {},
    );
  }

  private setStatus(status: EngineStatus): void {
    this.status = status;
    this.store.touch();
  }

  async start(): Promise<void> {
    if (this.consumer || this.stopping) return;
    this.setStatus({ kind: 'connecting' });
    const mysql = this.config.mysql;
    this.storage = await Storage.open({
      url: mysql.url,
      ssl: mysql.ssl,
      ...(mysql.sslCaFile ? { sslCaFile: mysql.sslCaFile } : {}),
      connectionLimit: 3,
      createDatabase: true,
    });
    const version = await databaseSchemaVersion(this.storage);
    if ((version === null || version < schemaFileVersion()) && this.storage.database)
      await applySchema(this.storage, this.storage.database);
    this.kafka = createKafka(this.config.kafka, {
      logger: this.log.child('kafka'),
      clientIdSuffix: '-anomalies',
    });
    this.publisher = new KafkaPublisher(this.kafka, {
      compression: this.config.kafka.compression,
      logger: this.log.child('publisher'),
    });
    await this.publisher.connect();
    this.admin = await new KafkaAdmin(this.kafka).connect();
    const consumer: GroupConsumer = new GroupConsumer(this.kafka, {
      groupId: this.groupId,
      topics: [this.topics.passages, this.topics.payments, this.topics.plazas],
      fromBeginning: true,
      onAssigned: (a) => this.assigned(consumer, a),
      onCrash: (e, willRestart) =>
        this.setStatus({ kind: 'error', message: e.message, willRetry: willRestart }),
      eachBatch: (batch, control) => this.handle(consumer, batch, control),
    });
    this.consumer = consumer;
    await consumer.start();
    // Findings a previous run committed but did not get onto the topic.
    await this.publish().catch((e: unknown) =>
      this.log.warn('cannot publish findings yet', { error: (e as Error).message }),
    );
  }

  /** A new assignment: the state is rebuilt from each partition's stored replay position. */
  private async assigned(consumer: GroupConsumer, assignment: Assignment): Promise<void> {
    if (consumer !== this.consumer || !this.storage) return;
    const generation = ++this.generation;
    const topics = [this.topics.passages, this.topics.payments];
    const stored: Map<string, DetectorPosition> = await loadPositions(this.storage, this.groupId, topics);
    // Where each partition's log ends now: one with records to read holds the watermark until it has been read,
    // or a restart would take its records read again for late ones.
    const ends = new Map<string, bigint>();
    for (const topic of topics) {
      if (!assignment[topic]?.length) continue;
      for (const o of (await this.admin?.topicOffsets(topic)) ?? [])
        ends.set(partitionKey(topic, o.partition), BigInt(o.high));
    }
    if (generation !== this.generation) return;
    // What was decided before (through the stored watermark) is not reported again while the state is rebuilt.
    const marks = [...stored.values()].flatMap((p) => (p.watermarkMs === null ? [] : [p.watermarkMs]));
    this.storedWatermarkMs = marks.length ? Math.max(...marks) : null;
    const nextOffsets = new Map([...stored].map(([k, p]) => [k, p.next]));
    this.detector = this.newDetector(
      marks.length ? { watermarkMs: Math.max(...marks), nextOffsets } : undefined,
    );
    this.partitions = new Map();
    this.pending = [];
    this.watermarkMs = null;
    for (const [topic, partitions] of Object.entries(assignment)) {
      for (const partition of partitions) {
        if (topic === this.topics.plazas) {
          consumer.seek(topic, partition, '0');
          continue;
        }
        if (!topics.includes(topic)) continue;
        const key = partitionKey(topic, partition);
        const position = stored.get(key);
        const from = position?.replayFrom ?? 0n;
        const end = ends.get(key) ?? 0n;
        this.partitions.set(key, {
          topic,
          partition,
          next: from,
          storedNext: position?.next ?? 0n,
          maxEventMs: null,
          caughtUp: from >= end,
          awaited: from < end,
        });
        consumer.seek(topic, partition, from.toString());
      }
    }
    this.log.info('partitions assigned', { assignment });
    this.setStatus({ kind: 'running' });
  }

  private async handle(consumer: GroupConsumer, batch: ConsumedBatch, control: BatchControl): Promise<void> {
    if (consumer !== this.consumer || control.isStale()) return;
    const { topic, partition } = batch;
    if (topic === this.topics.plazas) {
      for (const m of batch.messages) {
        const plaza = decodePlaza(m.value);
        if (plaza) this.detector.plaza(plaza);
        this.counts.inputs++;
        control.resolveOffset(m.offset);
      }
      return;
    }
    const key = partitionKey(topic, partition);
    const state = this.partitions.get(key);
    if (!state) return;
    const isPassages = topic === this.topics.passages;
    for (const m of batch.messages) {
      const offset = BigInt(m.offset);
      if (offset < state.next) continue;
      state.next = offset + 1n;
      this.counts.inputs++;
      const origin = { topic, partition, offset };
      const at = isPassages ? this.feedPassage(m.value, origin) : this.feedPayment(m.value, origin);
      if (at !== null) {
        if (this.watermarkMs !== null && at < this.watermarkMs) this.counts.late++;
        if (state.maxEventMs === null || at > state.maxEventMs) state.maxEventMs = at;
      }
    }
    state.caughtUp = state.next >= BigInt(batch.highWatermark);
    state.awaited = false;
    const last = batch.messages.at(-1);
    if (last) control.resolveOffset(last.offset);
    await this.advance();
    if (
      Date.now() - this.lastCommit >= (this.options.commitIntervalMs ?? 1000) ||
      this.pending.length >= 1000
    )
      await this.commit().catch((e: unknown) => {
        // Kept in memory and committed with the next batch; a crash meanwhile finds them again on restart.
        this.setStatus({ kind: 'error', message: `MySQL: ${(e as Error).message}`, willRetry: true });
      });
  }

  private feedPassage(value: Buffer | null, origin: { topic: string; partition: number; offset: bigint }) {
    if (!value) return null;
    try {
      const p = validatePassageObject(decodeJsonObject(value));
      this.detector.passage(
        {
          eventId: p.eventId,
          plazaId: p.plazaId,
          vehicleId: p.vehicleId,
          vehicleType: p.vehicleType,
          passedAtMs: p.passedAtMs,
        },
        origin,
      );
      return p.passedAtMs;
    } catch {
      return null; // the sink dead-letters it
    }
  }

  private feedPayment(value: Buffer | null, origin: { topic: string; partition: number; offset: bigint }) {
    if (!value) return null;
    try {
      const p = validatePaymentObject(decodeJsonObject(value));
      this.detector.payment(
        {
          paymentId: p.paymentId,
          eventId: p.eventId,
          plazaId: p.plazaId,
          method: p.method,
          amountCents: p.amountCents,
          currency: p.currency,
          paidAtMs: p.paidAtMs,
          ...(p.dueCents !== undefined ? { dueCents: p.dueCents } : {}),
        },
        origin,
      );
      return p.paidAtMs;
    } catch {
      return null;
    }
  }

  /**
   * The watermark: the least of the partitions' latest event times among those still behind their log end (all
   * of them caught up: the latest overall), less the allowed lateness. Partitions without input do not hold it.
   */
  private currentWatermark(): number | null {
    let behind: number | null = null;
    let latest: number | null = null;
    for (const s of this.partitions.values()) {
      if (s.awaited) return null;
      if (s.maxEventMs === null) continue;
      if (latest === null || s.maxEventMs > latest) latest = s.maxEventMs;
      if (!s.caughtUp && (behind === null || s.maxEventMs < behind)) behind = s.maxEventMs;
    }
    const base = behind ?? latest;
    return base === null ? null : base - this.settings.latenessSeconds * 1000;
  }

  private async advance(): Promise<void> {
    const wm = this.currentWatermark();
    if (wm === null || (this.watermarkMs !== null && wm <= this.watermarkMs)) return;
    await this.refreshBaselines(wm);
    this.watermarkMs = wm;
    const found = this.detector.advance(wm);
    if (found.length) this.pending.push(...found);
    this.store.touch();
  }

  /** Hourly traffic of the weeks before the watermark's hour (the current hour's own bucket left out). */
  private async refreshBaselines(wm: number): Promise<void> {
    if (!this.storage || !this.settings.rules.surge.enabled) return;
    const to = Math.floor(wm / HOUR_MS) * HOUR_MS - HOUR_MS;
    const from = to - this.settings.rules.surge.baselineWeeks * WEEK_MS;
    const b = this.baselineWindow;
    if (b && b.to === to && Date.now() - b.loadedAt < BASELINE_REFRESH_MS) return;
    try {
      this.baselines = await loadBaselines(this.storage, from, to);
      this.baselineWindow = { from, to, loadedAt: Date.now() };
    } catch (e) {
      this.log.warn('cannot read traffic baselines', { error: (e as Error).message });
    }
  }

  /** Findings and positions in one transaction, then the outbox. */
  private async commit(): Promise<void> {
    if (!this.storage) return;
    const findings = this.pending;
    this.pending = [];
    const replay = this.detector.replayFrom();
    const positions: PositionUpdate[] = [];
    for (const [key, s] of this.partitions) {
      if (s.next === 0n && s.storedNext === 0n) continue;
      // While replaying, the stored position stays ahead of what was read again.
      const next = s.next > s.storedNext ? s.next : s.storedNext;
      const held = replay.get(key);
      const replayFrom = held !== undefined && held < s.next ? held : s.next;
      positions.push({
        topic: s.topic,
        partition: s.partition,
        next,
        replayFrom,
        watermarkMs: null,
      });
    }
    const generation = this.generation;
    const reached = Math.max(this.detector.watermarkMs ?? -Infinity, this.storedWatermarkMs ?? -Infinity);
    for (const p of positions) p.watermarkMs = Number.isFinite(reached) ? reached : null;
    let inserted: number;
    try {
      inserted = await commitFindings(this.storage, this.groupId, findings, positions);
    } catch (e) {
      if (generation === this.generation) this.pending = [...findings, ...this.pending];
      throw e;
    }
    this.lastCommit = Date.now();
    if (this.status.kind === 'error') this.setStatus({ kind: 'running' });
    this.counts.findings += inserted;
    if (inserted > 0) {
      for (const f of findings) this.counts.perRule[f.rule]++;
      this.recent = [...findings.slice(-RECENT).reverse(), ...this.recent].slice(0, RECENT);
    }
    this.store.touch();
    await this.publish().catch((e: unknown) => {
      this.log.warn('cannot publish findings yet; they stay in the outbox', {
        error: (e as Error).message,
      });
    });
  }

  private async publish(): Promise<void> {
    if (!this.storage || !this.publisher) return;
    for (;;) {
      const rows = await unpublished(this.storage, PUBLISH_BATCH);
      if (!rows.length) return;
      await this.publisher.send([
        {
          topic: this.topics.anomalies,
          messages: rows.map((r) => ({ key: r.anomaly_id, value: JSON.stringify(anomalyMessage(r)) })),
        },
      ]);
      await markPublished(
        this.storage,
        rows.map((r) => r.anomaly_id),
      );
      this.counts.published += rows.length;
      this.store.touch();
      if (rows.length < PUBLISH_BATCH) return;
    }
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      const consumer = this.consumer;
      this.consumer = undefined;
      await consumer?.stop().catch(() => {});
      if (this.storage && this.status.kind !== 'idle')
        await this.commit().catch((e: unknown) =>
          this.log.warn('findings of the last moments not committed; they are found again on restart', {
            error: (e as Error).message,
          }),
        );
      await this.publisher?.disconnect().catch(() => {});
      await this.admin?.disconnect().catch(() => {});
      await this.storage?.close().catch(() => {});
      this.setStatus({ kind: 'stopped' });
      this.store.dispose();
    })();
    return this.stopping;
  }
}

function decodePlaza(value: Buffer | null): Plaza | null {
  if (!value) return null;
  try {
    return validatePlazaObject(decodeJsonObject(value));
  } catch {
    return null;
  }
}

/** The value of a finding on the anomalies topic (format in the README). */
export function anomalyMessage(r: StoredFinding): Record<string, unknown> {
  let details: unknown = {};
  try {
    details = r.details ? JSON.parse(r.details) : {};
  } catch {
    details = {};
  }
  return {
    v: 1,
    anomalyId: r.anomaly_id,
    rule: r.rule,
    plazaId: r.plaza_id,
    vehicleId: r.vehicle_id,
    eventId: r.event_id,
    relatedEventId: r.related_event_id,
    observedAt: isoOfStored(r.observed_at),
    amountCents: r.amount_cents === null ? null : Number(r.amount_cents),
    expected: r.expected,
    observed: r.observed,
    details,
    detectedAt: isoOfStored(r.detected_at),
  };
}
