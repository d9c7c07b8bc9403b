/**
 * Publishes dead letters. Only a record the broker refuses for good (e.g. too large for the dead-letter topic) is
 * given up on: logged with its source coordinates and counted, so one poison message never blocks its partition.
 * Everything else (broker down, leader moving, kafkajs giving up after its own retries) is thrown, so the chunk is
 * retried with backoff and its offset does not move past dead letters that never reached Kafka.
 */
import type { KafkaPublisher } from '../../kafka/producer.ts';
import type { Logger } from '../../util/log.ts';
import type { Rejection } from './classify.ts';
import type { DeadLetterSource } from './dead-letter.ts';
import { deadLetterMessage } from './dead-letter.ts';

export interface DeadLetterResult {
  sent: Rejection[];
  /** Refused by the broker for good; still in the source topic at the logged offset. */
  refused: { rejection: Rejection; error: string }[];
}

/** Broker error codes that refuse the record itself: the same bytes are refused on every retry. */
const REFUSED_FOR_GOOD = new Set([
  'MESSAGE_TOO_LARGE',
  'RECORD_LIST_TOO_LARGE',
  'INVALID_RECORD',
  'INVALID_TIMESTAMP',
  'CORRUPT_MESSAGE',
]);

/**
 * Whether the error chain holds a record-level refusal. kafkajs wraps what it retried in
 * KafkaJSNumberOfRetriesExceeded (`retriable: false`, the last error as `originalError` and `cause`), and a send
 * to several brokers in KafkaJSAggregateError (`errors`): a `retriable` flag on the outside says nothing about a
 * broker that was merely down, so the chain is searched for the broker's own error code instead.
 */
export function refusedForGood(error: unknown): boolean {
  const seen = new Set<unknown>();
  const pending: unknown[] = [error];
  while (pending.length && seen.size < 32) {
    const cur = pending.pop();
    if (!cur || typeof cur !== 'object' || seen.has(cur)) continue;
    seen.add(cur);
    const { type, originalError, cause, errors } = cur as {
      type?: unknown;
      originalError?: unknown;
      cause?: unknown;
      errors?: unknown;
    };
    if (typeof type === 'string' && REFUSED_FOR_GOOD.has(type)) return true;
    pending.push(originalError, cause);
    if (Array.isArray(errors)) pending.push(...(errors as unknown[]));
  }
  return false;
}

/** The dead-letter topic did not take the letters (yet): the chunk waits and retries, nothing moves past them. */
export class DeadLetterUnavailable extends Error {
  readonly retriable = true;
  constructor(error: unknown) {
    super(`dead-letter topic unavailable: ${(error as Error).message}`, { cause: error });
    this.name = 'DeadLetterUnavailable';
  }
}

export async function sendDeadLetters(
  publisher: KafkaPublisher,
  dlqTopic: string,
  source: DeadLetterSource,
  rejections: Rejection[],
  log: Logger,
): Promise<DeadLetterResult> {
  const now = Date.now();
  const toMessage = (r: Rejection) => deadLetterMessage(source, r.message, r.error, now);
  try {
    await publisher.send([{ topic: dlqTopic, messages: rejections.map(toMessage) }]);
    return { sent: rejections, refused: [] };
  } catch (e) {
    if (!refusedForGood(e)) throw new DeadLetterUnavailable(e);
  }
  // The broker refused the batch for good: find the culprit(s) one by one, so the rest still get through.
  const result: DeadLetterResult = { sent: [], refused: [] };
  for (const r of rejections) {
    try {
      await publisher.send([{ topic: dlqTopic, messages: [toMessage(r)] }]);
      result.sent.push(r);
    } catch (e) {
      if (!refusedForGood(e)) throw new DeadLetterUnavailable(e);
      const error = (e as Error).message;
      log.error('dead-letter topic refused a message; it stays in its source topic', {
        topic: source.topic,
        partition: source.partition,
        offset: r.message.offset,
        reason: r.error.message,
        error,
      });
      result.refused.push({ rejection: r, error });
    }
  }
  return result;
}
