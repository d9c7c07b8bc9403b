import { describe, expect, it } from 'vitest';
import { describeFault, FAULT_KINDS, faultSchedule } from '../../../src/soak/schedule.ts';

const base = { seed: 42, durationMs: 10 * 60_000, everyMs: 30_000 };

describe('faultSchedule', () => {
  it('is a function of the seed: the same seed gives the same faults, another seed others', () => {
    const a = faultSchedule(base);
    expect(faultSchedule(base)).toEqual(a);
    const b = faultSchedule({ ...base, seed: 43 });
    expect(b.map((f) => [f.kind, f.target, f.atMs])).not.toEqual(a.map((f) => [f.kind, f.target, f.atMs]));
  });

  it('puts one fault in each interval, in order, within the duration', () => {
    const faults = faultSchedule(base);
    expect(faults).toHaveLength(20);
    faults.forEach((f, i) => {
      expect(f.index).toBe(i + 1);
      expect(f.atMs).toBeGreaterThanOrEqual(i * 30_000 + 7_500);
      expect(f.atMs).toBeLessThanOrEqual((i + 1) * 30_000 - 7_500);
    });
  });

  it('meets every kind once per round of six, so a short soak still sees them all', () => {
    const faults = faultSchedule({ ...base, durationMs: 12 * 30_000 });
    for (const round of [faults.slice(0, 6), faults.slice(6, 12)]) {
      expect(round.map((f) => f.kind).sort()).toEqual([...FAULT_KINDS].sort());
    }
  });

  it('draws only the kinds asked for, each once in the first round', () => {
    const kinds = ['broker-kill', 'sink-kill', 'mariadb-kill'] as const;
    const faults = faultSchedule({ ...base, durationMs: 120_000, everyMs: 40_000, kinds });
    expect(faults.map((f) => f.kind).sort()).toEqual([...kinds].sort());
  });

  it('picks targets among three brokers and two sinks and holds within each kind’s range', () => {
    const faults = faultSchedule({ ...base, durationMs: 600 * 30_000 });
    const targets = (kind: string) => new Set(faults.filter((f) => f.kind === kind).map((f) => f.target));
    expect(targets('broker-kill')).toEqual(new Set([0, 1, 2]));
    expect(targets('sink-pause')).toEqual(new Set([0, 1]));
    expect(targets('mariadb-kill')).toEqual(new Set([0]));
    for (const f of faults.filter((x) => x.kind === 'sink-pause')) {
      // Past the sinks' 10 s session timeout, or the pause makes no zombie.
      expect(f.holdMs).toBeGreaterThanOrEqual(15_000);
      expect(f.holdMs).toBeLessThanOrEqual(25_000);
    }
    for (const f of faults.filter((x) => x.kind === 'producer-kill')) {
      expect(f.holdMs).toBeGreaterThanOrEqual(2_000);
      expect(f.holdMs).toBeLessThanOrEqual(8_000);
    }
  });

  it('has at least one fault and refuses an empty kind list', () => {
    expect(faultSchedule({ ...base, durationMs: 5_000 })).toHaveLength(1);
    expect(() => faultSchedule({ ...base, kinds: [] })).toThrow(/no fault kinds/);
  });

  it('describes a fault as a person reads it', () => {
    expect(describeFault({ kind: 'broker-kill', target: 2, holdMs: 12_000 })).toBe(
      'kill -9 broker 2, restart after 12.0 s',
    );
    expect(describeFault({ kind: 'sink-pause', target: 1, holdMs: 18_500 })).toBe(
      'pause sink b (SIGSTOP) for 18.5 s, past its session timeout',
    );
  });
});
