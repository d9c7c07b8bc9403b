/**
 * Which offsets of each partition an audit reads: those whose message time falls in [from, to), found with
 * Kafka's ListOffsets by timestamp (the first offset at or after a time), within what the log holds when the
 * audit starts. Offsets past the high watermark of that moment are not read: the audit judges a fixed stretch,
 * whatever the producers add meanwhile.
 */
import type { KafkaAdmin } from '../kafka/admin.ts';

export interface PartitionPlan {
  partition: number;
  /** The log as the audit found it: [low, high) is what Kafka holds. */
  low: bigint;
  high: bigint;
  /** The offsets read: [from, to), inside [low, high). */
  from: bigint;
  to: bigint;
}

export interface PartitionBounds {
  partition: number;
  low: string;
  high: string;
}

/** Pure: clamps the offsets found for the times into what the log holds. */
export function planRanges(
  bounds: readonly PartitionBounds[],
  startAt?: ReadonlyMap<number, string>,
  endAt?: ReadonlyMap<number, string>,
): PartitionPlan[] {
  return bounds.map((b) => {
    const low = BigInt(b.low);
    const high = BigInt(b.high);
    const clamp = (v: bigint): bigint => (v < low ? low : v > high ? high : v);
    const start = startAt?.get(b.partition);
    const end = endAt?.get(b.partition);
    const from = start === undefined ? low : clamp(BigInt(start));
    const to = end === undefined ? high : clamp(BigInt(end));
    return { partition: b.partition, low, high, from, to: to < from ? from : to };
  });
}

/** The plan of one topic for message times [from, to) (either end open when unset). */
export async function planTopic(
  admin: KafkaAdmin,
  topic: string,
  from: number | undefined,
  to: number | undefined,
): Promise<PartitionPlan[]> {
  const bounds = await admin.topicOffsets(topic);
  const at = async (ms: number | undefined): Promise<Map<number, string> | undefined> =>
    ms === undefined
      ? undefined
      : new Map((await admin.offsetsAtTime(topic, ms)).map((o) => [o.partition, o.offset]));
  return planRanges(bounds, await at(from), await at(to));
}

export const plannedMessages = (plan: readonly PartitionPlan[]): number =>
  plan.reduce((n, p) => n + Number(p.to - p.from), 0);
