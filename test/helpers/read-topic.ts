/**
 * Every record of a topic from the beginning, for tests to check what producers wrote. Read by kcat (a client we
 * did not write) when it is installed, else by the project's own consumer in a fresh group.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Kafka } from '../../src/kafka/client.ts';
import { GroupConsumer } from '../../src/kafka/consumer.ts';
import { uniqueName, waitFor } from './services.ts';

export interface TopicRecord {
  key: string;
  partition: number;
  value: string;
  /** Record headers as text (the first value of a repeated one). */
  headers: Record<string, string>;
}

const KCAT = '/usr/bin/kcat';

/** Reads until `enough(records)` holds (or times out, naming `topic`); returns the records read by then. */
export async function readTopic(
  kafka: Kafka,
  brokers: string[],
  topic: string,
  enough: (records: TopicRecord[]) => boolean,
  what = `the records expected on ${topic}`,
): Promise<TopicRecord[]> {
  if (existsSync(KCAT)) {
    return waitFor(
      () => {
        const out = execFileSync(
          KCAT,
          [
            '-C',
            '-b',
            brokers.join(','),
            '-t',
            topic,
            '-o',
            'beginning',
            '-e',
            '-q',
            '-f',
            '%k\t%p\t%h\t%s\n',
          ],
          { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 },
        );
        const records = out
          .split('\n')
          .filter(Boolean)
          .map((line) => {
            const [key, partition, headers, ...value] = line.split('\t');
            return {
              key: key!,
              partition: Number(partition),
              headers: kcatHeaders(headers!),
              value: value.join('\t'),
            };
          });
        return enough(records) ? records : null;
      },
      { what, intervalMs: 500 },
    );
  }
  const records: TopicRecord[] = [];
  const consumer = new GroupConsumer(kafka, {
    groupId: uniqueName('read'),
    topics: [topic],
    eachBatch: async (batch, ctx) => {
      for (const m of batch.messages) {
        const headers: Record<string, string> = {};
        for (const [name, v] of Object.entries(m.headers)) {
          if (v !== undefined) headers[name] = String(Array.isArray(v) ? v[0] : v);
        }
        records.push({
          key: m.key?.toString() ?? '',
          partition: batch.partition,
          value: String(m.value),
          headers,
        });
        // The adapter leaves offsets to the caller (the sink's contract); unresolved, the next fetch repeats them.
        ctx.resolveOffset(m.offset);
      }
    },
  });
  await consumer.start();
  try {
    await waitFor(() => enough(records), { what });
  } finally {
    await consumer.stop();
  }
  return records;
}

/** kcat's %h: `name=value` pairs separated by commas ("" when there are none). */
function kcatHeaders(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of text ? text.split(',') : []) {
    const at = pair.indexOf('=');
    if (at > 0 && !(pair.slice(0, at) in out)) out[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return out;
}

/** The `eventId` of every JSON record read. */
export const eventIds = (records: TopicRecord[]): string[] =>
  records.map((r) => (JSON.parse(r.value) as { eventId: string }).eventId);
