/**
 * Fake engine stores and snapshots for component tests: a store whose snapshot the test sets, and snapshot
 * builders with sensible defaults so each test states only what it checks.
 */
import type {
  ClusterSnapshot,
  GroupLag,
  LagSnapshot,
  PartitionLag,
  PersistedPassage,
  ProducerActions,
  ProducerSnapshot,
  ProducersSnapshot,
  SinkSnapshot,
} from '../../../src/engines/types.ts';
import { createElement } from 'react';
import type { ReactElement } from 'react';
import { render } from 'ink-testing-library';
import type { Pace } from '../../../src/sources/source.ts';
import type { LogEntry } from '../../../src/util/log.ts';
import type { ReadableStore } from '../../../src/util/store.ts';
import type { Lifecycle } from '../../../components/alerts/Footer.tsx';
import { MonitorApp } from '../../../components/app/App.tsx';
import type { MonitorServices } from '../../../components/app/services.ts';
import { emptyClusterSnapshot, emptyLagSnapshot, emptySinkSnapshot } from '../../../components/app/empty.ts';
import type { QueryOutcome, QueryService, SavedQueryInfo } from '../../../components/sql/types.ts';

export interface FakeStore<S> extends ReadableStore<S> {
  set(next: S): void;
  update(fn: (s: S) => S): void;
}

/** Like ThrottledStore, minus the throttle: `set` publishes at once. */
export function fakeStore<S>(initial: S): FakeStore<S> {
  let snapshot = initial;
  const listeners = new Set<() => void>();
  return {
    subscribe: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    getSnapshot: () => snapshot,
    set(next) {
      snapshot = next;
      for (const l of listeners) l();
    },
    update(fn) {
      this.set(fn(snapshot));
    },
  };
}

/** Lets Ink process input and re-render (ink-testing-library 4 needs a tick after stdin.write). */
export const tick = (ms = 20): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function producer(over: Partial<ProducerSnapshot> = {}): ProducerSnapshot {
  return {
    id: 'p1',
    name: 'simulator-1',
    spec: 'simulator',
    sourceKind: 'simulator',
    finite: false,
    status: { kind: 'running' },
    pace: { kind: 'rate', perSecond: 200 },
    sent: 1000,
    acked: 990,
    failed: 0,
    payments: 900,
    ratePerSec: 199.5,
    progress: { read: 1000, rejected: 0 },
    ...over,
  };
}

export function producers(list: ProducerSnapshot[]): ProducersSnapshot {
  return {
    producers: list,
    totals: {
      sent: list.reduce((s, p) => s + p.sent, 0),
      acked: list.reduce((s, p) => s + p.acked, 0),
      failed: list.reduce((s, p) => s + p.failed, 0),
      ratePerSec: list.reduce((s, p) => s + p.ratePerSec, 0),
    },
  };
}

export function passage(i: number, over: Partial<PersistedPassage> = {}): PersistedPassage {
  return {
    eventId: `sim-${i}`,
    plazaId: 4000 + (i % 3),
    lane: 1 + (i % 4),
    vehicleId: `V${100000 + i}`,
    vehicleType: ['car', 'truck', 'van'][i % 3]!,
    passedAtMs: Date.UTC(2021, 7, 19, 21, 54, i % 60),
    amountCents: 450,
    currency: 'USD',
    persistedAtMs: 1_700_000_000_000 + i,
    ...over,
  };
}

export function sink(over: Partial<SinkSnapshot> = {}): SinkSnapshot {
  return { ...emptySinkSnapshot('tollstream-sink'), status: { kind: 'running' }, ...over };
}

export function partitionLag(over: Partial<PartitionLag> = {}): PartitionLag {
  return {
    topic: 'toll.passages',
    partition: 0,
    highWatermark: '1200',
    committed: '1100',
    lag: 100,
    timeLagMs: 1500,
    trend: 'flat',
    status: 'OK',
    etaMs: 2000,
    ...over,
  };
}

export function groupLag(over: Partial<GroupLag> = {}): GroupLag {
  return {
    groupId: 'tollstream-sink',
    state: 'Stable',
    members: 1,
    ours: true,
    status: 'OK',
    totalLag: 100,
    partitions: [partitionLag()],
    history: [5, 10, 50, 100],
    ...over,
  };
}

export function lag(groups: GroupLag[]): LagSnapshot {
  return { ...emptyLagSnapshot(), status: { kind: 'running' }, sampledAt: 1, groups };
}

export function cluster(over: Partial<ClusterSnapshot> = {}): ClusterSnapshot {
  return {
    zookeeper: { reachable: true, mode: 'standalone', latencyMs: 2 },
    brokers: { up: 1, total: 1, controller: 0 },
    mysql: { reachable: true, version: '10.11.6-MariaDB' },
    checkedAt: 1,
    ...over,
  };
}

export interface Calls {
  actions: string[];
  quit: number;
  sql: string[];
  cancelled: number;
  history: string[];
}

export interface FakeQuery extends QueryService {
  /** Resolves the running query with this outcome. */
  finish(outcome: QueryOutcome): void;
}

export function fakeQuery(calls: Calls, saved: SavedQueryInfo[] = []): FakeQuery {
  let pending: ((o: QueryOutcome) => void) | undefined;
  const start = (label: string): Promise<QueryOutcome> => {
    calls.sql.push(label);
    return new Promise((resolve) => {
      pending = resolve;
    });
  };
  return {
    saved,
    run: (sql) => start(sql),
    runSaved: (name) => start(`saved:${name}`),
    async cancel() {
      calls.cancelled++;
      pending?.({ kind: 'cancelled', elapsedMs: 1234 });
    },
    finish(outcome) {
      pending?.(outcome);
      pending = undefined;
    },
  };
}

export interface FakeWorld {
  services: MonitorServices;
  calls: Calls;
  producers: FakeStore<ProducersSnapshot>;
  sink: FakeStore<SinkSnapshot>;
  lag: FakeStore<LagSnapshot>;
  cluster: FakeStore<ClusterSnapshot>;
  logs: FakeStore<readonly LogEntry[]>;
  lifecycle: FakeStore<Lifecycle>;
  query: FakeQuery;
}

/** A whole monitor's worth of fake engines whose actions record what they were asked to do. */
export function fakeWorld(
  options: { saved?: SavedQueryInfo[]; history?: string[]; addError?: string } = {},
): FakeWorld {
  const calls: Calls = { actions: [], quit: 0, sql: [], cancelled: 0, history: [] };
  const producerStore = fakeStore(
    producers([
      producer(),
      producer({
        id: 'p2',
        name: 'tolldata-1',
        spec: 'tolldata:./data',
        sourceKind: 'tolldata',
        status: { kind: 'stopped' },
        pace: { kind: 'speed', factor: 'max' },
      }),
    ]),
  );
  const actions: ProducerActions = {
    add(spec: string) {
      calls.actions.push(`add:${spec}`);
      if (options.addError) throw new Error(options.addError);
      producerStore.update((s) => producers([...s.producers, producer({ id: 'p3', name: 'added-1', spec })]));
      return 'p3';
    },
    startProducer: (id) => void calls.actions.push(`start:${id}`),
    stopProducer: async (id) => void calls.actions.push(`stop:${id}`),
    startAll: () => void calls.actions.push('startAll'),
    stopAll: async () => void calls.actions.push('stopAll'),
    setPace: (id: string, pace: Pace) => void calls.actions.push(`pace:${id}:${JSON.stringify(pace)}`),
  };
  const sinkStore = fakeStore(sink());
  const lagStore = fakeStore(lag([groupLag()]));
  const clusterStore = fakeStore(cluster());
  const logs = fakeStore<readonly LogEntry[]>([]);
  const lifecycle = fakeStore<Lifecycle>({ phase: 'running' });
  const query = fakeQuery(calls, options.saved);
  const services: MonitorServices = {
    producers: { store: producerStore, actions },
    sink: sinkStore,
    lag: lagStore,
    cluster: clusterStore,
    logs,
    lifecycle,
    query,
    history: { initial: options.history ?? [], append: (sql) => void calls.history.push(sql) },
    startedAt: Date.now(),
    tz: 'UTC',
    quit: () => void calls.quit++,
  };
  return {
    services,
    calls,
    producers: producerStore,
    sink: sinkStore,
    lag: lagStore,
    cluster: clusterStore,
    logs,
    lifecycle,
    query,
  };
}

export { emptyClusterSnapshot };

/**
 * ink-testing-library's stdout is 100 columns wide and Ink lays the root out at that width; the monitor fills
 * the terminal, so tests at other widths widen the fake stdout and render again.
 */
export function renderAt(node: ReactElement, columns: number): ReturnType<typeof render> {
  const instance = render(node);
  Object.defineProperty(instance.stdout, 'columns', { get: () => columns, configurable: true });
  instance.rerender(node);
  return instance;
}

/** The whole app as the monitor runs it, without frame pacing or colour, in a terminal of the given size. */
export function renderApp(services: MonitorServices, columns = 120, rows = 40): ReturnType<typeof render> {
  return renderAt(
    createElement(MonitorApp, { frameMs: 0, services, size: { columns, rows }, theme: { color: false } }),
    columns,
  );
}

/**
 * Types keys one at a time, as a terminal delivers them, and after each waits until Ink has stopped producing
 * frames (a key that re-lays-out every pane can take a while on a busy machine).
 */
export async function press(
  instance: { stdin: { write(data: string): void }; frames: string[] },
  ...keys: string[]
): Promise<void> {
  for (const k of keys) {
    instance.stdin.write(k);
    const deadline = Date.now() + 1500;
    let seen = -1;
    let quiet = 0;
    while (quiet < 2 && Date.now() < deadline) {
      await tick(15);
      if (instance.frames.length === seen) quiet++;
      else {
        seen = instance.frames.length;
        quiet = 0;
      }
    }
  }
}

/** The first frame that satisfies `predicate`, polling while Ink renders (a re-mount of every pane takes a while). */
export async function frameWhere(
  instance: { lastFrame(): string | undefined },
  predicate: (frame: string) => boolean,
  timeoutMs = 3000,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const frame = instance.lastFrame() ?? '';
    if (predicate(frame) || Date.now() > deadline) return frame;
    await tick(10);
  }
}
