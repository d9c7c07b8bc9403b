/**
 * Topic ids (KIP-516): the identity of one incarnation of a topic. Deleting a topic and creating one of the same
 * name gives a new id, so the sink can tell its stored offsets (and the event ids it derived from offsets) of the
 * old topic from the new one.
 *
 * Why a hand-built Metadata v10 request: topic ids travel in Metadata v10+ responses, and kafkajs 2.2.4 speaks
 * only up to v6. Asking the brokers works for every user of the sink (it only knows the brokers; ZooKeeper may
 * be unreachable, firewalled, or absent under KRaft), and going through kafkajs's own connection keeps its SSL,
 * SASL and timeouts. The request and its decoder are small and pinned to the flexible v10 layout; kafkajs is
 * pinned to 2.2.4 exactly, whose private cluster factory this reaches (checked at run time: a missing factory
 * throws rather than guessing). A broker older than Kafka 2.8 has no topic ids: the lookup answers null there.
 */
import type { Kafka } from './client.ts';
import { KafkaAdapterError } from './client.ts';

const METADATA_API_KEY = 3;
const METADATA_VERSION = 10;
const UNKNOWN_TOPIC_OR_PARTITION = 3;
const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

/** The parts of kafkajs's private Cluster and Broker this module uses. */
interface KafkajsBroker {
  versions: Record<number, { minVersion: number; maxVersion: number }> | null;
  connectionPool: {
    send(request: { request: RawRequest; response: RawResponse }): Promise<Map<string, TopicIdAnswer>>;
  };
}
interface KafkajsCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  brokerPool: { seedBroker?: KafkajsBroker };
}
interface RawRequest {
  apiKey: number;
  apiVersion: number;
  apiName: string;
  /** kafkajs writes the returned object's `buffer` after the v1 request header. */
  encode(): Promise<{ buf: Buffer; buffer: Buffer }>;
}
interface RawResponse {
  decode(payload: Buffer): Promise<Map<string, TopicIdAnswer>>;
  parse(decoded: Map<string, TopicIdAnswer>): Promise<Map<string, TopicIdAnswer>>;
}

/** A topic's id in Kafka's own text form (URL-safe base64, 22 characters), or why there is none. */
export type TopicIdAnswer = { id: string } | { missing: true } | { error: number };

export class TopicIds {
  private cluster: KafkajsCluster | undefined;

  constructor(private readonly kafka: Kafka) {}

  /**
   * The current id of each topic: a string, null when the brokers have no topic ids (before Kafka 2.8). Throws
   * (retriable) when a topic does not exist or the brokers cannot answer: an unknown incarnation is never guessed.
   */
  async lookup(topics: string[]): Promise<Map<string, string | null>> {
    const out = new Map<string, string | null>();
    if (!topics.length) return out;
    const broker = await this.broker();
    const range = broker.versions?.[METADATA_API_KEY];
    if (!range || range.maxVersion < METADATA_VERSION) {
      for (const t of topics) out.set(t, null);
      return out;
    }
    let answers: Map<string, TopicIdAnswer>;
    try {
      answers = await broker.connectionPool.send({ request: metadataRequest(topics), response: RESPONSE });
    } catch (e) {
      // A dropped connection is rebuilt by the next connect().
      await this.disconnect();
      throw new KafkaAdapterError(`cannot look up topic ids: ${(e as Error).message}`, {
        cause: e,
        retriable: true,
      });
    }
    for (const t of topics) {
      const a = answers.get(t);
      if (a && 'id' in a) out.set(t, a.id === ZERO_UUID ? null : a.id);
      else {
        const why = !a || 'missing' in a ? 'does not exist' : `answered error ${a.error}`;
        throw new KafkaAdapterError(`cannot look up the id of topic ${t}: it ${why}`, { retriable: true });
      }
    }
    return out;
  }

  async disconnect(): Promise<void> {
    const cluster = this.cluster;
    this.cluster = undefined;
    await cluster?.disconnect().catch(() => {});
  }

  private async broker(): Promise<KafkajsBroker> {
    if (!this.cluster) {
      const factory = Object.getOwnPropertySymbols(this.kafka).find(
        (s) => s.description === 'private:Kafka:createCluster',
      );
      const create = factory && (this.kafka as unknown as Record<symbol, unknown>)[factory];
      if (typeof create !== 'function') {
        throw new KafkaAdapterError('this kafkajs has no cluster factory: topic ids need kafkajs 2.2.4', {
          retriable: false,
        });
      }
      // Never create a topic by asking about it.
      this.cluster = (create as (o: object) => KafkajsCluster)({ allowAutoTopicCreation: false });
    }
    try {
      await this.cluster.connect();
    } catch (e) {
      await this.disconnect();
      throw new KafkaAdapterError(`cannot connect to Kafka: ${(e as Error).message}`, { cause: e });
    }
    const broker = this.cluster.brokerPool.seedBroker;
    if (!broker) throw new KafkaAdapterError('no broker to ask for topic ids', { retriable: true });
    return broker;
  }
}

/** Metadata v10 (flexible): request header v2 adds an empty tagged-field section after the client id. */
function metadataRequest(topics: string[]): RawRequest {
  return {
    apiKey: METADATA_API_KEY,
    apiVersion: METADATA_VERSION,
    apiName: 'Metadata',
    encode: () => {
      const w = new Writer();
      w.uvarint(0); // request header tagged fields
      w.uvarint(topics.length + 1);
      for (const t of topics) {
        w.bytes(Buffer.alloc(16)); // topic id: zero, asking by name
        w.compactString(t);
        w.uvarint(0);
      }
      w.bytes(Buffer.from([0, 0, 0])); // allow auto creation, cluster and topic authorized operations: false
      w.uvarint(0);
      const buf = w.done();
      return Promise.resolve({ buf, buffer: buf });
    },
  };
}

const RESPONSE: RawResponse = {
  decode: (payload) => Promise.resolve(decodeMetadataV10(payload)),
  parse: (decoded) => Promise.resolve(decoded),
};

/** Topic name → id from a Metadata v10 response body (after the correlation id). */
export function decodeMetadataV10(payload: Buffer): Map<string, TopicIdAnswer> {
  const r = new Reader(payload);
  r.taggedFields(); // response header v1
  r.skip(4); // throttle time
  r.array(() => {
    r.skip(4);
    r.compactString();
    r.skip(4);
    r.compactString();
    r.taggedFields();
  });
  r.compactString(); // cluster id
  r.skip(4); // controller id
  const out = new Map<string, TopicIdAnswer>();
  r.array(() => {
    const error = r.int16();
    const name = r.compactString();
    const id = r.take(16).toString('base64url');
    r.skip(1); // is internal
    r.array(() => {
      r.skip(2 + 4 + 4 + 4);
      for (let i = 0; i < 3; i++) r.array(() => r.skip(4)); // replicas, isr, offline replicas
      r.taggedFields();
    });
    r.skip(4); // topic authorized operations
    r.taggedFields();
    if (name === null) return;
    if (error === 0) out.set(name, { id });
    else if (error === UNKNOWN_TOPIC_OR_PARTITION) out.set(name, { missing: true });
    else out.set(name, { error });
  });
  return out;
}

class Writer {
  private readonly parts: Buffer[] = [];
  uvarint(n: number): void {
    const bytes: number[] = [];
    let v = n >>> 0;
    while (v >= 0x80) {
      bytes.push((v & 0x7f) | 0x80);
      v >>>= 7;
    }
    bytes.push(v);
    this.parts.push(Buffer.from(bytes));
  }
  bytes(b: Buffer): void {
    this.parts.push(b);
  }
  compactString(s: string): void {
    const b = Buffer.from(s, 'utf8');
    this.uvarint(b.length + 1);
    this.parts.push(b);
  }
  done(): Buffer {
    return Buffer.concat(this.parts);
  }
}

class Reader {
  private pos = 0;
  constructor(private readonly buf: Buffer) {}
  take(n: number): Buffer {
    if (this.pos + n > this.buf.length) throw new Error('Metadata v10 response ends early');
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  skip(n: number): void {
    this.take(n);
  }
  int16(): number {
    return this.take(2).readInt16BE(0);
  }
  uvarint(): number {
    let result = 0;
    for (let shift = 0; shift <= 28; shift += 7) {
      const byte = this.take(1)[0]!;
      result |= (byte & 0x7f) << shift;
      if (byte < 0x80) return result >>> 0;
    }
    throw new Error('Metadata v10 response has a varint over 5 bytes');
  }
  compactString(): string | null {
    const n = this.uvarint();
    return n === 0 ? null : this.take(n - 1).toString('utf8');
  }
  array(each: () => void): void {
    const n = this.uvarint();
    for (let i = 1; i < n; i++) each();
  }
  taggedFields(): void {
    const n = this.uvarint();
    for (let i = 0; i < n; i++) {
      this.uvarint();
      this.skip(this.uvarint());
    }
  }
}
