/**
 * Which source messages the dead-letter topic holds. Each letter names its source in headers (source-topic,
 * -partition, -offset, -timestamp, and dead-letter-id with the topic's incarnation when the sink knew it); a
 * message counts as dead-lettered when a letter names its topic, partition and offset and, where the letter
 * says, the same incarnation or message time (offsets start again at 0 in a recreated topic). Letters sent twice
 * (a sink that crashed between the send and its commit) are the same entry here.
 */
import type { ConsumedMessage, HeaderValue } from '../kafka/consumer.ts';

export interface LetterSource {
  topic: string;
  partition: number;
  offset: string;
  /** The source topic's incarnation when the letter names one. */
  incarnation?: string;
  /** The source message's timestamp (epoch ms as text) when the letter carries it. */
  timestamp?: string;
}

export function headerText(value: HeaderValue): string | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined) return undefined;
  return typeof v === 'string' ? v : v.toString('utf8');
}

/** The source a letter names, or null when its headers do not name one (not written by the sink). */
export function letterSource(letter: Pick<ConsumedMessage, 'headers'>): LetterSource | null {
  const h = (name: string): string | undefined => {
    const v = letter.headers[name];
    return v === undefined ? undefined : headerText(v);
  };
  const topic = h('source-topic');
  const partition = h('source-partition');
  const offset = h('source-offset');
  if (!topic || !partition || !/^\d+$/.test(partition) || !offset || !/^\d+$/.test(offset)) return null;
  const out: LetterSource = { topic, partition: Number(partition), offset };
  // dead-letter-id: <topic>[@<incarnation>]/<partition>/<offset>
  const id = h('dead-letter-id');
  const at = id?.startsWith(`${topic}@`) ? id.slice(topic.length + 1).split('/')[0] : undefined;
  if (at) out.incarnation = at;
  const timestamp = h('source-timestamp');
  if (timestamp && /^\d+$/.test(timestamp)) out.timestamp = timestamp;
  return out;
}

const key = (topic: string, partition: number, offset: string): string =>
  `${topic}\u0000${partition}\u0000${offset}`;

export class DeadLetterIndex {
  private readonly letters = new Map<string, { incarnation?: string; timestamp?: string }[]>();
  /** Letters read, and those kept (their source is one of the audited topics). */
  read = 0;
  kept = 0;

  constructor(private readonly topics: ReadonlySet<string>) {}

  add(letter: Pick<ConsumedMessage, 'headers'>): void {
    this.read++;
    const source = letterSource(letter);
    if (!source || !this.topics.has(source.topic)) return;
    const k = key(source.topic, source.partition, source.offset);
    const list = this.letters.get(k) ?? [];
    const known = list.some((l) => l.incarnation === source.incarnation && l.timestamp === source.timestamp);
    if (!known) {
      list.push({
        ...(source.incarnation ? { incarnation: source.incarnation } : {}),
        ...(source.timestamp ? { timestamp: source.timestamp } : {}),
      });
      this.letters.set(k, list);
      this.kept++;
    }
  }

  /** Whether a letter stands for this message of the topic's current incarnation (null: no topic ids). */
  has(
    topic: string,
    partition: number,
    offset: string,
    timestamp: string,
    incarnation: string | null,
  ): boolean {
    const list = this.letters.get(key(topic, partition, offset));
    if (!list) return false;
    return list.some((l) => {
      if (l.incarnation !== undefined && incarnation !== null) return l.incarnation === incarnation;
      return l.timestamp === undefined || l.timestamp === timestamp;
    });
  }
}
