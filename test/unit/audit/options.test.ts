import { describe, expect, it } from 'vitest';
import { AuditUsageError, DEFAULT_LIMIT, parseAuditOptions } from '../../../src/audit/options.ts';

describe('parseAuditOptions', () => {
  it('defaults to every topic, the whole log, a table and 20 ids', () => {
    expect(parseAuditOptions([], {}, {})).toEqual({
      topics: ['passages', 'payments', 'legacy'],
      format: 'table',
      limit: DEFAULT_LIMIT,
    });
    expect(DEFAULT_LIMIT).toBe(20);
  });

  it('takes one topic, json, a limit and the range', () => {
    expect(
      parseAuditOptions([], { topic: 'Legacy', format: 'json', limit: '0' }, { from: 1000, to: 2000 }),
    ).toEqual({ topics: ['legacy'], format: 'json', limit: 0, from: 1000, to: 2000 });
  });

  it.each([
    [[], { topic: 'plazas' }, {}, /--topic must be passages, payments, legacy or all, not "plazas"/],
    [[], { format: 'csv' }, {}, /--format must be table or json, not "csv"/],
    [[], { limit: '-1' }, {}, /--limit must be a whole number .* not "-1"/],
    [[], { limit: '2.5' }, {}, /--limit/],
    [['now'], {}, {}, /unexpected argument "now"\nusage: tollstream audit/],
    [[], {}, { from: 2000, to: 2000 }, /--from \(1970-01-01T00:00:02.000Z\) must be before --to/],
  ])('refuses %j %j %j', (input, flags, range, message) => {
    expect(() => parseAuditOptions(input, flags, range)).toThrow(AuditUsageError);
    expect(() => parseAuditOptions(input, flags, range)).toThrow(message);
  });
});
