/** Small fakes for the producer engine's pure logic: a scripted source and a publisher that records sends. */
import type { Plaza, TollEvent } from '../../../src/domain/types.ts';
import type { Publisher, SentRecord, TopicBatch } from '../../../src/kafka/producer.ts';
import type { Pace, SourceProgress, TollSource } from '../../../src/sources/source.ts';

export function passageEvent(
  n: number,
  plazaId = 4000 + (n % 3),
  withPayment = true,
  idPrefix = 't',
): TollEvent {
  const eventId = `${idPrefix}-${plazaId}-${String(n).padStart(6, '0')}`;
  return {
    passage: {
      v: 1,
      eventId,
      plazaId,
      lane: 1,
      vehicleId: `V${n}`,
      vehicleType: 'car',
      axles: 2,
      passedAt: new Date(Date.UTC(2024, 0, 1, 0, 0, n % 60)).toISOString(),
      source: 'test',
    },
    ...(withPayment
      ? {
          payment: {
            v: 1,
            paymentId: `pay-${eventId}`,
            eventId,
            plazaId,
            method: 'e-tag',
            amountCents: 450,
            currency: 'USD',
            paidAt: new Date(Date.UTC(2024, 0, 1)).toISOString(),
          },
        }
      : {}),
  };
}

export const PLAZAS: Plaza[] = [4000, 4001, 4002].map((id) => ({
  v: 1,
  plazaId: id,
  code: `P${id}`,
  name: `Plaza ${id}`,
  lanes: 4,
}));

/**
 * A source yielding `batchSize` events per batch: `total` of them (finite) or forever. Like a real source it
 * resumes where the previous events() call stopped and ends promptly when the signal aborts.
 */
export class FakeSource implements TollSource {
  readonly kind = 'fake';
  readonly finite: boolean;
  next = 0;
  private pace: Pace = { kind: 'rate', perSecond: 0 };
  failAt: number | undefined;
  /** Event ids start with this, so several fake sources in one run do not collide. */
  idPrefix = 't';

  constructor(
    readonly spec = 'fake',
    private readonly total: number | undefined = undefined,
    private readonly batchSize = 10,
    private readonly plazaList: Plaza[] = PLAZAS,
  ) {
    this.finite = total !== undefined;
  }

  async plazas(): Promise<Plaza[]> {
    return this.plazaList;
  }

  async *events(signal: AbortSignal): AsyncIterable<TollEvent[]> {
    while (!signal.aborted && (this.total === undefined || this.next < this.total)) {
      const end =
        this.total === undefined
          ? this.next + this.batchSize
          : Math.min(this.total, this.next + this.batchSize);
      const batch: TollEvent[] = [];
      for (; this.next < end; this.next++) {
        if (this.failAt === this.next) throw new Error(`bad row ${this.next}`);
        batch.push(passageEvent(this.next, undefined, true, this.idPrefix));
      }
      // A macrotask between batches, as a paced source has, so timers and aborts get their turn.
      await new Promise((r) => setImmediate(r));
      yield batch;
    }
  }

  setPace(pace: Pace): void {
    this.pace = pace;
  }

  getPace(): Pace {
    return this.pace;
  }

  progress(): SourceProgress {
    return { read: this.next, rejected: 0, ...(this.total !== undefined ? { total: this.total } : {}) };
  }
}

export interface SendCall {
  batches: TopicBatch[];
  at: number;
}

/**
 * Records every send. `gate` holds sends until released (to test backpressure); `failures` makes the next sends
 * throw the given errors in order.
 */
export class FakePublisher implements Publisher {
  readonly calls: SendCall[] = [];
  /** Batches the "broker" kept (acknowledged sends only). */
  readonly log: TopicBatch[] = [];
  failures: Error[] = [];
  /** Fails a send when it returns an error (e.g. the broker going down after some batches). */
  failWhen: ((callNo: number) => Error | undefined) | undefined;
  rejectEventId: string | undefined;
  inFlight = 0;
  maxInFlight = 0;
  connects = 0;
  disconnects = 0;
  private gateOpen = true;
  private releases: (() => void)[] = [];

  async connect(): Promise<void> {
    this.connects++;
  }

  async disconnect(): Promise<void> {
    this.disconnects++;
  }

  /** Holds sends that carry messages for `topic` until release() (plaza sends pass when another topic is held). */
  hold(topic?: string): void {
    this.gateOpen = false;
    this.heldTopic = topic;
  }

  private heldTopic: string | undefined;

  release(): void {
    this.gateOpen = true;
    const r = this.releases;
    this.releases = [];
    for (const f of r) f();
  }

  async send(batches: TopicBatch[]): Promise<SentRecord[]> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      this.calls.push({ batches, at: Date.now() });
      await new Promise((r) => setImmediate(r));
      const held = (): boolean =>
        !this.gateOpen &&
        (!this.heldTopic || batches.some((b) => b.topic === this.heldTopic && b.messages.length));
      while (held()) await new Promise<void>((r) => this.releases.push(r));
      const failure = this.failures.shift() ?? this.failWhen?.(this.calls.length);
      if (failure) throw failure;
      if (
        this.rejectEventId &&
        batches.some((b) =>
          b.messages.some((m) => String(m.value).includes(`"eventId":"${this.rejectEventId}"`)),
        )
      ) {
        throw Object.assign(new Error('MESSAGE_TOO_LARGE'), { rejected: true });
      }
      this.log.push(...batches.filter((b) => b.messages.length));
      return batches.map((b) => ({
        topic: b.topic,
        partition: 0,
        baseOffset: '0',
        count: b.messages.length,
      }));
    } finally {
      this.inFlight--;
    }
  }

  /** Values published to `topic`, parsed, in order. */
  values<T = Record<string, unknown>>(topic: string): T[] {
    return this.log
      .filter((b) => b.topic === topic)
      .flatMap((b) => b.messages.map((m) => JSON.parse(String(m.value)) as T));
  }

  keys(topic: string): string[] {
    return this.log.filter((b) => b.topic === topic).flatMap((b) => b.messages.map((m) => String(m.key)));
  }
}
