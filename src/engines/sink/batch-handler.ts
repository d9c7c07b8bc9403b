/**
 * Handles the batches kafkajs hands the sink, one partition at a time: skip what MySQL already has, split the
 * rest into chunks, write each chunk with its offset in one transaction, then let Kafka's committed offset follow.
 * Failures are retried with backoff while heartbeating; a rebalance or stop abandons the batch cleanly (nothing
 * of an unfinished chunk is committed, and whoever owns the partition next resumes from sink_offsets).
 */
import type { KafkaPublisher } from '../../kafka/producer.ts';
import type { BatchControl, ConsumedBatch, ConsumedMessage } from '../../kafka/consumer.ts';
import type { Storage } from '../../storage/db.ts';
import { isPermanentStorageError } from '../../storage/db.ts';
import type { ValidPassage, ValidPayment } from '../../domain/validate.ts';
import { backoffDelay, sleep } from '../../util/backoff.ts';
import type { Logger } from '../../util/log.ts';
import type { Rejection, SinkTopicRole } from './classify.ts';
import { classifyChunk } from './classify.ts';
import type { DeadLetterSource } from './dead-letter.ts';
import { DeadLetterLedger } from './dead-letter-ledger.ts';
import { sendDeadLetters } from './dead-letter-sender.ts';
import { chunkStages } from './staging.ts';
import type { SinkMetrics } from './metrics.ts';
import type { TopicFacts } from './incarnation.ts';
import { settlePartitions } from './incarnation.ts';
import type { StoredOffset } from './offset-guard.ts';
import { chunked, firstUnpersisted, nextOffsetAfter } from './offset-guard.ts';
import { partitionKey, partitionKeyPrefix } from '../../kafka/partition-key.ts';
import { OffsetFenced, loadOffsets } from './offsets.ts';
import type { ChunkOutcome, WrittenChunk } from './writer.ts';
import { writeChunk } from './writer.ts';

/** Longest wait between attempts while MySQL refuses the writes for a cause someone must fix. */
const PERMANENT_RETRY_MS = 30_000;
/** How often a JSON topic's id is compared with Kafka's while batches flow (see sameIncarnation). */
const INCARNATION_CHECK_MS = 2000;

export interface BatchHandlerDeps {
  groupId: string;
  /** Input topic name → what it carries. */
  roles: ReadonlyMap<string, SinkTopicRole>;
  dlqTopic: string;
  tz: string;
  batchMaxRows: number;
  storage: Storage;
  publisher: KafkaPublisher;
  /** Topic ids and offsets from Kafka, to tell a topic's incarnations apart (incarnation.ts). */
  facts: TopicFacts;
  metrics: SinkMetrics;
  /** Marks the snapshot as changed. */
  touch: () => void;
  seek: (topic: string, partition: number, offset: string) => void;
  log: Logger;
  /** Aborted when the sink stops: retries end and the batch is abandoned. */
  signal: AbortSignal;
}

interface PartitionState {
  /** The stored offset was matched with the topic's current incarnation (incarnation.ts) since assignment. */
  settled: boolean;
  /** The topic incarnation (Kafka topic id) this member reads; meaningful once settled. */
  incarnation: string | null;
  /** Checked against MySQL since this member was (re)assigned the partition. */
  verified: boolean;
  /** Last stored next offset of `incarnation` this member knows; only ever a lower bound of the truth in MySQL. */
  next: bigint | null;
}

type Resume = { topic: string; partition: number; offset: bigint };

export class BatchHandler {
  private readonly partitions = new Map<string, PartitionState>();
  /** Partitions whose last attempt failed; the status shows an error while any is failing. */
  private readonly failing = new Set<string>();
  /** When each topic's id was last compared with Kafka's (epoch ms). */
  private readonly incarnationCheckedAt = new Map<string, number>();
  /** Partitions whose sink_offsets row is known to exist (the sink never deletes one). */
  private readonly offsetRows = new Set<string>();
  /** Dead letters published ahead of their chunk's commit (see dead-letter-ledger.ts). */
  private readonly deadLetters = new DeadLetterLedger();

  constructor(private readonly deps: BatchHandlerDeps) {}

  /**
   * A new generation: positions must be verified again. `stored` are the offsets just read from MySQL (undefined
   * when they could not be read); each partition is matched with the topic's current incarnation and its resume
   * position returned. Partitions that cannot be settled now (Kafka or MySQL down) are settled by their first batch.
   */
  async assigned(
    assignment: Record<string, number[]>,
    stored: ReadonlyMap<string, StoredOffset> | undefined,
  ): Promise<Resume[]> {
    const keep = new Set<string>();
    const resume: Resume[] = [];
    for (const [topic, partitions] of Object.entries(assignment)) {
      for (const partition of partitions) {
        const key = partitionKey(topic, partition);
        keep.add(key);
        // The same object: a batch in hand sees that its partition is unsettled now and stops.
        const state = this.partitions.get(key);
        if (state) Object.assign(state, { settled: false, verified: false, next: null });
        else this.partitions.set(key, { settled: false, incarnation: null, verified: false, next: null });
      }
      if (!stored) continue;
      try {
        const settled = await settlePartitions(
          this.settleContext(),
          topic,
          partitions,
          stored,
          this.rereadIsHarmless(topic),
        );
        for (const [partition, s] of settled) {
          this.settledAs(topic, partition, s.incarnation, s.next);
          if (s.resumeAt !== null) resume.push({ topic, partition, offset: s.resumeAt });
        }
      } catch (e) {
        this.deps.log.warn('cannot match stored offsets with the topic in Kafka yet; the first batch will', {
          topic,
          error: (e as Error).message,
        });
      }
    }
    for (const key of this.partitions.keys()) if (!keep.has(key)) this.partitions.delete(key);
    for (const key of this.failing) if (!keep.has(key)) this.failing.delete(key);
    return resume;
  }

  private settleContext() {
    const { facts, storage, groupId, log } = this.deps;
    return { facts, storage, groupId, log };
  }

  /** Event ids of classic lines are their offsets: reading them again from the start would store them twice. */
  private rereadIsHarmless(topic: string): boolean {
    return this.deps.roles.get(topic) !== 'legacy';
  }

  private settledAs(topic: string, partition: number, incarnation: string | null, next: bigint | null): void {
    const key = partitionKey(topic, partition);
    const state = this.partitions.get(key);
    if (!state) return;
    // Dead letters remembered by offset belong to the incarnation they were read from.
    if (state.incarnation !== null && state.incarnation !== incarnation)
      this.deadLetters.forget({ topic, partition });
    Object.assign(state, { settled: true, incarnation, next, verified: false });
  }

  /**
   * Settles a partition whose assignment could not: reads its stored offset and the topic's id again (retrying
   * while either is down). False when the batch in hand must be dropped (a seek to where it resumes, or a stop).
   */
  private async settleLate(
    topic: string,
    partition: number,
    firstOffset: string,
    control: BatchControl,
  ): Promise<boolean> {
    const key = partitionKey(topic, partition);
    for (let attempt = 0; ; attempt++) {
      if (this.abandoned(control)) return false;
      try {
        const stored = await loadOffsets(this.deps.storage, this.deps.groupId, [topic]);
        const settled = await settlePartitions(
          this.settleContext(),
          topic,
          [partition],
          stored,
          this.rereadIsHarmless(topic),
        );
        const s = settled.get(partition)!;
        this.settledAs(topic, partition, s.incarnation, s.next);
        this.recovered(key);
        if (s.resumeAt === null || s.resumeAt === BigInt(firstOffset)) return true;
        this.deps.seek(topic, partition, s.resumeAt.toString());
        return false;
      } catch (e) {
        if (!(await this.retryLater(key, e, attempt, control))) return false;
      }
    }
  }

  /**
   * Another member recorded another incarnation of the topic than this one reads: ask Kafka which is current.
   * When it is not ours, this member holds batches of a topic that is gone (a zombie, or a topic recreated under
   * it): every partition of the topic is settled again, and nothing is written meanwhile.
   */
  private async incarnationIsCurrent(topic: string, incarnation: string | null): Promise<boolean> {
    const current = (await this.deps.facts.topicIds([topic])).get(topic) ?? null;
    if (current === incarnation) return true;
    this.deps.log.warn(
      'the topic was recreated under this member (its topic id changed): settling its partitions again; nothing of the old topic in hand is written',
      { topic, read: incarnation, current },
    );
    const prefix = partitionKeyPrefix(topic);
    for (const [key, state] of this.partitions) if (key.startsWith(prefix)) state.settled = false;
    return false;
  }

  /**
   * A topic recreated while this member reads it: kafkajs goes on fetching from its position in the new topic, so
   * what lies below that position would be skipped, and classic lines would get the old topic's ids. Comparing the
   * topic id with Kafka's catches it; a batch fetched before the check that finds the old id is from the old topic
   * or harmless. Classic lines are checked on every batch (their ids depend on it); JSON topics every few seconds:
   * a batch of the new topic written in between under the old id is read again from the start once the change is
   * seen, and its event ids keep that exact. A failed look-up is left to the next check.
   */
  private async sameIncarnation(topic: string, incarnation: string | null): Promise<boolean> {
    const now = Date.now();
    const every = this.rereadIsHarmless(topic) ? INCARNATION_CHECK_MS : 0;
    if (now - (this.incarnationCheckedAt.get(topic) ?? 0) < every) return true;
    this.incarnationCheckedAt.set(topic, now);
    try {
      return await this.incarnationIsCurrent(topic, incarnation);
    } catch {
      return true;
    }
  }

  handle = async (batch: ConsumedBatch, control: BatchControl): Promise<void> => {
    const { topic, partition } = batch;
    const role = this.deps.roles.get(topic);
    if (!role || batch.messages.length === 0) return;
    const key = partitionKey(topic, partition);
    let state = this.partitions.get(key);
    if (!state) {
      state = { settled: false, incarnation: null, verified: false, next: null };
      this.partitions.set(key, state);
    }
    if (!state.settled && !(await this.settleLate(topic, partition, batch.messages[0]!.offset, control)))
      return;
    // Unsettled now: the next fetch (this batch again) settles the partition against the current topic.
    if (!(await this.sameIncarnation(topic, state.incarnation))) return;

    const skip = firstUnpersisted(
      batch.messages.map((m) => m.offset),
      state.next,
    );
    if (skip > 0) {
      this.deps.metrics.skippedBelowOffset += skip;
      control.resolveOffset(batch.messages[skip - 1]!.offset);
    }
    for (const chunk of chunked(batch.messages.slice(skip), this.deps.batchMaxRows)) {
      if (this.abandoned(control)) return;
      const done = await this.persistChunk(topic, partition, role, chunk, state, control);
      if (!done || !(await this.stillMember(control))) return;
    }
    await control.commitOffsetsIfNecessary().catch((e: unknown) => {
      // Kafka's committed offset is advisory; the next commit catches up.
      this.deps.log.debug('Kafka offset commit failed', { error: (e as Error).message });
    });
  };

  /** Sends the letters of this chunk that no earlier attempt published; outside the transaction (why: ledger). */
  private async publishDeadLetters(source: DeadLetterSource, rejections: Rejection[]) {
    const pending = this.deadLetters.unpublished(source, rejections);
    if (!pending.length) return;
    const { deps } = this;
    this.deadLetters.record(
      source,
      await sendDeadLetters(deps.publisher, deps.dlqTopic, source, pending, deps.log),
    );
  }

  /** Heartbeats between chunks of a large batch; false when the group is rebalancing (stop work then). */
  private async stillMember(control: BatchControl): Promise<boolean> {
    try {
      await control.heartbeat();
      return true;
    } catch (e) {
      this.deps.log.info('group is rebalancing; leaving the rest of the batch to the next owner', {
        error: (e as Error).message,
      });
      return false;
    }
  }

  private abandoned(control: BatchControl): boolean {
    return this.deps.signal.aborted || !control.isRunning() || control.isStale();
  }

  /** Returns false when the rest of the batch must be abandoned (rewind, rebalance, stop). */
  private async persistChunk(
    topic: string,
    partition: number,
    role: SinkTopicRole,
    messages: ConsumedMessage[],
    state: PartitionState,
    control: BatchControl,
  ): Promise<boolean> {
    const { deps } = this;
    const started = Date.now();
    const first = messages[0]!;
    const last = messages[messages.length - 1]!;
    const source = { topic, partition };
    // Unsettled again (a new assignment, another incarnation recorded): its position is decided anew.
    if (!state.settled) return false;
    const incarnation = state.incarnation;
    const { records, rejections } = classifyChunk(role, messages, {
      ...source,
      incarnation,
      tz: deps.tz,
      now: started,
    });
    const plan = {
      groupId: deps.groupId,
      topic,
      partition,
      firstOffset: BigInt(first.offset),
      nextOffset: nextOffsetAfter(last.offset),
      incarnation,
      incarnationConfirmed: false,
      verified: state.verified,
      offsetRowExists: this.offsetRows.has(partitionKey(topic, partition)),
      records,
      rejections,
      stages: chunkStages(messages),
      // Runs inside the transaction: only looks up the letters published before it (never sends there).
      deadLetter: (r: typeof rejections) => Promise.resolve(this.deadLetters.outcome(source, r)),
    };
    const key = partitionKey(topic, partition);
    let failedBefore = false;
    let outcome: ChunkOutcome | undefined;
    for (let attempt = 0; outcome === undefined; attempt++) {
      if (this.abandoned(control)) return false;
      try {
        // The incarnation makes dead-letter-id tell apart the same offset of a recreated topic.
        await this.publishDeadLetters(incarnation ? { ...source, incarnation } : source, rejections);
        outcome = await writeChunk(deps.storage, plan);
        if (outcome.kind === 'incarnation' && (await this.incarnationIsCurrent(topic, incarnation))) {
          // The row is of a topic that was deleted since: this chunk starts the new one's offsets.
          deps.log.info("first write of a new topic incarnation over the old one's stored offset", {
            topic,
            partition,
            storedTopicId: outcome.recorded,
            topicId: incarnation,
          });
          plan.incarnationConfirmed = true;
          // The new topic is read from its start: a chunk further on is a stale position, not a gap.
          plan.verified = false;
          outcome = undefined;
        }
      } catch (e) {
        failedBefore = true;
        if (!(await this.retryLater(key, e, attempt, control))) return false;
      }
    }
    this.recovered(key);
    this.offsetRows.add(key);

    switch (outcome.kind) {
      case 'incarnation':
        // Stale: the next batch settles the partition again (and seeks to where the current topic resumes).
        deps.metrics.skippedBelowOffset += messages.length;
        return false;
      case 'rewind':
        // Kafka handed us messages past what MySQL has: go back to MySQL's offset, once per assignment.
        state.verified = true;
        state.next = outcome.to;
        deps.log.warn('Kafka position is ahead of the sink offset in MySQL; seeking back', {
          topic,
          partition,
          from: first.offset,
          to: outcome.to.toString(),
        });
        deps.seek(topic, partition, outcome.to.toString());
        return false;
      case 'skipped': {
        state.verified = true;
        state.next = outcome.stored;
        this.deadLetters.settled(source, outcome.stored);
        // A commit whose reply was lost in an outage did happen if the offset is exactly where it would put it.
        if (failedBefore && outcome.stored === plan.nextOffset) {
          deps.log.info('a commit interrupted by the outage had gone through', { topic, partition });
          // Its exact insert counts were lost with the reply; replays in it (rare) count as persisted here.
          for (const r of plan.records) {
            if (r.kind === 'passage') deps.metrics.passagesPersisted(topic, [r.passage], 1);
            else if (r.kind === 'payment') deps.metrics.payments++;
          }
          this.recordCommitted(plan.records, messages.length, started);
        } else {
          deps.metrics.skippedBelowOffset += messages.length;
        }
        control.resolveOffset(last.offset);
        deps.touch();
        return true;
      }
      case 'written':
        state.verified = true;
        state.next = plan.nextOffset;
        this.deadLetters.settled(source, plan.nextOffset);
        control.resolveOffset(last.offset);
        this.recordWritten(topic, partition, outcome, messages.length, started);
        return true;
      default: {
        const never: never = outcome;
        throw new Error(`unknown outcome ${JSON.stringify(never)}`);
      }
    }
  }

  private recordWritten(
    topic: string,
    partition: number,
    w: WrittenChunk,
    size: number,
    started: number,
  ): void {
    const m = this.deps.metrics;
    const passages = w.records.flatMap((r) => (r.kind === 'passage' ? [r.passage] : []));
    m.passagesPersisted(topic, passages, w.passagesInserted);
    m.payments += w.paymentsInserted;
    m.plazas += w.plazasUpserted;
    m.alreadyPresent += w.passages - w.passagesInserted + (w.payments - w.paymentsInserted);
    for (const [stage, rows] of w.staged.discarded) {
      m.stagedDiscarded += rows;
      this.deps.log.info('rows of a replace run that is over (swapped or abandoned) discarded', {
        stage,
        rows,
        topic,
        partition,
      });
    }
    const at = Date.now();
    for (const r of w.deadLettered.sent) {
      m.deadLetter({
        topic,
        partition,
        offset: r.message.offset,
        code: r.error.code,
        reason: r.error.message,
        at,
      });
    }
    for (const { rejection: r } of w.deadLettered.refused) m.deadLetterRefused(r.error.code);
    this.recordCommitted(w.records, size, started, at);
  }

  /** Latency, throughput per plaza, the recent-passages pane, batch size and time. */
  private recordCommitted(
    records: WrittenChunk['records'],
    size: number,
    started: number,
    at = Date.now(),
  ): void {
    const m = this.deps.metrics;
    const passages: ValidPassage[] = [];
    const payments: ValidPayment[] = [];
    const perPlaza = new Map<number, number>();
    for (const r of records) {
      if (r.kind === 'passage') {
        passages.push(r.passage);
        // Records from pre-0.10 producers carry no timestamp (-1): no latency to measure.
        if (r.producedAtMs > 0) m.passageLatency(at - r.producedAtMs, at);
        perPlaza.set(r.passage.plazaId, (perPlaza.get(r.passage.plazaId) ?? 0) + 1);
      } else if (r.kind === 'payment') {
        payments.push(r.payment);
      }
    }
    for (const [plazaId, n] of perPlaza) m.throughput.record(plazaId, n, at);
    m.recent.addPassages(passages, at);
    m.recent.addPayments(payments);
    m.consumed += size;
    m.batchCommitted(size, at - started, at);
    this.deps.touch();
  }

  /** Shows the failure, waits with backoff while heartbeating; false when the batch must be abandoned. */
  private async retryLater(
    key: string,
    error: unknown,
    attempt: number,
    control: BatchControl,
  ): Promise<boolean> {
    const { deps } = this;
    const fenced =
      (error as { cause?: unknown }).cause instanceof OffsetFenced || error instanceof OffsetFenced;
    // MySQL refuses the writes until someone fixes it (privilege, schema): an error to show, not an outage to
    // wait out. It is still tried again, slowly, so the sink resumes by itself once fixed; nothing is committed
    // meanwhile, so nothing is lost.
    const permanent = !fenced && isPermanentStorageError(error);
    // A fence means another member moved the offset: re-read at once, it is not an outage.
    const delay = fenced
      ? 20
      : permanent
        ? backoffDelay(attempt, { initialMs: 5000, maxMs: PERMANENT_RETRY_MS })
        : backoffDelay(attempt, { initialMs: 250, maxMs: 10_000 });
    deps.metrics.retries++;
    if (!fenced) {
      const cause = (error as Error).message;
      const message = permanent ? `MySQL refuses the sink's writes: ${cause}` : cause;
      const shownAlready = deps.metrics.status.kind === 'error' && deps.metrics.status.message === message;
      this.failing.add(key);
      deps.metrics.status = {
        kind: 'error',
        message,
        willRetry: true,
        retryInMs: delay,
        ...(permanent ? { permanent } : {}),
      };
      if (!permanent) deps.log.warn(`sink batch failed, retrying in ${delay} ms`, { error: cause, attempt });
      else if (!shownAlready) {
        deps.log.error(
          `${message}; nothing is committed until it is fixed, checked again every ${Math.round(PERMANENT_RETRY_MS / 1000)} s at most`,
        );
      }
      deps.touch();
    }
    const until = Date.now() + delay;
    for (;;) {
      const left = until - Date.now();
      if (left <= 0) return !this.abandoned(control);
      await sleep(Math.min(left, 1000), deps.signal);
      if (this.abandoned(control)) return false;
      // Keeps this member in the group during a long MySQL outage.
      if (!(await this.stillMember(control))) return false;
    }
  }

  private recovered(key: string): void {
    if (!this.failing.delete(key) || this.failing.size > 0) return;
    const m = this.deps.metrics;
    if (m.status.kind === 'error') {
      m.status = { kind: 'running' };
      this.deps.log.info('sink recovered');
      this.deps.touch();
    }
  }
}
