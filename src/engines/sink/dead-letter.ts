/**
 * Dead letters: the original key and value bytes, unchanged, with the original headers, plus headers saying why
 * and where the message came from, so a person can find it, fix the producer and replay it.
 */
import type { InvalidMessage } from '../../domain/validate.ts';
import type { ConsumedMessage, HeaderValue } from '../../kafka/consumer.ts';
import type { OutgoingMessage } from '../../kafka/producer.ts';

/** The headers the sink adds; an original header of the same name is kept as `original-<name>`. */
export const DLQ_HEADERS = [
  'reason',
  'error-code',
  'source-topic',
  'source-partition',
  'source-offset',
  'source-timestamp',
  'dead-lettered-at',
  'dead-letter-id',
] as const;
export type DlqHeader = (typeof DLQ_HEADERS)[number];

export interface DeadLetterSource {
  topic: string;
  partition: number;
  /** The source topic's incarnation, when known: offsets restart at 0 in a recreated topic. */
  incarnation?: string;
}

/**
 * One id per source record, the same on every attempt: `<topic>[@<incarnation>]/<partition>/<offset>`. A crash
 * between the dead-letter send and the MySQL commit sends the letter again; readers dedupe on this header.
 */
export function deadLetterId(source: DeadLetterSource, offset: string): string {
  const topic = source.incarnation ? `${source.topic}@${source.incarnation}` : source.topic;
  return `${topic}/${source.partition}/${offset}`;
}

export function deadLetterHeaders(
  source: DeadLetterSource,
  message: ConsumedMessage,
  error: InvalidMessage,
  now: number,
): Record<DlqHeader, string> {
  return {
    reason: error.message,
    'error-code': error.code,
    'source-topic': source.topic,
    'source-partition': String(source.partition),
    'source-offset': message.offset,
    'source-timestamp': message.timestamp,
    'dead-lettered-at': new Date(now).toISOString(),
    'dead-letter-id': deadLetterId(source, message.offset),
  };
}

const ours = new Set<string>(DLQ_HEADERS);

export function deadLetterMessage(
  source: DeadLetterSource,
  message: ConsumedMessage,
  error: InvalidMessage,
  now = Date.now(),
): OutgoingMessage {
  const headers: Record<string, HeaderValue> = {};
  for (const [name, value] of Object.entries(message.headers)) {
    if (value === undefined) continue;
    headers[ours.has(name) ? `original-${name}` : name] = value;
  }
  Object.assign(headers, deadLetterHeaders(source, message, error, now));
  return {
    key: message.key,
    value: message.value,
    // kafkajs sends a repeated header given as an array; OutgoingMessage only spells the single-value form.
    headers: headers as Record<string, string | Buffer>,
  };
}
