import { describe, expect, test } from 'vitest';
import {
  fit,
  formatAmount,
  formatClock,
  formatCompact,
  formatCount,
  formatDuration,
  formatRate,
  formatUptime,
} from '../../../components/format/format.ts';

describe('format', () => {
  test('counts keep every digit, compact numbers fit narrow cells', () => {
    expect(formatCount(1234567)).toBe('1,234,567');
    expect(formatCount(null)).toBe('—');
    expect(formatCompact(950)).toBe('950');
    expect(formatCompact(12_345)).toBe('12.3k');
    expect(formatCompact(4_560_000)).toBe('4.56M');
    expect(formatCompact(2.5)).toBe('2.5');
    expect(formatRate(50_000)).toBe('50.0k/s');
  });

  test('durations pick a readable unit; null is a dash', () => {
    expect(formatDuration(950)).toBe('950ms');
    expect(formatDuration(1500)).toBe('1.5s');
    expect(formatDuration(65_000)).toBe('1m05s');
    expect(formatDuration(7_500_000)).toBe('2h05m');
    expect(formatDuration(null)).toBe('—');
    expect(formatUptime(3_725_000)).toBe('01:02:05');
  });

  test('clock time in the configured zone, amounts with currency', () => {
    const t = Date.UTC(2021, 7, 19, 21, 54, 38);
    expect(formatClock(t, 'UTC')).toBe('21:54:38');
    expect(formatClock(t, 'Asia/Tokyo')).toBe('06:54:38');
    expect(formatAmount(450, 'USD')).toBe('4.50 USD');
    expect(formatAmount(undefined, 'USD')).toBe('—');
  });

  test('fit cuts with an ellipsis and pads to the width', () => {
    expect(fit('simulator-12', 8)).toBe('simulat…');
    expect(fit('42', 5, 'right')).toBe('   42');
    expect(fit('ab', 4)).toBe('ab  ');
  });
});
