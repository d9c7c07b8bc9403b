/**
 * The classic toll line format of topic `toll`: `Thu Aug 19 21:54:38 2021,125094,car,4007`.
 * It carries no id, so the event id derives from where the line sits in Kafka: re-reading never duplicates.
 */
const EVENT_ID_MAX = 64;
import type { ValidPassage } from './validate.ts';
import { InvalidMessage, MAX_MESSAGE_BYTES, validatePassageObject } from './validate.ts';
import { parseCtime } from './time.ts';

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * `<topic>:<topic id>-<partition>-<offset>`. The topic id (Kafka's, 22 URL-safe base64 characters) names the
 * incarnation: a topic deleted and created again numbers its offsets from 0 again, and without it its lines would
 * take the ids of the old topic's rows. The id alone is unique, so a topic name too long for the 64-character
 * limit is shortened (the same way every time: re-reads give the same id). Topic names cannot contain `:`, so
 * these ids never meet the `<topic>-<partition>-<offset>` ids of sinks that did not know incarnations, which stay
 * in use where there is no topic id (`incarnation` null: brokers before Kafka 2.8).
 */
export function legacyEventId(
  topic: string,
  partition: number,
  offset: string,
  incarnation: string | null,
): string {
  if (incarnation === null) return `${topic}-${partition}-${offset}`;
  const rest = `:${incarnation}-${partition}-${offset}`;
  return `${topic.slice(0, Math.max(0, EVENT_ID_MAX - rest.length))}${rest}`;
}

export function parseLegacyLine(
  bytes: Uint8Array,
  where: { topic: string; partition: number; offset: string; incarnation: string | null },
  tz = 'UTC',
  now = Date.now(),
): ValidPassage {
  if (bytes.byteLength > MAX_MESSAGE_BYTES) {
    throw new InvalidMessage(
      'too-large',
      `message is ${bytes.byteLength} bytes, limit is ${MAX_MESSAGE_BYTES}`,
    );
  }
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    throw new InvalidMessage('not-utf8', 'message is not valid UTF-8');
  }
  const fields = text.trim().split(',');
  if (fields.length !== 4) {
    throw new InvalidMessage(
      'bad-legacy-line',
      `legacy line must have 4 comma-separated fields (ctime,vehicle id,vehicle type,plaza id), got ${fields.length}`,
    );
  }
  const [stamp, vehicleId, vehicleType, plaza] = fields.map((f) => f.trim()) as [
    string,
    string,
    string,
    string,
  ];
  const ms = parseCtime(stamp, tz);
  if (Number.isNaN(ms)) {
    throw new InvalidMessage(
      'bad-legacy-line',
      `"${stamp}" is not a ctime timestamp like "Thu Aug 19 21:54:38 2021"`,
    );
  }
  if (!/^\d{1,5}$/.test(plaza)) {
    throw new InvalidMessage('bad-legacy-line', `plaza id "${plaza}" is not a number`);
  }
  return validatePassageObject(
    {
      v: 1,
      eventId: legacyEventId(where.topic, where.partition, where.offset, where.incarnation),
      plazaId: Number(plaza),
      vehicleId,
      vehicleType: vehicleType.toLowerCase(),
      passedAt: new Date(ms).toISOString(),
      source: 'legacy',
    },
    now,
  );
}

/** Formats a passage as a classic line (used by tests and by producers that feed legacy consumers). */
export function formatLegacyLine(
  passedAtMs: number,
  vehicleId: string,
  vehicleType: string,
  plazaId: number,
): string {
  const d = new Date(passedAtMs);
  const s = d.toUTCString(); // "Thu, 19 Aug 2021 21:54:38 GMT"
  const [wd, day, mon, year, time] = s.replace(',', '').split(' ') as [
    string,
    string,
    string,
    string,
    string,
  ];
  return `${wd} ${mon} ${day.padStart(2, ' ').replace(/^0/, ' ')} ${time} ${year},${vehicleId},${vehicleType},${plazaId}`;
}
