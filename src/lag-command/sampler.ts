/**
 * The lag engine of the monitor's lag pane (collect.ts looks at the cluster, tracker.ts keeps the Burrow windows,
 * the time-lag timeline and the trend), driven look by look for `tollstream lag`.
 *
 * Status, trend and ETA compare looks, so one look says little: a one-shot run takes a short series (`series`).
 * Time lag of messages written before the first look comes from a history Kafka answers in the background; the
 * series waits a little longer for it, so a stopped group shows how old its backlog really is.
 */
import type { KafkaAdmin } from '../kafka/admin.ts';
import { LagCollector } from '../engines/lag/collect.ts';
import { LagTracker } from '../engines/lag/tracker.ts';
import type { GroupLagDetail } from '../engines/lag/tracker.ts';
import { Ring } from '../util/ring.ts';
import { sleep } from '../util/backoff.ts';

export interface LagLook {
  /** When the look's answers were all in (ms). */
  at: number;
  /** Every group that reads a toll topic, ours first, then the most troubled. */
  groups: GroupLagDetail[];
  /** The toll topics that exist, in configuration order. */
  topics: string[];
  /** Looks the statuses are based on (the Burrow window) and the time they span. */
  samples: number;
  spanMs: number;
  /** True while Kafka's answer about some topic's past has not come in yet. */
  historyPending: boolean;
}

export interface SamplerOptions {
  topics: readonly string[];
  ourGroupId: string;
  /** Looks per Burrow window. */
  windowSize: number;
}

export class LagSampler {
  private readonly collector: LagCollector;
  private readonly tracker: LagTracker;
  private readonly historyFor = new Set<string>();
  private readonly times: Ring<number>;

  constructor(
    admin: KafkaAdmin,
    private readonly options: SamplerOptions,
  ) {
    this.collector = new LagCollector(admin, { topics: options.topics });
    this.tracker = new LagTracker({ ourGroupId: options.ourGroupId, windowSize: options.windowSize });
    this.times = new Ring<number>(options.windowSize);
  }

  async look(now: () => number = Date.now): Promise<LagLook> {
    const observation = await this.collector.observe(now);
    for (const topic of observation.history?.keys() ?? []) this.historyFor.add(topic);
    const groups = this.tracker.ingest(observation);
    this.times.push(observation.at);
    const topics = this.options.topics.filter((t) => observation.highWatermarks.has(t));
    const times = this.times.toArray();
    return {
      at: observation.at,
      groups,
      topics,
      samples: times.length,
      spanMs: observation.at - times[0]!,
      historyPending: topics.some((t) => !this.historyFor.has(t)),
    };
  }
}

export interface SeriesOptions {
  samples: number;
  gapMs: number;
  /** How long past the last planned look to keep looking while the history is pending. */
  historyWaitMs: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/** `samples` looks `gapMs` apart (more while the time-lag history is pending, up to `historyWaitMs`); the last. */
export async function series(
  sampler: { look(now?: () => number): Promise<LagLook> },
  { samples, gapMs, historyWaitMs, sleep: wait = sleep, now = Date.now }: SeriesOptions,
): Promise<LagLook> {
  let last = await sampler.look(now);
  const deadline = last.at + (samples - 1) * gapMs + historyWaitMs;
  for (let taken = 1; taken < samples || (last.historyPending && now() + gapMs <= deadline); taken++) {
    await wait(gapMs);
    last = await sampler.look(now);
  }
  return last;
}
