/**
 * Publishes dead letters. A retriable failure (broker down) is thrown so the batch is retried with backoff; a
 * message the broker refuses for good (e.g. too large for the dead-letter topic) is logged with its source
 * coordinates and counted, so one poison message never blocks its partition.
 */
import type { KafkaPublisher } from '../../kafka/producer.ts';
import { isRetriable } from '../../kafka/client.ts';
import type { Logger } from '../../util/log.ts';
import type { Rejection } from './classify.ts';
import type { DeadLetterSource } from './dead-letter.ts';
import { deadLetterMessage } from './dead-letter.ts';

export interface DeadLetterResult {
  sent: Rejection[];
  /** Refused by the broker for good; still in the source topic at the logged offset. */
  refused: { rejection: Rejection; error: string }[];
}

function retriable(e: unknown): boolean {
  const err = e as { retriable?: boolean; cause?: unknown };
  return err.retriable === true || isRetriable(err.cause);
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
    if (retriable(e)) throw e;
  }
  // The broker refused the batch for good: find the culprit(s) one by one, so the rest still get through.
  const result: DeadLetterResult = { sent: [], refused: [] };
  for (const r of rejections) {
    try {
      await publisher.send([{ topic: dlqTopic, messages: [toMessage(r)] }]);
      result.sent.push(r);
    } catch (e) {
      if (retriable(e)) throw e;
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
