/**
 * The contract between the engines and everything that shows them (the Ink monitor, headless NDJSON, the bench).
 * Engines publish immutable snapshots through a ReadableStore (src/util/store.ts) at most every ~150 ms; views
 * only read snapshots and call the engine actions below. Every union here is switched over exhaustively.
 */
import type { ReadableStore } from '../util/store.ts';
import type { Pace, SourceProgress } from '../sources/source.ts';

/** Lifecycle of anything that connects somewhere and may retry. */
export type EngineStatus =
  | { kind: 'idle' }
  | { kind: 'connecting' }
  | { kind: 'running' }
  | { kind: 'paused' }
  | { kind: 'stopped'; reason?: string }
  | { kind: 'finished' }
  | {
      kind: 'error';
      message: string;
      willRetry: boolean;
      retryInMs?: number;
      /**
       * The cause will not go away by waiting (a privilege revoked, a column dropped, a table missing): someone
       * must fix it. The engine still checks again every retryInMs and resumes by itself once it is fixed.
       */
      permanent?: boolean;
      /** The input cannot be read as given (a bad source spec, an ambiguous date column): the user must choose. */
      usage?: boolean;
    };

export interface Engine<S> {
  readonly store: ReadableStore<S>;
  start(): Promise<void>;
  /** Idempotent; resolves when flushed (producers) or when the current batch is committed (sink). */
  stop(): Promise<void>;
}

// ---- producers ----

export interface ProducerSnapshot {
  id: string;
  /** Display name, e.g. "simulator-1". */
  name: string;
  /** Source spec as given, e.g. "tolldata:../shared/data/tolldata". */
  spec: string;
  sourceKind: string;
  finite: boolean;
  status: EngineStatus;
  pace: Pace;
  /** Passages handed to Kafka / acknowledged by all in-sync replicas / failed for good. */
  sent: number;
  acked: number;
  failed: number;
  payments: number;
  /** Publish attempts that failed and were tried again (Kafka unreachable, a leader moving). */
  retries?: number;
  /** Acknowledged passages per second over the last few seconds. */
  ratePerSec: number;
  progress: SourceProgress;
  /** Time left for a finite source at its recent read rate: 0 when done, null when not moving, absent when unknown. */
  etaMs?: number | null;
  startedAt?: number;
  lastError?: string;
}

export interface ProducersSnapshot {
  producers: ProducerSnapshot[];
  totals: { sent: number; acked: number; failed: number; ratePerSec: number };
}

export interface ProducerActions {
  /** Adds a producer for a source spec (same forms as --source); returns its id. Throws on a bad spec. */
  add(spec: string, options?: { pace?: Pace; autostart?: boolean }): string;
  startProducer(id: string): void;
  stopProducer(id: string): Promise<void>;
  startAll(): void;
  stopAll(): Promise<void>;
  setPace(id: string, pace: Pace): void;
}

// ---- sink ----

/** A passage as persisted, for the live-vehicles pane. */
export interface PersistedPassage {
  eventId: string;
  plazaId: number;
  lane?: number;
  vehicleId: string;
  vehicleType: string;
  passedAtMs: number;
  amountCents?: number;
  currency?: string;
  persistedAtMs: number;
}

export interface LatencySummary {
  p50Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
  count: number;
}

export interface PlazaThroughput {
  plazaId: number;
  /** Passages persisted per bucket, oldest first; the last bucket is the current (partial) one. */
  buckets: number[];
  total: number;
}

export interface SinkSnapshot {
  status: EngineStatus;
  groupId: string;
  /** Partitions this member owns now, per topic. */
  assignment: Record<string, number[]>;
  consumed: number;
  /** Rows committed to MySQL (passages). */
  persisted: number;
  payments: number;
  plazas: number;
  deadLettered: number;
  deadLetterReasons: Record<string, number>;
  /** Rows skipped because MySQL already had them (replays); not duplicates. */
  alreadyPresent: number;
  ratePerSec: number;
  lastBatch?: { size: number; ms: number; at: number };
  /** Produce time (Kafka message timestamp) to MySQL commit. */
  latency: LatencySummary;
  recent: PersistedPassage[];
  bucketMs: number;
  throughput: PlazaThroughput[];
}

// ---- lag ----

export type LagStatus = 'OK' | 'WARN' | 'STALL' | 'STOP' | 'UNKNOWN';
export type Trend = 'up' | 'down' | 'flat';

export interface PartitionLag {
  topic: string;
  partition: number;
  highWatermark: string;
  /** null when the group never committed on this partition (shown as "—"). */
  committed: string | null;
  lag: number | null;
  /** Age of the oldest unconsumed message, ms (null when unknown or caught up). */
  timeLagMs: number | null;
  trend: Trend;
  status: LagStatus;
  /** Estimated time to catch up at the current consume rate; null when not catching up. */
  etaMs: number | null;
}

export interface GroupLag {
  groupId: string;
  state: string;
  members: number;
  ours: boolean;
  status: LagStatus;
  totalLag: number | null;
  partitions: PartitionLag[];
  /** Total lag samples, oldest first, for the sparkline. */
  history: number[];
}

export interface LagSnapshot {
  status: EngineStatus;
  sampledAt: number | null;
  groups: GroupLag[];
}

// ---- cluster header ----

export interface ClusterSnapshot {
  zookeeper: { reachable: boolean; mode?: string; latencyMs?: number; error?: string };
  brokers: { up: number; total: number; controller: number | null; error?: string };
  mysql: { reachable: boolean; version?: string; error?: string };
  checkedAt: number | null;
}
