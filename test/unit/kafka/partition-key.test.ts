import { describe, expect, it } from 'vitest';
import { partitionKey, partitionKeyPrefix } from '../../../src/kafka/partition-key.ts';

describe('partition keys', () => {
  it('tell every topic partition apart, including a topic whose name starts with another', () => {
    const keys = ['toll', 'toll.passages', 'toll.p'].flatMap((t) =>
      [0, 1, 10, 11].map((p) => partitionKey(t, p)),
    );
    expect(new Set(keys).size).toBe(12);
    expect(partitionKey('toll', 11)).not.toBe(partitionKey('toll1', 1));
  });

  it('share a prefix per topic that no other topic has', () => {
    const keys = ['toll', 'toll.passages', 'tolling'].flatMap((t) => [0, 3].map((p) => partitionKey(t, p)));
    expect(keys.filter((k) => k.startsWith(partitionKeyPrefix('toll')))).toEqual([
      partitionKey('toll', 0),
      partitionKey('toll', 3),
    ]);
  });
});
