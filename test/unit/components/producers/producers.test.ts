import { describe, expect, test } from 'vitest';
import { decodeInput } from '../../../../components/keys/decode.ts';
import { producersKeys } from '../../../../components/producers/keys.ts';
import { describePace, FROM_MAX_RATE, nextPace } from '../../../../components/producers/pace.ts';
import { checkSourceSpec } from '../../../../components/producers/spec.ts';
import { initialProducersState, producersReducer } from '../../../../components/producers/state.ts';
import { producer } from '../fakes.ts';

const key = (s: string) => decodeInput(s)[0]!;

describe('pace steps', () => {
  test('a rate moves about 25 % a step, rounded to two significant digits', () => {
    expect(nextPace({ kind: 'rate', perSecond: 200 }, 1)).toEqual({ kind: 'rate', perSecond: 250 });
    expect(nextPace({ kind: 'rate', perSecond: 250 }, 1)).toEqual({ kind: 'rate', perSecond: 310 });
    expect(nextPace({ kind: 'rate', perSecond: 200 }, -1)).toEqual({ kind: 'rate', perSecond: 160 });
    expect(nextPace({ kind: 'rate', perSecond: 2 }, 1)).toEqual({ kind: 'rate', perSecond: 3 });
    expect(nextPace({ kind: 'rate', perSecond: 1 }, -1)).toEqual({ kind: 'rate', perSecond: 1 });
  });

  test('"as fast as possible" (0) stays on +, comes down to a finite rate on -', () => {
    expect(nextPace({ kind: 'rate', perSecond: 0 }, 1)).toEqual({ kind: 'rate', perSecond: 0 });
    expect(nextPace({ kind: 'rate', perSecond: 0 }, -1)).toEqual({ kind: 'rate', perSecond: FROM_MAX_RATE });
  });

  test('a replay speed doubles and halves, and reaches max', () => {
    expect(nextPace({ kind: 'speed', factor: 60 }, 1)).toEqual({ kind: 'speed', factor: 120 });
    expect(nextPace({ kind: 'speed', factor: 60 }, -1)).toEqual({ kind: 'speed', factor: 30 });
    expect(nextPace({ kind: 'speed', factor: 4096 }, 1)).toEqual({ kind: 'speed', factor: 'max' });
    expect(nextPace({ kind: 'speed', factor: 'max' }, -1)).toEqual({ kind: 'speed', factor: 4096 });
  });

  test('descriptions', () => {
    expect(describePace({ kind: 'rate', perSecond: 0 })).toBe('max');
    expect(describePace({ kind: 'rate', perSecond: 2500 })).toBe('2.50k/s');
    expect(describePace({ kind: 'speed', factor: 1 })).toBe('realtime');
    expect(describePace({ kind: 'speed', factor: 60 })).toBe('60×');
    expect(describePace({ kind: 'speed', factor: 'max' })).toBe('max speed');
  });
});

describe('source spec check', () => {
  test('accepts the documented forms', () => {
    for (const s of [
      'simulator',
      'tolldata:../data',
      'hourly:./mta.csv',
      'http:localhost:8080/x',
      'file:a.ndjson',
    ]) {
      expect(checkSourceSpec(s)).toBeNull();
    }
  });

  test('says what is wrong and what is accepted', () => {
    expect(checkSourceSpec('kafka:foo')).toMatch(
      /unknown source "kafka:foo": expected simulator, tolldata:<dir>/,
    );
    expect(checkSourceSpec('tolldata:')).toMatch(/needs a path/);
    expect(checkSourceSpec('')).toMatch(/type a source/);
  });
});

describe('producers reducer and keys', () => {
  const list = [producer(), producer({ id: 'p2', status: { kind: 'stopped' } })];

  test('selection is clamped to the list', () => {
    let s = producersReducer(initialProducersState, { type: 'move', delta: 5, count: 2 });
    expect(s.selected).toBe(1);
    s = producersReducer(s, { type: 'move', delta: -9, count: 2 });
    expect(s.selected).toBe(0);
  });

  test('space stops a running producer and starts a stopped one', () => {
    expect(producersKeys(initialProducersState, key(' '), list)?.effects).toEqual([
      { kind: 'stopProducer', id: 'p1' },
    ]);
    const second = { ...initialProducersState, selected: 1 };
    expect(producersKeys(second, key(' '), list)?.effects).toEqual([{ kind: 'startProducer', id: 'p2' }]);
  });

  test('s / S start and stop all, +/- change the selected pace', () => {
    expect(producersKeys(initialProducersState, key('s'), list)?.effects).toEqual([{ kind: 'startAll' }]);
    expect(producersKeys(initialProducersState, key('S'), list)?.effects).toEqual([{ kind: 'stopAll' }]);
    expect(producersKeys(initialProducersState, key('+'), list)?.effects).toEqual([
      { kind: 'setPace', id: 'p1', pace: { kind: 'rate', perSecond: 250 } },
    ]);
  });

  test('n opens the input; a bad spec is rejected with the reason and kept for editing', () => {
    let s = producersReducer(initialProducersState, { type: 'startAdding' });
    for (const ch of 'bogus') s = producersReducer(s, producersKeys(s, key(ch), list)!.actions[0]!);
    const enter = producersKeys(s, key('\r'), list)!;
    expect(enter.effects).toEqual([]);
    s = producersReducer(s, enter.actions[0]!);
    expect(s.adding).toEqual({ text: 'bogus', error: expect.stringMatching(/unknown source "bogus"/) });
  });

  test('a good spec closes the input and asks the engine to add it', () => {
    const s = { ...initialProducersState, adding: { text: 'simulator', error: null } };
    const r = producersKeys(s, key('\r'), list)!;
    expect(r.effects).toEqual([{ kind: 'addProducer', spec: 'simulator' }]);
    expect(producersReducer(s, r.actions[0]!).adding).toBeNull();
  });
});
