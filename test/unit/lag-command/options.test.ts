import { describe, expect, it } from 'vitest';
import { DEFAULT_SAMPLES, DEFAULT_WATCH_MS, parseLagOptions } from '../../../src/lag-command/options.ts';

describe('tollstream lag options', () => {
  it('defaults: every group, a table, a one-shot series of looks', () => {
    expect(parseLagOptions({}, [])).toEqual({
      ok: true,
      options: { format: 'table', groups: [], samples: DEFAULT_SAMPLES, watchMs: null },
    });
  });

  it('--group repeats (kept in order, once each); --format json|csv', () => {
    const parsed = parseLagOptions({ lagGroup: ['b', 'a', 'b'], format: 'JSON' }, []);
    expect(parsed).toMatchObject({ ok: true, options: { groups: ['b', 'a'], format: 'json' } });
    expect(parseLagOptions({ lagGroup: 'one', format: 'csv' }, [])).toMatchObject({
      ok: true,
      options: { groups: ['one'], format: 'csv' },
    });
  });

  it('--watch with no interval is 2 s; an interval takes the project duration forms; a bare number is seconds', () => {
    expect(parseLagOptions({ watch: '' }, [])).toMatchObject({ options: { watchMs: DEFAULT_WATCH_MS } });
    expect(parseLagOptions({ watch: '5s' }, [])).toMatchObject({ options: { watchMs: 5000 } });
    expect(parseLagOptions({ watch: '750ms' }, [])).toMatchObject({ options: { watchMs: 750 } });
    expect(parseLagOptions({ watch: '3' }, [])).toMatchObject({ options: { watchMs: 3000 } });
    expect(parseLagOptions({ watch: '1m' }, [])).toMatchObject({ options: { watchMs: 60_000 } });
  });

  it('--samples sets the looks of a one-shot run (2 to 60)', () => {
    expect(parseLagOptions({ samples: '2' }, [])).toMatchObject({ options: { samples: 2 } });
    expect(parseLagOptions({ samples: '60' }, [])).toMatchObject({ options: { samples: 60 } });
  });

  it.each([
    [{ format: 'xml' }, [], /--format must be table, json or csv, not "xml"/],
    [{ watch: 'soon' }, [], /--watch takes an interval such as 2s.*not "soon"/],
    [{ watch: '100ms' }, [], /--watch interval must be at least 500ms/],
    [{ samples: '1' }, [], /--samples must be a whole number from 2 to 60/],
    [{ samples: 'x' }, [], /--samples must be a whole number/],
    [{ samples: '3', watch: '' }, [], /--samples sets the looks of a one-shot run/],
    [{ lagGroup: [' '] }, [], /--group needs a consumer group id/],
    [{}, ['groups'], /unexpected argument "groups"/],
  ])('refuses %j %j with a message and the usage line', (flags, input, message) => {
    const parsed = parseLagOptions(flags, input);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.message).toMatch(message);
    expect(parsed.message).toMatch(/^usage: tollstream lag /m);
  });
});
