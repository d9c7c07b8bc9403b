/**
 * What a passage, a payment and a plaza look like on the wire (domain/types.ts): keyed by plaza id as a decimal string,
 * so one plaza's traffic stays in one partition and in order; values are the JSON documents as the source made them.
 */
import { STAGE_HEADER } from '../../domain/types.ts';
import type { Plaza, TollEvent, TopicRole } from '../../domain/types.ts';
import type { OutgoingMessage, TopicBatch } from '../../kafka/producer.ts';

export type Topics = Record<TopicRole, string>;

export const plazaKey = (plazaId: number): string => String(plazaId);

/**
 * A chunk of events as the producer holds it between the source and Kafka. `receivedAt` becomes the Kafka
 * message timestamp, so end-to-end latency measured by the sink includes the time spent queued here.
 */
export interface EventChunk {
  events: TollEvent[];
  receivedAt: number;
}

export function eventBatches(
  chunks: readonly EventChunk[],
  topics: Pick<Topics, 'passages' | 'payments' | 'plazas'>,
): TopicBatch[] {
  const passages: OutgoingMessage[] = [];
  const payments: OutgoingMessage[] = [];
  const plazas: Plaza[] = [];
  for (const { events, receivedAt } of chunks) {
    const timestamp = String(receivedAt);
    for (const { passage, payment, plaza, stage } of events) {
      const headers = stage === undefined ? undefined : { [STAGE_HEADER]: stage };
      passages.push({ key: plazaKey(passage.plazaId), value: JSON.stringify(passage), timestamp, headers });
      if (payment)
        payments.push({
          key: plazaKey(payment.plazaId),
          value: JSON.stringify(payment),
          timestamp,
          headers,
        });
      if (plaza) plazas.push(plaza);
    }
  }
  return [
    { topic: topics.passages, messages: passages },
    { topic: topics.payments, messages: payments },
    ...(plazas.length ? [plazaBatch(plazas, topics.plazas)] : []),
  ];
}

export function plazaBatch(plazas: readonly Plaza[], topic: string): TopicBatch {
  return { topic, messages: plazas.map((p) => ({ key: plazaKey(p.plazaId), value: JSON.stringify(p) })) };
}

export const countPassages = (chunks: readonly EventChunk[]): number =>
  chunks.reduce((n, c) => n + c.events.length, 0);

export const countPayments = (chunks: readonly EventChunk[]): number =>
  chunks.reduce((n, c) => n + c.events.reduce((m, e) => m + (e.payment ? 1 : 0), 0), 0);
