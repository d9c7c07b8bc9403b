import { describe, expect, it } from 'vitest';
import { isoUtc } from '../../../src/sources/iso-time.ts';
import { createRng } from '../../../src/sources/random.ts';

describe('isoUtc', () => {
  it('formats exactly as Date#toISOString, across days, years and leap days', () => {
    const rng = createRng(9);
    const samples = [
      0, 951_782_400_000, 951_868_799_999, 1_709_164_800_000, 1_735_689_599_999, 1_735_689_600_000,
    ];
    for (let i = 0; i < 20_000; i++) samples.push(Math.floor(rng() * 4_102_444_800_000));
    for (const ms of samples) expect(isoUtc(ms)).toBe(new Date(ms).toISOString());
  });

  it('falls back for values the fast path does not cover', () => {
    expect(isoUtc(1.5)).toBe(new Date(1.5).toISOString());
    expect(isoUtc(-1)).toBe('1969-12-31T23:59:59.999Z');
  });
});
