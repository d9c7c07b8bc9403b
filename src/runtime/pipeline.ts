/**
 * The whole pipeline in one process, for the monitor, headless mode and the benchmark: the producer engine
 * (role producer|all), the sink (role consumer|all), the lag monitor and the cluster monitor. It owns the one
 * shutdown path: stop producers (flush), stop the sink (finish the batch, commit), stop the monitors; each engine
 * closes its own clients and pools in its stop().
 */
import type { Config, Role } from '../config/config.ts';
import type { TollEvent } from '../domain/types.ts';
import type { AnomalyEngine } from '../anomalies/engine.ts';
import type { ProducerEngine, ProducerEngineOptions } from '../engines/producer/index.ts';
import type { ClusterSnapshot, Engine, LagSnapshot, LatencySummary, SinkSnapshot } from '../engines/types.ts';
import { createLogger } from '../util/log.ts';
import type { Logger } from '../util/log.ts';
import { DEFAULT_PARTS } from './parts.ts';
import type { Topics } from '../config/config.ts';

/** The sink as the pipeline sees it: the contract snapshot, plus its optional last-10-s latency. */
export type SinkView = Engine<SinkSnapshot & { recentLatency?: LatencySummary }>;

export interface SinkPartOptions {
  groupId: string;
  topics: Topics;
  logger: Logger;
}

export interface LagPartOptions {
  ourGroupId: string;
  intervalMs: number;
  topics: string[];
  logger: Logger;
}

/** The engines a pipeline is made of; the defaults are the real ones (parts.ts), tests substitute fakes. */
export interface PipelineParts {
  producers(config: Config, options: ProducerEngineOptions): ProducerEngine;
  sink(config: Config, options: SinkPartOptions): SinkView;
  lag(config: Config, options: LagPartOptions): Engine<LagSnapshot>;
  cluster(config: Config, options: { logger: Logger }): Engine<ClusterSnapshot>;
  anomalies(config: Config, options: { topics: Topics; logger: Logger }): AnomalyEngine;
}

export interface PipelineOptions {
  role: Role;
  /** Source specs, one producer each (ignored for role consumer). */
  sources: string[];
  /** Topic names: the defaults (TOPICS), then TOLLSTREAM_TOPIC_* and the config file's topics.*, then these. */
  topics?: Partial<Topics>;
  logger?: Logger;
  /** The sink's consumer group; config.groupId by default. */
  groupId?: string;
  /** `--events`: passages all producers together publish before they finish. */
  maxPassages?: number;
  onAcked?: (producerId: string, events: readonly TollEvent[]) => void;
  producerOptions?: Omit<ProducerEngineOptions, 'topics' | 'logger' | 'maxPassages' | 'onAcked'>;
  lagIntervalMs?: number;
  /** The cluster header (ZooKeeper, brokers, MySQL); headless mode has no use for it. */
  clusterMonitor?: boolean;
  /** Replaces some engines (tests); the rest are the real ones. */
  parts?: Partial<PipelineParts>;
}

export interface Pipeline {
  readonly role: Role;
  readonly topics: Topics;
  readonly groupId: string;
  readonly producers: ProducerEngine | null;
  readonly sink: SinkView | null;
  readonly lag: Engine<LagSnapshot> | null;
  readonly cluster: Engine<ClusterSnapshot> | null;
  /** The anomaly detector (role anomalies, or role all with anomalies.enabled). */
  readonly anomalies: AnomalyEngine | null;
  /** Starts the sink and the monitors; resolves once the sink has joined its group (or was stopped). */
  startConsumers(): Promise<void>;
  startProducers(): void;
  /** Both of the above without waiting for the sink to join. */
  start(): Promise<void>;
  /** Stops every producer, flushing what it holds. */
  stopProducers(): Promise<void>;
  /** The one shutdown path. Idempotent: later calls return the first call's promise. */
  shutdown(): Promise<void>;
}

const producesIn = (role: Role): boolean => role === 'producer' || role === 'all';
const consumesIn = (role: Role): boolean => role === 'consumer' || role === 'all';
const detectsIn = (role: Role, config: Config): boolean =>
  role === 'anomalies' || (role === 'all' && config.anomalies.enabled);

/** Throws on a bad source spec (the producer engine's add() does), before anything is started. */
export function createPipeline(config: Config, options: PipelineOptions): Pipeline {
  const log = options.logger ?? createLogger('pipeline');
  const topics: Topics = { ...config.topics, ...options.topics };
  const groupId = options.groupId ?? config.groupId;
  const parts: PipelineParts = { ...DEFAULT_PARTS, ...options.parts };
  const { role } = options;

  let producers: ProducerEngine | null = null;
  if (producesIn(role)) {
    producers = parts.producers(config, {
      ...options.producerOptions,
      topics,
      logger: log.child('producers'),
      ...(options.maxPassages !== undefined ? { maxPassages: options.maxPassages } : {}),
      ...(options.onAcked ? { onAcked: options.onAcked } : {}),
    });
    for (const spec of options.sources) producers.add(spec, { autostart: false });
  }
  const sink = consumesIn(role) ? parts.sink(config, { groupId, topics, logger: log.child('sink') }) : null;
  const anomalies = detectsIn(role, config)
    ? parts.anomalies(config, { topics, logger: log.child('anomalies') })
    : null;
  const lag = parts.lag(config, {
    ourGroupId: groupId,
    intervalMs: options.lagIntervalMs ?? 2000,
    topics: Object.values(topics),
    logger: log.child('lag'),
  });
  const cluster =
    options.clusterMonitor === false ? null : parts.cluster(config, { logger: log.child('cluster') });

  const background = (what: string, work: Promise<void>): void => {
    work.catch((e: unknown) => log.error(`${what} failed to start: ${(e as Error).message}`));
  };

  let shuttingDown: Promise<void> | undefined;
  const step = async (what: string, work: () => Promise<void> | undefined): Promise<void> => {
    try {
      await work();
    } catch (e) {
      log.error(`${what} did not stop cleanly: ${(e as Error).message}`);
    }
  };

  const pipeline: Pipeline = {
    role,
    topics,
    groupId,
    producers,
    sink,
    lag,
    cluster,
    anomalies,
    async startConsumers() {
      background('lag monitor', lag.start());
      if (cluster) background('cluster monitor', cluster.start());
      if (anomalies) background('anomaly detector', anomalies.start());
      await sink?.start();
    },
    startProducers() {
      producers?.startAll();
    },
    async start() {
      background('sink', pipeline.startConsumers());
      pipeline.startProducers();
    },
    stopProducers: async () => {
      await producers?.stopAll();
    },
    shutdown() {
      shuttingDown ??= (async () => {
        await step('producers', () => producers?.stop());
        await step('sink', () => sink?.stop());
        await step('anomaly detector', () => anomalies?.stop());
        await Promise.all([
          step('lag monitor', () => lag.stop()),
          step('cluster monitor', () => cluster?.stop()),
        ]);
      })();
      return shuttingDown;
    },
  };
  return pipeline;
}
