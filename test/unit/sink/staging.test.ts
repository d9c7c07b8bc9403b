import { describe, expect, it } from 'vitest';
import { STAGE_HEADER } from '../../../src/domain/types.ts';
import { eventBatches } from '../../../src/engines/producer/messages.ts';
import { chunkStages } from '../../../src/engines/sink/staging.ts';
import type { ConsumedMessage } from '../../../src/kafka/consumer.ts';
import { passageEvent } from '../producer/fakes.ts';

const message = (offset: string, headers: ConsumedMessage['headers'] = {}): ConsumedMessage => ({
  offset,
  key: null,
  value: null,
  timestamp: '0',
  headers,
});

describe('stages on the wire', () => {
  it('the producer marks both messages of a staged event, and only those', () => {
    const staged = { ...passageEvent(1), stage: 'file-0a1b2c3d4e5f:20261202T124500Z-1a2b3c' };
    const [passages, payments] = eventBatches([{ events: [passageEvent(0), staged], receivedAt: 1 }], {
      passages: 'p',
      payments: 'pay',
      plazas: 'pl',
    });
    expect(passages!.messages.map((m) => m.headers)).toEqual([undefined, { [STAGE_HEADER]: staged.stage }]);
    expect(payments!.messages.map((m) => m.headers)).toEqual([undefined, { [STAGE_HEADER]: staged.stage }]);
    // The stage is not part of the passage document.
    expect(JSON.parse(String(passages!.messages[1]!.value))).not.toHaveProperty('stage');
  });

  it('the sink reads the stage of each message by offset, whatever form the header arrives in', () => {
    expect(chunkStages([message('1'), message('2', { other: 'x' })])).toBeNull();
    const stages = chunkStages([
      message('1'),
      message('2', { [STAGE_HEADER]: Buffer.from('imp:run-a') }),
      message('3', { [STAGE_HEADER]: 'imp:run-b' }),
      message('4', { [STAGE_HEADER]: [Buffer.from('imp:run-c'), Buffer.from('imp:run-d')] }),
      message('5', { [STAGE_HEADER]: Buffer.from('') }),
    ]);
    expect(stages && [...stages]).toEqual([
      ['2', 'imp:run-a'],
      ['3', 'imp:run-b'],
      ['4', 'imp:run-c'],
    ]);
  });
});
