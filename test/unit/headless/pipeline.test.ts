import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/config.ts';
import type { Role } from '../../../src/config/config.ts';
import { createPipeline } from '../../../src/runtime/pipeline.ts';
import type { PipelineParts } from '../../../src/runtime/pipeline.ts';
import type { ProducerEngine } from '../../../src/engines/producer/index.ts';
import { ThrottledStore } from '../../../src/util/store.ts';

function recordingParts(events: string[]): Partial<PipelineParts> {
  const engine = <S>(name: string, snapshot: S) => ({
    store: new ThrottledStore(() => snapshot),
    start: async () => void events.push(`start ${name}`),
    stop: async () => {
      await new Promise((r) => setTimeout(r, 5));
      events.push(`stop ${name}`);
    },
  });
  return {
    producers: (_config, options) => {
      events.push(`create producers (topics ${options.topics?.passages})`);
      const added: string[] = [];
      return {
        ...engine('producers', { producers: [], totals: { sent: 0, acked: 0, failed: 0, ratePerSec: 0 } }),
        add: (spec: string) => {
          if (spec === 'file:bad') throw new Error('bad source "file:bad"');
          added.push(spec);
          events.push(`add ${spec}`);
          return spec;
        },
        startProducer: () => {},
        stopProducer: async () => {},
        startAll: () => void events.push('start producers'),
        stopAll: async () => void events.push('flush producers'),
        setPace: () => {},
      } satisfies ProducerEngine;
    },
    sink: (_config, { groupId }) => {
      events.push(`create sink ${groupId}`);
      return engine('sink', {} as never);
    },
    lag: () => engine('lag', {} as never),
    cluster: () => engine('cluster', {} as never),
    anomalies: () => engine('anomalies', {} as never),
  };
}

const config = (role: Role) => loadConfig({ role }, {}, os.tmpdir());

describe('pipeline', () => {
  it('composes every engine for role all and shuts down producers, the sink, the detector, then the monitors, once', async () => {
    const events: string[] = [];
    const p = createPipeline(config('all'), {
      role: 'all',
      sources: ['simulator', 'file:x'],
      topics: { passages: 'my.passages' },
      groupId: 'g1',
      parts: recordingParts(events),
    });
    expect(p.topics.passages).toBe('my.passages');
    expect(p.topics.payments).toBe('toll.payments');
    await p.startConsumers();
    p.startProducers();
    const [a, b] = [p.shutdown(), p.shutdown()];
    expect(a).toBe(b);
    await a;
    expect(events.slice(0, 4)).toEqual([
      'create producers (topics my.passages)',
      'add simulator',
      'add file:x',
      'create sink g1',
    ]);
    const stops = events.filter((e) => e.startsWith('stop'));
    expect(stops.slice(0, 3)).toEqual(['stop producers', 'stop sink', 'stop anomalies']);
    expect(stops.slice(3).sort()).toEqual(['stop cluster', 'stop lag']);
  });

  it('runs only what a role needs', () => {
    const consumer = createPipeline(config('consumer'), {
      role: 'consumer',
      sources: ['simulator'],
      parts: recordingParts([]),
    });
    expect(consumer.producers).toBeNull();
    expect(consumer.sink).not.toBeNull();
    expect(consumer.anomalies).toBeNull();
    const detector = createPipeline(config('anomalies'), {
      role: 'anomalies',
      sources: ['simulator'],
      parts: recordingParts([]),
    });
    expect([detector.producers, detector.sink]).toEqual([null, null]);
    expect(detector.anomalies).not.toBeNull();
    const withoutDetector = createPipeline(
      loadConfig({ role: 'all' }, { TOLLSTREAM_ANOMALIES: 'false' }, os.tmpdir()),
      {
        role: 'all',
        sources: [],
        parts: recordingParts([]),
      },
    );
    expect(withoutDetector.anomalies).toBeNull();
    const producer = createPipeline(config('producer'), {
      role: 'producer',
      sources: ['simulator'],
      parts: recordingParts([]),
      clusterMonitor: false,
    });
    expect(producer.sink).toBeNull();
    expect(producer.cluster).toBeNull();
    expect(producer.producers).not.toBeNull();
  });

  it('refuses a bad source before creating the sink', () => {
    const events: string[] = [];
    expect(() =>
      createPipeline(config('all'), {
        role: 'all',
        sources: ['simulator', 'file:bad'],
        parts: recordingParts(events),
      }),
    ).toThrow('bad source "file:bad"');
    expect(events.some((e) => e.startsWith('create sink'))).toBe(false);
  });
});
