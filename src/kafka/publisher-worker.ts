/**
 * The producer thread (see publisher-thread.ts): real KafkaPublishers, one per publisher of the main thread, on a
 * kafkajs client of this thread's own. Each request is answered with a reply carrying the same id; kafkajs logs
 * are forwarded to the main thread's log sink.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { AckTally } from './ack-check.ts';
import { createKafka } from './client.ts';
import type { Kafka } from './client.ts';
import { KafkaPublisher } from './producer.ts';
import type { OutgoingMessage, SentRecord, TopicBatch } from './producer.ts';
import { createLogger, setLogSink } from '../util/log.ts';
import type { AckCounters } from './ack-check.ts';
import { COUNTER_KEYS } from './publisher-thread.ts';
import type { ThreadReply, ThreadRequest, ThreadSettings, WireError } from './publisher-thread.ts';

const port = parentPort!;
const settings = workerData as ThreadSettings;
setLogSink((entry) => port.postMessage({ op: 'log', entry } satisfies ThreadReply), settings.logLevel);
const logger = createLogger(settings.namespace);
const tally = new AckTally();
const publishers = new Map<number, KafkaPublisher>();
let kafka: Kafka | undefined;
/** The counters as of the previous reply: each reply carries what was counted since. */
let reported: AckCounters = { ...tally.counters };

function countedSinceReported(): AckCounters {
  const now = tally.counters;
  const since = { ...now };
  for (const k of COUNTER_KEYS) since[k] -= reported[k];
  reported = { ...now };
  return since;
}

function publisher(pub: number): KafkaPublisher {
  let p = publishers.get(pub);
  if (!p) {
    kafka ??= createKafka(settings.kafka, { logger, clientIdSuffix: '-producer' });
    p = new KafkaPublisher(kafka, { compression: settings.kafka.compression, logger, tally });
    publishers.set(pub, p);
  }
  return p;
}

/** Buffers arrive as plain Uint8Arrays after the structured clone; kafkajs wants Buffers. */
const asBuffer = <T>(x: T): T | Buffer =>
  x instanceof Uint8Array && !Buffer.isBuffer(x) ? Buffer.from(x.buffer, x.byteOffset, x.byteLength) : x;

function revive(batches: TopicBatch[]): TopicBatch[] {
  for (const b of batches) {
    for (const m of b.messages as OutgoingMessage[]) {
      if (m.key instanceof Uint8Array) m.key = asBuffer(m.key) as Buffer;
      if (m.value instanceof Uint8Array) m.value = asBuffer(m.value) as Buffer;
      if (m.headers) for (const h of Object.keys(m.headers)) m.headers[h] = asBuffer(m.headers[h]!) as Buffer;
    }
  }
  return batches;
}

function wireError(e: unknown): WireError {
  const err = e instanceof Error ? e : new Error(String(e));
  const flags = err as Error & { rejected?: boolean; staleProducer?: boolean; retriable?: boolean };
  return {
    name: err.name,
    message: err.message,
    rejected: flags.rejected === true,
    staleProducer: flags.staleProducer === true,
    retriable: flags.retriable !== false,
  };
}

type Answer = { ok: true; sent: SentRecord[] } | { ok: false; error: WireError };

async function handle(req: ThreadRequest): Promise<Answer> {
  try {
    switch (req.op) {
      case 'connect':
        await publisher(req.pub).connect();
        return { ok: true, sent: [] };
      case 'send': {
        const p = publisher(req.pub);
        await p.connect();
        return { ok: true, sent: await p.send(revive(req.batches)) };
      }
      case 'disconnect': {
        const p = publishers.get(req.pub);
        publishers.delete(req.pub);
        await p?.disconnect();
        return { ok: true, sent: [] };
      }
    }
  } catch (e) {
    return { ok: false, error: wireError(e) };
  }
}

port.on('message', (req: ThreadRequest) => {
  void handle(req).then((answer) =>
    port.postMessage({
      op: 'reply',
      id: req.id,
      ...answer,
      counters: countedSinceReported(),
    } satisfies ThreadReply),
  );
});
