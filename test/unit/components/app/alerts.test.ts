import { describe, expect, it, test } from 'vitest';
import { deriveAlerts, dlqAlert, lagAlerts, silentPlazas } from '../../../../components/alerts/rules.ts';
import { newestProblem } from '../../../../components/alerts/Footer.tsx';
import { addSample, growthWithin, rateOver } from '../../../../components/header/rates.ts';
import {
  FRAME_MS,
  MAX_FRAME_MS,
  RENDER_BUDGET,
  createFrameStore,
  paceInterval,
} from '../../../../components/app/frame.ts';
import { fakeWorld, groupLag, lag, partitionLag, producer, producers, sink } from '../fakes.ts';

const buckets = (before: number, silent: number, partial = 1) => [
  ...Array<number>(before).fill(5),
  ...Array<number>(silent).fill(0),
  partial,
];

describe('alerts', () => {
  test('a plaza silent for 30 s while others still flow', () => {
    const s = sink({
      bucketMs: 5000,
      throughput: [
        { plazaId: 4003, buckets: buckets(4, 6), total: 20 },
        { plazaId: 4004, buckets: [...Array<number>(10).fill(3), 1], total: 30 },
      ],
    });
    expect(silentPlazas(s).map((a) => a.text)).toEqual(['plaza 4003 silent for 30s']);
  });

  test('no silence alert when everything stopped, or when the plaza never had traffic', () => {
    const allStopped = sink({
      bucketMs: 5000,
      throughput: [
        { plazaId: 1, buckets: buckets(4, 6), total: 20 },
        { plazaId: 2, buckets: buckets(4, 6), total: 20 },
      ],
    });
    expect(silentPlazas(allStopped)).toEqual([]);
    const never = sink({
      bucketMs: 5000,
      throughput: [
        { plazaId: 1, buckets: Array<number>(11).fill(0), total: 0 },
        { plazaId: 2, buckets: Array<number>(11).fill(2), total: 22 },
      ],
    });
    expect(silentPlazas(never)).toEqual([]);
  });

  test('partitions in STALL or STOP, per group; ours is an error; abandoned groups stay quiet', () => {
    const l = lag([
      groupLag({
        partitions: [
          partitionLag({ partition: 3, status: 'STALL' }),
          partitionLag({ partition: 4, status: 'STOP' }),
        ],
      }),
      groupLag({ groupId: 'other', ours: false, partitions: [partitionLag({ status: 'WARN' })] }),
      groupLag({
        groupId: 'abandoned',
        ours: false,
        members: 0,
        partitions: [partitionLag({ status: 'STOP' })],
      }),
    ]);
    expect(lagAlerts(l)).toEqual([
      {
        key: 'lag:tollstream-sink',
        severity: 'error',
        text: 'lag STOP: group tollstream-sink toll.passages[3] STALL, toll.passages[4] STOP',
      },
    ]);
  });

  test('a growing DLQ, with its main reason', () => {
    const s = sink({ deadLettered: 12, deadLetterReasons: { 'not-json': 10, 'missing-field': 2 } });
    const samples = [
      { at: 0, value: 2 },
      { at: 50_000, value: 4 },
      { at: 60_000, value: 12 },
    ];
    expect(dlqAlert(s, samples, 60_000)?.text).toBe('DLQ growing: +8 in 30s (mostly not-json)');
    expect(
      dlqAlert(
        s,
        [
          { at: 0, value: 12 },
          { at: 60_000, value: 12 },
        ],
        60_000,
      ),
    ).toBeNull();
  });

  test('errors come first', () => {
    const s = sink({
      bucketMs: 5000,
      throughput: [
        { plazaId: 9, buckets: buckets(4, 6), total: 1 },
        { plazaId: 8, buckets: Array<number>(11).fill(1), total: 1 },
      ],
    });
    const l = lag([groupLag({ partitions: [partitionLag({ status: 'STOP' })] })]);
    expect(deriveAlerts(s, l, [], 0).map((a) => a.severity)).toEqual(['error', 'warn']);
  });

  test('the log line shows the newest warning or error of the last minute', () => {
    const logs = [
      { at: 100_000, level: 'info' as const, namespace: 'sink', message: 'joined' },
      { at: 90_000, level: 'warn' as const, namespace: 'kafka', message: 'broker unreachable' },
    ];
    expect(newestProblem(logs, 120_000)?.message).toBe('broker unreachable');
    expect(newestProblem(logs, 200_000)).toBeUndefined();
  });
});

describe('rates from samples', () => {
  test('rate over the window and growth within it', () => {
    let samples = addSample([], { at: 0, value: 0 });
    samples = addSample(samples, { at: 1000, value: 10 });
    samples = addSample(samples, { at: 5000, value: 50 });
    expect(rateOver(samples, 5000)).toBe(10);
    expect(growthWithin(samples, 5000, 4500)).toBe(40);
    expect(growthWithin(samples, 5000, 2000)).toBe(0);
  });

  test('the frame store samples every engine together, at most once per interval, with the DLQ history', async () => {
    const w = fakeWorld();
    let now = 1000;
    const frames = createFrameStore(w.services, 50, () => now);
    let notified = 0;
    const unsubscribe = frames.subscribe(() => notified++);
    await new Promise((r) => setTimeout(r, 80));
    const before = notified;
    for (let i = 1; i <= 20; i++) {
      now += 10;
      w.sink.set(sink({ deadLettered: i }));
      w.producers.set(producers([producer({ acked: i })]));
    }
    await new Promise((r) => setTimeout(r, 120));
    // Forty publishes inside one interval reach the screen as one or two frames, not forty.
    expect(notified - before).toBeGreaterThanOrEqual(1);
    expect(notified - before).toBeLessThanOrEqual(2);
    const frame = frames.getSnapshot();
    expect(frame.sink?.deadLettered).toBe(20);
    expect(frame.producers?.producers[0]?.acked).toBe(20);
    expect(frame.deadLetters.at(-1)).toEqual({ at: now, value: 20 });
    unsubscribe();
  });
});

describe('frame pacing', () => {
  it('draws every FRAME_MS while frames are cheap and keeps drawing within the budget when they are not', () => {
    expect(paceInterval(2)).toBe(FRAME_MS);
    // An 11 ms frame (80×24 at full speed) may use 4 % of the thread: one frame every 275 ms.
    expect(paceInterval(11)).toBe(Math.round(11 / RENDER_BUDGET));
    expect(11 / paceInterval(11)).toBeLessThanOrEqual(0.04 + 1e-9);
    expect(paceInterval(500)).toBe(MAX_FRAME_MS);
  });
});
