import { describe, expect, test } from 'vitest';
import { matchesTerms, newestMatching, parseFilter } from '../../../../components/vehicles/filter.ts';
import {
  activeFilter,
  initialVehiclesState,
  vehiclesReducer,
} from '../../../../components/vehicles/state.ts';
import { passage } from '../fakes.ts';

describe('vehicle filter', () => {
  test('numbers match plaza ids by prefix, words match vehicle types by prefix, any term may match', () => {
    const truck = passage(1, { plazaId: 4007, vehicleType: 'truck' });
    expect(matchesTerms(truck, parseFilter('4007'))).toBe(true);
    expect(matchesTerms(truck, parseFilter('40'))).toBe(true);
    expect(matchesTerms(truck, parseFilter('4008'))).toBe(false);
    expect(matchesTerms(truck, parseFilter('TR'))).toBe(true);
    expect(matchesTerms(truck, parseFilter('car, 4007'))).toBe(true);
    expect(matchesTerms(truck, parseFilter('car van'))).toBe(false);
    expect(matchesTerms(truck, parseFilter(''))).toBe(true);
  });

  test('newest first whatever order the ring hands over, capped', () => {
    const oldestFirst = Array.from({ length: 10 }, (_, i) => passage(i));
    expect(newestMatching(oldestFirst, '', 3).map((p) => p.eventId)).toEqual(['sim-9', 'sim-8', 'sim-7']);
    expect(newestMatching([...oldestFirst].reverse(), '', 2).map((p) => p.eventId)).toEqual([
      'sim-9',
      'sim-8',
    ]);
    expect(newestMatching(oldestFirst, 'truck', 10).every((p) => p.vehicleType === 'truck')).toBe(true);
  });
});

describe('vehicles reducer', () => {
  test('pause freezes a copy; resume drops it', () => {
    const current = [passage(1)];
    let s = vehiclesReducer(initialVehiclesState, { type: 'togglePause', current });
    expect(s.frozen).toEqual(current);
    expect(s.frozen).not.toBe(current);
    s = vehiclesReducer(s, { type: 'togglePause', current: [] });
    expect(s.frozen).toBeNull();
  });

  test('the filter follows typing, Enter keeps it, Esc reverts to the previous one', () => {
    let s = vehiclesReducer(initialVehiclesState, { type: 'startFilter' });
    s = vehiclesReducer(s, { type: 'filterText', text: 'v' });
    s = vehiclesReducer(s, { type: 'filterText', text: 'a' });
    expect(activeFilter(s)).toBe('va');
    s = vehiclesReducer(s, { type: 'commitFilter' });
    expect(s).toMatchObject({ filter: 'va', editing: null });
    s = vehiclesReducer(s, { type: 'startFilter' });
    s = vehiclesReducer(s, { type: 'filterBackspace' });
    expect(activeFilter(s)).toBe('v');
    s = vehiclesReducer(s, { type: 'cancelFilter' });
    expect(activeFilter(s)).toBe('va');
    expect(vehiclesReducer(s, { type: 'clearFilter' }).filter).toBe('');
  });
});
