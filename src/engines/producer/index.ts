/**
 * The producer engine: any number of named producers (`simulator-1`, `tolldata-1`, ...), each publishing one
 * source's passages to `toll.passages`, their payments to `toll.payments` and the source's plazas once to
 * `toll.plazas`, keyed by plaza id. Views read ProducersSnapshot from the store and call the actions.
 */
import type { Config } from '../../config/config.ts';
import type { TollEvent } from '../../domain/types.ts';
import { createKafka } from '../../kafka/client.ts';
import type { Kafka } from '../../kafka/client.ts';
import { AckTally } from '../../kafka/ack-check.ts';
import { KafkaPublisher } from '../../kafka/producer.ts';
import { PublisherThread } from '../../kafka/publisher-thread.ts';
import type { Publisher } from '../../kafka/producer.ts';
import { createSource } from '../../sources/index.ts';
import type { Pace, SourceContext, TollSource } from '../../sources/source.ts';
import { createLogger } from '../../util/log.ts';
import type { Logger } from '../../util/log.ts';
import { ThrottledStore } from '../../util/store.ts';
import type { Engine, ProducerActions, ProducersSnapshot } from '../types.ts';
import { Budget } from './budget.ts';
import type { Topics } from './messages.ts';
import { DEFAULT_TUNING, NamedProducer } from './producer.ts';
import { createPlazaRegistry } from './plaza-codes.ts';
import type { PlazaRegistry } from '../../sources/plaza-registry.ts';
import type { ProducerTuning } from './producer.ts';

export type ProducerEngine = Engine<ProducersSnapshot> &
  ProducerActions & {
    /** What Kafka acknowledged to this engine's publishers, checked per partition (absent with fake publishers). */
    readonly acknowledgements?: AckTally;
    /** The plaza codes of every source of this engine; registeredThisRun() lists the codes new in this run. */
    readonly plazaRegistry?: PlazaRegistry;
  };
export type SourceFactory = (spec: string, ctx: SourceContext) => TollSource;
export type { Topics } from './messages.ts';

export interface ProducerEngineOptions {
  topics?: Partial<Topics>;
  logger?: Logger;
  sourceFactory?: SourceFactory;
  /** One publisher per producer (its own idempotent producer id); tests pass fakes. */
  publisherFactory?: (producerId: string) => Publisher;
  /** Total passages all producers may publish (`--events`); producers finish once it is spent. */
  maxPassages?: number;
  /** Called with every acknowledged batch (headless mode records the event ids to reconcile). */
  onAcked?: (producerId: string, events: readonly TollEvent[]) => void;
  tuning?: Partial<ProducerTuning>;
  storeIntervalMs?: number;
  /** Shared by the engine's sources; by default one loaded from the plaza topic (plaza-codes.ts). */
  plazaRegistry?: PlazaRegistry;
}

/** The pace a new producer starts with: the simulator takes a rate, replays a speed. */
export function defaultPace(spec: string, config: Config): Pace {
  return spec.split(':')[0] === 'simulator'
    ? { kind: 'rate', perSecond: config.run.rate }
    : { kind: 'speed', factor: config.run.speed };
}

export function createProducerEngine(config: Config, options: ProducerEngineOptions = {}): ProducerEngine {
  const topics: Topics = { ...config.topics, ...options.topics };
  const logger = options.logger ?? createLogger('producers');
  const sourceFactory =
    options.sourceFactory ?? ((spec: string, ctx: SourceContext) => createSource(spec, ctx));
  const tuning: ProducerTuning = { ...DEFAULT_TUNING, ...options.tuning };
  const budget = new Budget(options.maxPassages);
  const producers = new Map<string, NamedProducer>();
  const perKind = new Map<string, number>();
  let kafka: Kafka | undefined;
  const acknowledgements = options.publisherFactory ? undefined : new AckTally();
  // Read when the first source that maps plaza codes starts, not before.
  const plazaRegistry =
    options.plazaRegistry ??
    createPlazaRegistry(config, { topic: topics.plazas, logger: logger.child('plazas') });
  const thread =
    !options.publisherFactory && config.kafka.producerThread && acknowledgements
      ? new PublisherThread({ kafka: config.kafka, namespace: 'producers:kafka' }, acknowledgements)
      : undefined;
  const publisherFactory =
    options.publisherFactory ??
    (thread ? (): Publisher => thread.publisher() : undefined) ??
    ((id: string): Publisher => {
      kafka ??= createKafka(config.kafka, {
        logger: logger.child('kafka'),
        clientIdSuffix: '-producer',
      });
      void id;
      return new KafkaPublisher(kafka, {
        compression: config.kafka.compression,
        logger: logger.child('kafka'),
        ...(acknowledgements ? { tally: acknowledgements } : {}),
      });
    });

  const store = new ThrottledStore<ProducersSnapshot>(() => {
    const now = Date.now();
    const list = [...producers.values()].map((p) => p.snapshot(now));
    return {
      producers: list,
      totals: {
        sent: list.reduce((n, p) => n + p.sent, 0),
        acked: list.reduce((n, p) => n + p.acked, 0),
        failed: list.reduce((n, p) => n + p.failed, 0),
        ratePerSec: list.reduce((n, p) => n + p.ratePerSec, 0),
      },
    };
  }, options.storeIntervalMs);
  const touch = (): void => store.touch();

  // Rates decay and "waiting for Kafka" appears without any event, so running producers are re-read regularly.
  let ticker: NodeJS.Timeout | undefined;
  const tick = (): void => {
    if ([...producers.values()].some((p) => p.isRunning)) touch();
  };

  const get = (id: string): NamedProducer => {
    const p = producers.get(id);
    if (!p) throw new Error(`no producer "${id}" (have: ${[...producers.keys()].join(', ') || 'none'})`);
    return p;
  };

  const startProducer = (id: string): void => {
    ticker ??= setInterval(tick, 500).unref();
    get(id).start();
  };

  const stopAll = async (): Promise<void> => {
    await Promise.all([...producers.values()].map((p) => p.stop()));
    store.flush();
  };

  return {
    store,
    ...(acknowledgements ? { acknowledgements } : {}),
    plazaRegistry,
    add(spec, { pace, autostart = true } = {}) {
      const source = sourceFactory(spec, {
        tz: config.tz,
        pace: pace ?? defaultPace(spec, config),
        ...(config.run.from !== undefined ? { from: config.run.from } : {}),
        ...(config.run.to !== undefined ? { to: config.run.to } : {}),
        stateDir: config.stateDir,
        plazaRegistry,
      });
      const n = (perKind.get(source.kind) ?? 0) + 1;
      perKind.set(source.kind, n);
      const id = `${source.kind}-${n}`;
      producers.set(
        id,
        new NamedProducer(id, source, {
          topics,
          logger,
          budget,
          tuning,
          createPublisher: () => publisherFactory(id),
          onChange: touch,
          ...(options.onAcked ? { onAcked: options.onAcked } : {}),
        }),
      );
      if (autostart) startProducer(id);
      // A user action shows at once rather than on the next throttle tick.
      touch();
      store.flush();
      return id;
    },
    startProducer,
    stopProducer: async (id) => {
      await get(id).stop();
      store.flush();
    },
    startAll() {
      for (const id of producers.keys()) startProducer(id);
    },
    stopAll,
    setPace(id, pace) {
      get(id).setPace(pace);
      store.flush();
    },
    async start() {
      for (const id of producers.keys()) startProducer(id);
    },
    async stop() {
      await stopAll();
      if (ticker) clearInterval(ticker);
      ticker = undefined;
      await thread?.close();
      store.dispose();
    },
  };
}
