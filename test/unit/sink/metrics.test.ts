import { describe, expect, it } from 'vitest';
import { SinkMetrics } from '../../../src/engines/sink/metrics.ts';

describe('sink metrics', () => {
  it('counts dead letters per reason code and keeps the newest notes', () => {
    const m = new SinkMetrics('g');
    m.deadLetter({ topic: 't', partition: 0, offset: '1', code: 'not-json', reason: 'x', at: 1 });
    m.deadLetter({ topic: 't', partition: 0, offset: '2', code: 'not-json', reason: 'y', at: 2 });
    m.deadLetter({ topic: 't', partition: 1, offset: '9', code: 'too-large', reason: 'z', at: 3 });
    m.deadLetterRefused('too-large');
    const s = m.snapshot(10);
    expect(s.deadLettered).toBe(3);
    expect(s.deadLetterReasons).toEqual({ 'not-json': 2, 'too-large': 1, 'refused:too-large': 1 });
    expect(s.recentDeadLetters?.map((d) => d.offset)).toEqual(['9', '2', '1']);
  });

  it('computes the persisted rate over the last seconds and decays to zero', () => {
    const m = new SinkMetrics('g');
    m.sample(0);
    m.persisted = 1000;
    m.sample(1000);
    m.persisted = 3000;
    expect(m.ratePerSec(2000)).toBe(1500);
    m.sample(2000);
    for (let t = 3000; t <= 8000; t += 1000) m.sample(t);
    expect(m.ratePerSec(8000)).toBe(0);
  });

  it('publishes copies, not live state', () => {
    const m = new SinkMetrics('g', { bucketMs: 1000, buckets: 5 });
    m.assignment = { t: [0, 1] };
    const s = m.snapshot(0);
    m.assignment.t!.push(2);
    expect(s.assignment).toEqual({ t: [0, 1] });
    expect(s).toMatchObject({
      groupId: 'g',
      status: { kind: 'idle' },
      bucketMs: 1000,
      persisted: 0,
      recent: [],
    });
  });
});
