import { describe, expect, it } from 'vitest';
import { partitionKey, watermarkOf } from '../../../src/anomalies/detector.ts';
import { RULES } from '../../../src/anomalies/types.ts';
import type { Baseline } from '../../../src/anomalies/types.ts';
import {
  Harness,
  inOrder,
  MIN,
  only,
  PASSAGES,
  PAYMENTS,
  passage,
  payment,
  plaza,
  S,
  syntheticStream,
  T0,
} from './fixtures.ts';

const GRACE = 900 * S;
const P0 = partitionKey(PASSAGES, 0);
const Y0 = partitionKey(PAYMENTS, 0);

describe('unpaid', () => {
  it('is decided when the watermark passes passedAt + grace, not before', () => {
    const h = new Harness({}, [plaza(3)]);
    h.passage(passage('e1', 3, 'V', T0, 'truck'));
    expect(h.ids(T0 + GRACE)).toEqual([]);
    const [f] = h.advance(T0 + GRACE + 1);
    expect(f).toMatchObject({ anomalyId: 'unpaid:e1', amountCents: 1275, observedAtMs: T0, vehicleId: 'V' });
    expect(h.ids(T0 + 2 * GRACE)).toEqual([]); // once
  });

  it('a payment at exactly the deadline is in time, even when it arrives after the watermark reached it', () => {
    const h = new Harness();
    h.passage(passage('e1', 3, 'V', T0));
    h.passage(passage('e2', 3, 'W', T0));
    h.payment(payment('e1', 3, 450, T0 + GRACE));
    expect(h.ids(T0 + GRACE)).toEqual([]);
    h.payment(payment('e2', 3, 450, T0 + GRACE)); // at the watermark: not late
    expect(h.ids(T0 + GRACE + 1)).toEqual([]);
    expect(h.detector.stats().late).toBe(0);
  });

  it('a payment one millisecond after the deadline is too late', () => {
    const h = new Harness();
    h.passage(passage('e1', 3, 'V', T0));
    h.payment(payment('e1', 3, 450, T0 + GRACE + 1));
    expect(h.ids(T0 + GRACE + 1)).toEqual(['unpaid:e1']);
  });

  it('a payment made before its passage (paid at the gantry first) counts, whichever arrives first', () => {
    const h = new Harness({}, [plaza(3)]);
    h.payment(payment('e1', 3, 450, T0 - 5 * S));
    h.passage(passage('e1', 3, 'V', T0));
    h.passage(passage('e2', 3, 'W', T0));
    h.payment(payment('e2', 3, 400, T0 - 5 * S));
    expect(h.ids(T0 + 2 * GRACE)).toEqual(['short-payment:pay-e2']);
    expect(h.detector.stats().state).toMatchObject({ pendingPassages: 0, orphanPayments: 0 });
  });

  it('owes null when the plaza is unknown or has no tariff for the class', () => {
    const h = new Harness({}, [plaza(3)]);
    h.passage(passage('e1', 9, 'V', T0));
    h.passage(passage('e2', 3, 'W', T0, 'bus'));
    expect(h.advance(T0 + GRACE + 1).map((f) => f.amountCents)).toEqual([null, null]);
  });
});

describe('short payment', () => {
  it('judges a payment once its passage is known, in either order, each payment once', () => {
    const h = new Harness({}, [plaza(3)]);
    h.payment(payment('e1', 3, 449, T0 + 10 * S));
    h.payment(payment('e1', 3, 449, T0 + 10 * S)); // the same payment read twice
    h.payment(payment('e1', 3, 100, T0 + 20 * S, { paymentId: 'pay-e1-b' })); // a second payment
    h.passage(passage('e1', 3, 'V', T0));
    const found = h.advance(T0 + MIN);
    expect(found.map((f) => [f.anomalyId, f.amountCents])).toEqual([
      ['short-payment:pay-e1', 1],
      ['short-payment:pay-e1-b', 350],
    ]);
    expect(h.detector.stats().duplicates).toBe(1);
  });

  it('a payment whose passage never comes is not judged, and is let go after the grace period', () => {
    const h = new Harness({}, [plaza(3)]);
    h.payment(payment('e1', 3, 1, T0));
    expect(h.ids(T0 + GRACE)).toEqual([]);
    expect(h.detector.stats().state.orphanPayments).toBe(1);
    h.advance(T0 + GRACE + 1);
    expect(h.detector.stats().state.orphanPayments).toBe(0);
    expect(h.detector.replayFrom().size).toBe(0);
  });

  it('the tolerance from the settings', () => {
    const h = new Harness({ rules: { shortPayment: { toleranceCents: 25 } } }, [plaza(3)]);
    h.passage(passage('e1', 3, 'V', T0));
    h.payment(payment('e1', 3, 425, T0));
    h.passage(passage('e2', 3, 'W', T0));
    h.payment(payment('e2', 3, 424, T0));
    expect(h.ids(T0 + MIN)).toEqual(['short-payment:pay-e2']);
  });
});

describe('double charge', () => {
  const paid = (h: Harness, eventId: string, ms: number, plazaId = 3, vehicleId = 'V', paidAfter = S) => {
    h.passage(passage(eventId, plazaId, vehicleId, ms));
    h.payment(payment(eventId, plazaId, 450, ms + paidAfter));
  };

  it('two paid passages exactly windowSeconds apart are a double charge; a millisecond more is not', () => {
    const h = new Harness();
    paid(h, 'e1', T0);
    paid(h, 'e2', T0 + 300 * S);
    paid(h, 'e3', T0 + 600 * S + 1);
    const found = h.advance(T0 + 2 * GRACE);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({
      anomalyId: 'double-charge:e2',
      relatedEventId: 'e1',
      observedAtMs: T0 + 300 * S,
      amountCents: 450,
    });
  });

  it('about the later passage even when the earlier one is paid last', () => {
    const h = new Harness();
    paid(h, 'e1', T0, 3, 'V', 200 * S);
    paid(h, 'e2', T0 + 60 * S, 3, 'V', S);
    expect(h.advance(T0 + 2 * GRACE).map((f) => [f.anomalyId, f.relatedEventId])).toEqual([
      ['double-charge:e2', 'e1'],
    ]);
  });

  it('each later passage once, against the nearest earlier charge', () => {
    const h = new Harness();
    paid(h, 'e1', T0);
    paid(h, 'e2', T0 + 60 * S);
    paid(h, 'e3', T0 + 120 * S);
    expect(h.advance(T0 + 2 * GRACE).map((f) => [f.anomalyId, f.relatedEventId])).toEqual([
      ['double-charge:e2', 'e1'],
      ['double-charge:e3', 'e2'],
    ]);
  });

  it('not when one passage is unpaid, at another plaza, or another vehicle', () => {
    const h = new Harness();
    paid(h, 'e1', T0);
    h.passage(passage('e2', 3, 'V', T0 + 60 * S));
    paid(h, 'e3', T0 + 60 * S, 4);
    paid(h, 'e4', T0 + 60 * S, 3, 'W');
    expect(h.ids(T0 + 2 * GRACE)).toEqual(['unpaid:e2']);
  });
});

describe('impossible travel', () => {
  const a = plaza(1, { position: { lat: 0, lon: 0 } });
  const b = plaza(2, { position: { lat: 1, lon: 0 } }); // 111 km

  it('judges consecutive passages of a vehicle, about the later one', () => {
    const h = new Harness(only('impossibleTravel'), [a, b]);
    h.passage(passage('e1', 1, 'V', T0));
    h.passage(passage('e2', 1, 'V', T0 + 5 * MIN));
    h.passage(passage('e3', 2, 'V', T0 + 15 * MIN)); // 10 min after e2: 667 km/h
    h.passage(passage('e4', 2, 'W', T0 + 60 * MIN)); // another vehicle
    h.passage(passage('e5', 1, 'V', T0 + 60 * MIN)); // 45 min after e3: 148 km/h
    const found = h.advance(T0 + 2 * 60 * MIN);
    expect(found.map((f) => [f.anomalyId, f.relatedEventId, f.observed, f.expected])).toEqual([
      ['impossible-travel:e3', 'e2', 667.2, 200],
    ]);
  });

  it('with the positions known when the passages are judged (reference data applies at once)', () => {
    const h = new Harness(only('impossibleTravel'), [plaza(1), plaza(2)]);
    h.passage(passage('e1', 1, 'V', T0));
    h.passage(passage('e2', 2, 'V', T0 + MIN));
    h.detector.plaza(a);
    h.detector.plaza(b);
    expect(h.ids(T0 + 2 * MIN)).toEqual(['impossible-travel:e2']);
    const none = new Harness(only('impossibleTravel'), [plaza(1), plaza(2)]);
    none.passage(passage('e1', 1, 'V', T0));
    none.passage(passage('e2', 2, 'V', T0 + MIN));
    expect(none.ids(T0 + 2 * MIN)).toEqual([]);
  });

  it('a late passage is judged against the passages before and after it', () => {
    const h = new Harness(only('impossibleTravel'), [a, b]);
    h.passage(passage('e1', 1, 'V', T0));
    h.passage(passage('e3', 1, 'V', T0 + 60 * MIN));
    expect(h.ids(T0 + 60 * MIN)).toEqual([]);
    h.passage(passage('e2', 2, 'V', T0 + 59 * MIN)); // late: 113 km/h after e1, 6672 km/h before e3
    expect(h.advance(T0 + 61 * MIN).map((f) => [f.anomalyId, f.relatedEventId])).toEqual([
      ['impossible-travel:e3', 'e2'],
    ]);
    expect(h.detector.stats().late).toBe(1);
  });

  it('keeps a vehicle passage only as long as the farthest two plazas can be reached too fast', () => {
    const h = new Harness(only('impossibleTravel'), [a, b]);
    h.passage(passage('e1', 1, 'V', T0));
    h.advance(T0 + MIN);
    expect(h.detector.stats().state.vehiclePassages).toBe(1);
    h.advance(T0 + 34 * MIN); // 111 km at 200 km/h: 33 min 22 s
    expect(h.detector.stats().state).toMatchObject({ vehiclePassages: 0, vehicles: 0 });
  });
});

describe('surge and drop', () => {
  const calls: unknown[][] = [];
  const baseline: Baseline = (plazaId, hourOfWeek, windowStartMs) => {
    calls.push([plazaId, hourOfWeek, windowStartMs]);
    return plazaId === 9 ? undefined : 2; // 30 per 15 minutes
  };
  const traffic = (h: Harness, plazaId: number, count: number, from = T0) => {
    for (let i = 0; i < count; i++)
      h.passage(passage(`p${plazaId}-${from}-${i}`, plazaId, `V${i}`, from + i * 10 * S));
  };

  it('closes a window when the watermark reaches its end; the baseline is asked for its plaza and hour', () => {
    calls.length = 0;
    const h = new Harness(only('surge', 'drop'), [plaza(1), plaza(2), plaza(9)], baseline);
    traffic(h, 1, 60); // exactly 2 x 30
    traffic(h, 2, 30);
    expect(h.ids(T0 + 15 * MIN - 1)).toEqual([]);
    h.passage(passage('late-but-not', 2, 'X', T0 + 15 * MIN - 1)); // at the watermark: still counted
    const found = h.advance(T0 + 15 * MIN);
    expect(found.map((f) => [f.anomalyId, f.observed, f.expected])).toEqual([
      ['surge:1:2026-12-02T08:00Z', 60, 30],
    ]);
    expect(calls).toEqual([
      [1, 56, T0],
      [2, 56, T0],
      [9, 56, T0],
    ]);
  });

  it('a plaza known from its reference record and silent in a window is a drop to 0', () => {
    const h = new Harness(only('surge', 'drop'), [plaza(1), plaza(2), plaza(9)], baseline);
    traffic(h, 1, 30);
    expect(h.advance(T0 + 15 * MIN).map((f) => [f.anomalyId, f.observed])).toEqual([
      ['drop:2:2026-12-02T08:00Z', 0],
    ]);
  });

  it('a window without a passage anywhere is a gap in the stream, not a drop everywhere', () => {
    const h = new Harness(only('surge', 'drop'), [plaza(1), plaza(2)], baseline);
    traffic(h, 1, 30);
    traffic(h, 2, 30);
    traffic(h, 1, 30, T0 + 120 * MIN);
    traffic(h, 2, 30, T0 + 120 * MIN);
    expect(h.ids(T0 + 135 * MIN)).toEqual([]);
  });

  it('a late passage is not counted in a window already judged', () => {
    const h = new Harness(only('surge', 'drop'), [plaza(1)], baseline);
    traffic(h, 1, 30);
    expect(h.ids(T0 + 15 * MIN)).toEqual([]);
    traffic(h, 1, 40); // late: the window has been judged
    expect(h.ids(T0 + 30 * MIN)).toEqual([]);
    expect(h.detector.stats()).toMatchObject({ late: 40, state: { openWindows: 0 } });
  });
});

describe('late inputs', () => {
  it('are judged at the next advance against the state of that moment, and counted', () => {
    const h = new Harness({}, [plaza(3)]);
    h.passage(passage('e1', 3, 'V', T0));
    h.payment(payment('e1', 3, 450, T0));
    h.advance(T0 + 2 * GRACE);
    h.passage(passage('e0', 3, 'W', T0)); // its deadline has passed already
    h.payment(payment('e9', 3, 1, T0 + GRACE)); // a payment for a passage that is gone
    expect(h.detector.stats()).toMatchObject({ late: 2, lateQueued: 2 });
    expect(h.ids(T0 + 2 * GRACE)).toEqual(['unpaid:e0']);
    expect(h.detector.stats()).toMatchObject({ late: 2, lateQueued: 0 });
  });

  it('a watermark lower than before changes nothing', () => {
    const h = new Harness();
    h.passage(passage('e1', 3, 'V', T0));
    h.advance(T0 + 2 * GRACE);
    h.passage(passage('e2', 3, 'V', T0 + GRACE - 1)); // late
    expect(h.ids(T0)).toEqual(['unpaid:e2']);
    expect(h.detector.watermarkMs).toBe(T0 + 2 * GRACE);
    expect(() => h.advance(NaN)).toThrow(RangeError);
  });
});

describe('rules switched off', () => {
  const stream = syntheticStream(3);
  const all = inOrder(stream);
  const settingsKey = {
    surge: 'surge',
    drop: 'drop',
    unpaid: 'unpaid',
    'short-payment': 'shortPayment',
    'double-charge': 'doubleCharge',
    'impossible-travel': 'impossibleTravel',
  } as const;

  it.each(RULES.map((r) => [r]))('%s alone finds what it finds with every rule on', (rule) => {
    const mine = all.filter((f) => f.rule === rule);
    expect(mine.length).toBeGreaterThan(0);
    expect(inOrder(stream, only(settingsKey[rule]))).toEqual(mine);
  });

  it('every rule off: nothing found, nothing kept', () => {
    const h = new Harness(only(), [plaza(3)]);
    h.passage(passage('e1', 3, 'V', T0));
    h.payment(payment('e1', 3, 1, T0));
    expect(h.ids(T0 + 2 * GRACE)).toEqual([]);
    expect(h.detector.stats().state).toEqual({
      pendingPassages: 0,
      orphanPayments: 0,
      vehicles: 0,
      vehiclePassages: 0,
      openWindows: 0,
      plazas: 1,
    });
    expect(h.detector.replayFrom().size).toBe(0);
  });
});

describe('replayFrom', () => {
  it('is the least offset per partition the state depends on, and moves on as the state expires', () => {
    const h = new Harness(only('unpaid', 'shortPayment'), [plaza(3)]);
    expect(h.detector.replayFrom()).toEqual(new Map());
    for (let i = 0; i < 10; i++) {
      h.passage(passage(`e${i}`, 3, 'V', T0 + i * MIN));
      h.payment(payment(`e${i}`, 3, 450, T0 + i * MIN + S));
    }
    expect(h.detector.replayFrom()).toEqual(
      new Map([
        [P0, 0n],
        [Y0, 0n],
      ]),
    ); // all buffered
    h.advance(T0 + 9 * MIN + S);
    expect(h.detector.replayFrom()).toEqual(
      new Map([
        [P0, 0n],
        [Y0, 0n],
      ]),
    ); // waiting out the grace period
    h.advance(T0 + GRACE + 3 * MIN + 1); // e0..e3 decided
    expect(h.detector.replayFrom()).toEqual(
      new Map([
        [P0, 4n],
        [Y0, 4n],
      ]),
    );
    h.advance(T0 + GRACE + 9 * MIN + 1);
    expect(h.detector.replayFrom()).toEqual(new Map());
  });

  it('holds a paid passage kept for its vehicle with its payment, and a payment waiting for its passage', () => {
    const h = new Harness(only('doubleCharge'));
    h.passage(passage('e1', 3, 'V', T0)); // offset 0
    h.payment(payment('e1', 3, 450, T0 + S), 1); // payments partition 1, offset 0
    h.payment(payment('e7', 3, 450, T0 + 2 * S)); // payments partition 0: no passage yet
    h.advance(T0 + 10 * S);
    const Y1 = partitionKey(PAYMENTS, 1);
    expect(h.detector.replayFrom()).toEqual(
      new Map([
        [P0, 0n],
        [Y1, 0n],
        [Y0, 0n],
      ]),
    );
    h.advance(T0 + 2 * S + GRACE + 1); // the orphan payment goes; e1 stays for a charge 300 s after it
    expect(h.detector.replayFrom()).toEqual(
      new Map([
        [P0, 0n],
        [Y1, 0n],
      ]),
    );
    h.advance(T0 + GRACE + 300 * S + 1);
    expect(h.detector.replayFrom()).toEqual(new Map());
  });

  it('holds the passages counted in an open window until it closes', () => {
    const h = new Harness(only('surge'), [], () => 1);
    h.passage(passage('e1', 3, 'V', T0 + 14 * MIN), 2);
    h.advance(T0 + 14 * MIN);
    expect(h.detector.replayFrom()).toEqual(new Map([[partitionKey(PASSAGES, 2), 0n]]));
    h.advance(T0 + 15 * MIN);
    expect(h.detector.replayFrom()).toEqual(new Map());
  });
});

describe('resumed from a commit', () => {
  it('finds again nothing decided before the commit, and what late and new inputs find', () => {
    // Before: e1 unpaid (decided at T0 + GRACE + 1), e2 paid; committed at watermark W0.
    const W0 = T0 + GRACE + MIN;
    const first = new Harness({}, [plaza(3)]);
    first.passage(passage('e1', 3, 'V', T0));
    first.passage(passage('e2', 3, 'W', T0 + 10 * MIN));
    first.payment(payment('e2', 3, 450, T0 + 10 * MIN));
    expect(first.ids(W0)).toEqual(['unpaid:e1']);
    const resume = {
      watermarkMs: W0,
      nextOffsets: new Map([
        [P0, 2n],
        [Y0, 1n],
      ]),
    };
    // e1 is kept for its vehicle (a double charge within 300 s of it could still be paid) with e2 and its payment.
    expect(first.detector.replayFrom()).toEqual(
      new Map([
        [P0, 0n],
        [Y0, 0n],
      ]),
    );

    // After: read again from offset 0 (more than replayFrom asks), plus new inputs.
    const again = new Harness({}, [plaza(3)], () => undefined, resume);
    again.passage(passage('e1', 3, 'V', T0));
    again.passage(passage('e2', 3, 'W', T0 + 10 * MIN));
    again.payment(payment('e2', 3, 450, T0 + 10 * MIN));
    again.passage(passage('e3', 3, 'X', T0 + 20 * MIN)); // new, after W0: unpaid in time
    again.passage(passage('e4', 3, 'Y', T0)); // new and late (before W0)
    again.payment(payment('e4', 3, 5, T0)); // new and late: short
    expect(again.detector.stats()).toMatchObject({ late: 2, lateQueued: 2 });
    expect(again.ids(T0 + MIN)).toEqual([]); // catching up: the late ones wait for the state
    expect(again.detector.stats().lateQueued).toBe(2);
    expect(again.ids(T0 + 20 * MIN + GRACE + 1)).toEqual(['short-payment:pay-e4', 'unpaid:e3']);
    expect(again.detector.stats().suppressed).toBe(1); // unpaid:e1, found before
  });
});

describe('the watermark', () => {
  it('is the least latest event time over the partitions, minus the lateness', () => {
    expect(watermarkOf([T0, T0 + 5 * S, T0 + 9 * S], 30)).toBe(T0 - 30 * S);
    expect(watermarkOf([T0], 0)).toBe(T0);
    expect(watermarkOf([T0, undefined], 30)).toBeUndefined(); // a partition with data not read yet
    expect(watermarkOf([], 30)).toBeUndefined();
  });
});

describe('stats', () => {
  it('count inputs, duplicates and findings per rule', () => {
    const h = new Harness({}, [plaza(3)]);
    h.passage(passage('e1', 3, 'V', T0));
    h.passage(passage('e1', 3, 'V', T0));
    h.payment(payment('e1', 3, 400, T0));
    h.passage(passage('e2', 3, 'W', T0));
    h.advance(T0 + 2 * GRACE);
    const s = h.detector.stats();
    expect(s.processed).toEqual({ passages: 2, payments: 1, plazas: 1 });
    expect(s.duplicates).toBe(1);
    expect(s.findings).toEqual({
      surge: 0,
      drop: 0,
      unpaid: 1,
      'short-payment': 1,
      'double-charge': 0,
      'impossible-travel': 0,
    });
    expect(s.watermarkMs).toBe(T0 + 2 * GRACE);
    expect(s.buffered).toBe(0);
  });
});
