/**
 * What the sink makes of one Kafka message: a record to persist, or a rejection for the dead-letter topic.
 * Pure: the topic's role (passages, payments, plazas, legacy) decides which validator of src/domain applies.
 */
import type { Plaza } from '../../domain/types.ts';
import type { ValidPassage, ValidPayment } from '../../domain/validate.ts';
import {
  InvalidMessage,
  decodeJsonObject,
  validatePassageObject,
  validatePaymentObject,
  validatePlazaObject,
} from '../../domain/validate.ts';
import { parseLegacyLine } from '../../domain/legacy.ts';
import type { ConsumedMessage } from '../../kafka/consumer.ts';

/** The input topics the sink reads; `toll.dlq` is output only. */
export type SinkTopicRole = 'passages' | 'payments' | 'plazas' | 'legacy';

interface Located {
  offset: string;
  /** Kafka message timestamp (produce time), epoch ms: where end-to-end latency starts. */
  producedAtMs: number;
}

export type SinkRecord =
  | (Located & { kind: 'passage'; passage: ValidPassage })
  | (Located & { kind: 'payment'; payment: ValidPayment })
  | (Located & { kind: 'plaza'; plaza: Plaza })
  /** A null value on the compacted plazas topic: the plaza was deleted. */
  | (Located & { kind: 'plaza-deleted'; plazaId: number });

export interface Rejection {
  message: ConsumedMessage;
  error: InvalidMessage;
}

export type Classified = { ok: true; record: SinkRecord } | { ok: false; error: InvalidMessage };

export interface ClassifyContext {
  topic: string;
  partition: number;
  /** The topic's incarnation (Kafka topic id), part of the event ids of classic lines. */
  incarnation: string | null;
  /** Zone of legacy ctime stamps (config.tz). */
  tz: string;
  now: number;
}

type Shape = 'passage' | 'payment' | 'plaza';

const ROLE_SHAPE: Record<Exclude<SinkTopicRole, 'legacy'>, Shape> = {
  passages: 'passage',
  payments: 'payment',
  plazas: 'plaza',
};

/** Guesses which record a JSON object was meant to be, to name a record sent to the wrong topic. */
export function shapeOf(obj: Record<string, unknown>): Shape | undefined {
  if ('paymentId' in obj || 'amountCents' in obj) return 'payment';
  if ('vehicleId' in obj || 'passedAt' in obj) return 'passage';
  if ('lanes' in obj && ('code' in obj || 'name' in obj)) return 'plaza';
  return undefined;
}

function validateShaped(
  role: Exclude<SinkTopicRole, 'legacy'>,
  obj: Record<string, unknown>,
  now: number,
  at: Located,
): SinkRecord {
  try {
    switch (role) {
      case 'passages':
        return {
          kind: 'passage',
          offset: at.offset,
          producedAtMs: at.producedAtMs,
          passage: validatePassageObject(obj, now),
        };
      case 'payments':
        return {
          kind: 'payment',
          offset: at.offset,
          producedAtMs: at.producedAtMs,
          payment: validatePaymentObject(obj, now),
        };
      case 'plazas':
        return {
          kind: 'plaza',
          offset: at.offset,
          producedAtMs: at.producedAtMs,
          plaza: validatePlazaObject(obj),
        };
      default: {
        const never: never = role;
        throw new Error(`unknown topic role ${String(never)}`);
      }
    }
  } catch (e) {
    if (!(e instanceof InvalidMessage)) throw e;
    const shape = shapeOf(obj);
    if (shape && shape !== ROLE_SHAPE[role]) {
      throw new InvalidMessage(e.code, `a ${shape} record on the ${role} topic: ${e.message}`);
    }
    throw e;
  }
}

function plazaIdFromKey(key: Buffer | null): number | undefined {
  const text = key?.toString('latin1');
  if (!text || !/^\d{1,5}$/.test(text)) return undefined;
  const id = Number(text);
  return id >= 1 && id <= 65535 ? id : undefined;
}

export function classify(role: SinkTopicRole, message: ConsumedMessage, ctx: ClassifyContext): Classified {
  try {
    return { ok: true, record: classifyOrThrow(role, message, ctx) };
  } catch (e) {
    if (e instanceof InvalidMessage) return { ok: false, error: e };
    throw e;
  }
}

function classifyOrThrow(role: SinkTopicRole, message: ConsumedMessage, ctx: ClassifyContext): SinkRecord {
  const { value, offset } = message;
  // Literal records (no spreads): one shape per kind keeps this per-message path monomorphic and cheap.
  const at: Located = { offset, producedAtMs: Number(message.timestamp) };
  switch (role) {
    case 'legacy': {
      if (value === null)
        throw new InvalidMessage('bad-legacy-line', 'message has no value (expected a legacy line)');
      const where = { topic: ctx.topic, partition: ctx.partition, offset, incarnation: ctx.incarnation };
      return {
        kind: 'passage',
        offset,
        producedAtMs: at.producedAtMs,
        passage: parseLegacyLine(value, where, ctx.tz, ctx.now),
      };
    }
    case 'plazas': {
      if (value === null) {
        const plazaId = plazaIdFromKey(message.key);
        if (plazaId === undefined) {
          throw new InvalidMessage(
            'not-json',
            'tombstone without a plaza id key (expected a decimal plaza id)',
          );
        }
        return { kind: 'plaza-deleted', offset, producedAtMs: at.producedAtMs, plazaId };
      }
      return validateShaped(role, decodeJsonObject(value), ctx.now, at);
    }
    case 'passages':
    case 'payments': {
      if (value === null)
        throw new InvalidMessage('not-json', 'message has no value (a tombstone on a data topic)');
      return validateShaped(role, decodeJsonObject(value), ctx.now, at);
    }
    default: {
      const never: never = role;
      throw new Error(`unknown topic role ${String(never)}`);
    }
  }
}

export interface ClassifiedChunk {
  records: SinkRecord[];
  rejections: Rejection[];
}

export function classifyChunk(
  role: SinkTopicRole,
  messages: ConsumedMessage[],
  ctx: ClassifyContext,
): ClassifiedChunk {
  const records: SinkRecord[] = [];
  const rejections: Rejection[] = [];
  for (const message of messages) {
    const c = classify(role, message, ctx);
    if (c.ok) records.push(c.record);
    else rejections.push({ message, error: c.error });
  }
  return { records, rejections };
}
