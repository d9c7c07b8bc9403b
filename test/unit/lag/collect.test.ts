import { describe, expect, it } from 'vitest';
import { LagCollector, committedOffset } from '../../../src/engines/lag/collect.ts';
import type { GroupOffsets, GroupSummary, KafkaAdmin } from '../../../src/kafka/admin.ts';

describe('committed offsets as Kafka reads them', () => {
  it('a negative offset is no commit', () => {
    expect(committedOffset(null)).toBeNull();
    expect(committedOffset('-1')).toBeNull();
    expect(committedOffset('-2')).toBeNull();
    expect(committedOffset('0')).toBe('0');
    expect(committedOffset('5109')).toBe('5109');
  });

  it('sentinels show as no commit; a group with nothing else is still listed, as Kafka lists it', async () => {
    const offsets: Record<string, GroupOffsets[]> = {
      sentinels: [{ topic: 'toll', partitions: [0, 1].map((partition) => ({ partition, offset: '-2' })) }],
      mixed: [
        {
          topic: 'toll',
          partitions: [
            { partition: 0, offset: '-2' },
            { partition: 1, offset: '7' },
          ],
        },
      ],
    };
    const summary = (groupId: string): GroupSummary => ({
      groupId,
      state: 'Empty',
      protocolType: '',
      members: [],
    });
    // Only what the collector asks of the admin client.
    const admin = {
      listTopics: async () => ['toll'],
      topicOffsets: async () => [0, 1].map((partition) => ({ partition, low: '0', high: '9' })),
      offsetsAtTime: async () => [],
      listGroups: async () => Object.keys(offsets),
      describeGroups: async (ids: string[]) => ids.map(summary),
      groupOffsets: async (groupId: string) => offsets[groupId]!,
    } as Partial<KafkaAdmin> as KafkaAdmin;
    const observation = await new LagCollector(admin, { topics: ['toll'] }).observe(() => 1000);
    expect(
      observation.groups
        .map((g) => [g.groupId, g.committed.map((c) => c.offset)])
        .sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    ).toEqual([
      ['mixed', [null, '7']],
      ['sentinels', [null, null]],
    ]);
    expect(observation.highWatermarks.get('toll')).toEqual([
      { partition: 0, low: '0', high: '9' },
      { partition: 1, low: '0', high: '9' },
    ]);
  });
});
