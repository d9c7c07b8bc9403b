/**
 * The benchmark on the real stack with small numbers: every phase reconciles, the monitor phases really draw the
 * app into their off-screen terminals, and what the phases persisted is checked with SQL (and the backlog against
 * the topic as kcat reads it) in the bench's own databases before the bench removes them.
 */
import { Writable } from 'node:stream';
import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ProgressLine } from '../../../src/bench/progress.ts';
import { allReconciled } from '../../../src/bench/report.ts';
import { runBench } from '../../../src/bench/run.ts';
import type { BenchFixture } from '../../../src/bench/fixture.ts';
import type { OffscreenTerminal } from '../../../src/bench/offscreen.ts';
import { createKafka } from '../../../src/kafka/client.ts';
import { Storage } from '../../../src/storage/db.ts';
import { createLogger } from '../../../src/util/log.ts';
import { eventIds, readTopic } from '../../helpers/read-topic.ts';
import { testConfig } from '../../helpers/services.ts';
import { expectExactlyOnce, passageCount, passageIds } from '../headless/cli.ts';

// Ink draws every frame only when CI is unset; it reads CI once, when the bench first loads it (after this line).
process.env.CI = '0';

const EVENTS = 20_000;

async function inDatabase<T>(fixture: BenchFixture, read: (storage: Storage) => Promise<T>): Promise<T> {
  const storage = await Storage.open({ url: fixture.config.mysql.url, connectionLimit: 1 });
  try {
    return await read(storage);
  } finally {
    await storage.close();
  }
}

describe('tollstream bench', () => {
  it('reconciles every phase, draws the monitor, and the sink alone persists the backlog exactly once', async () => {
    const config = testConfig();
    const terminals = new Map<string, OffscreenTerminal>();
    const seen: {
      monitorRows?: number;
      backlogRows?: number;
      backlog?: { kafka: number; mysql: number };
    } = {};
    const quiet = new Writable({ write: (_c, _e, done) => done() }) as unknown as NodeJS.WriteStream;
    const result = await runBench(config, {
      events: EVENTS,
      latencyDurationMs: 3000,
      // A warm-up exercised, not measured: small, to keep the test short.
      warmUpPassages: 2000,
      perfTool: false,
      log: createLogger('bench-test'),
      progress: new ProgressLine(quiet),
      onTerminal: (phase, terminal) => terminals.set(phase, terminal),
      beforeCleanup: async ({ monitor, backlog }) => {
        if (monitor) seen.monitorRows = await inDatabase(monitor, passageCount);
        if (!backlog) return;
        seen.backlogRows = await inDatabase(backlog, passageCount);
        const mysqlIds = await inDatabase(backlog, passageIds);
        // kcat, a client the project did not write, reads the backlog's passages topic from the beginning.
        const records = await readTopic(
          createKafka(config.kafka, { clientIdSuffix: '-test' }),
          config.kafka.brokers,
          backlog.topics.passages,
          (r) => r.length >= EVENTS,
        );
        seen.backlog = expectExactlyOnce(eventIds(records), mysqlIds);
      },
    });

    const reasons = [result.fullSpeed, result.latency, result.monitor?.fullSpeed, result.monitor?.latency]
      .map((p) => p?.reason)
      .concat(result.backlog?.reason);
    expect(allReconciled(result), reasons.join('; ')).toBe(true);
    expect(result.fullSpeed.passages).toBe(EVENTS);

    // The monitor phases: frames rendered, and the panes drawn into the off-screen terminal.
    const monitor = result.monitor!;
    expect(monitor.fullSpeed.passages).toBe(EVENTS);
    expect(seen.monitorRows).toBe(monitor.fullSpeed.passages + monitor.latency.passages);
    for (const phase of ['fullSpeed', 'latency'] as const) {
      const terminal = terminals.get(phase)!;
      const screen = monitor[phase].screen!;
      expect(screen.error).toBeNull();
      expect(screen.frames).toBeGreaterThan(1);
      expect(terminal.stdout.bytes).toBeGreaterThan(0);
      expect(screen.bytes).toBe(terminal.stdout.bytes);
      // Drawn as it ran, not only the last frame at unmount.
      expect(terminal.stdout.writes).toBeGreaterThan(2);
      const text = stripVTControlCharacters(terminal.stdout.recent);
      expect(text).toContain('Producers');
      expect(text).toContain('Consumer lag');
      expect(text).toContain('Live vehicles');
    }
    expect(monitor.latency.p99Ms).not.toBeNull();

    // The sink alone: the backlog's rows, counted in its database and matched id for id with the topic.
    const backlog = result.backlog!;
    expect(backlog.passages).toBe(EVENTS);
    expect(seen.backlogRows).toBe(EVENTS);
    expect(seen.backlog).toEqual({ kafka: EVENTS, mysql: EVENTS });
    expect(backlog.rows).toBe(EVENTS);
    expect(backlog.persistedPerSec).toBeGreaterThan(0);
    expect(backlog.joinSeconds).not.toBeNull();
  });
});
