import { describe, expect, it } from 'vitest';
import { decodeMetadataV10 } from '../../../src/kafka/topic-ids.ts';

/** Builds a Metadata v10 response body the way a broker lays it out (flexible versions: compact, tagged). */
class Body {
  private readonly parts: Buffer[] = [];
  uvarint(n: number): this {
    const bytes: number[] = [];
    while (n >= 0x80) {
      bytes.push((n & 0x7f) | 0x80);
      n >>>= 7;
    }
    bytes.push(n);
    this.parts.push(Buffer.from(bytes));
    return this;
  }
  int(n: number, size: 1 | 2 | 4): this {
    const b = Buffer.alloc(size);
    b.writeIntBE(n, 0, size);
    this.parts.push(b);
    return this;
  }
  str(s: string | null): this {
    if (s === null) return this.uvarint(0);
    this.uvarint(Buffer.byteLength(s) + 1);
    this.parts.push(Buffer.from(s));
    return this;
  }
  raw(b: Buffer): this {
    this.parts.push(b);
    return this;
  }
  done(): Buffer {
    return Buffer.concat(this.parts);
  }
}

const uuid = (text: string): Buffer => Buffer.from(text, 'base64url');

function topic(b: Body, error: number, name: string, id: Buffer, partitions: number): void {
  b.int(error, 2).str(name).raw(id).int(0, 1);
  b.uvarint(partitions + 1);
  for (let p = 0; p < partitions; p++) {
    b.int(0, 2).int(p, 4).int(1, 4).int(7, 4); // error, index, leader, leader epoch
    b.uvarint(2).int(1, 4); // replicas [1]
    b.uvarint(2).int(1, 4); // isr [1]
    b.uvarint(1); // offline replicas []
    b.uvarint(0);
  }
  b.int(-2147483648, 4).uvarint(0);
}

describe('Metadata v10 topic ids', () => {
  it("reads each topic's id in Kafka's text form and tells a missing topic from an error", () => {
    const b = new Body();
    // Response header tagged fields with one field, to show they are skipped.
    b.uvarint(1)
      .uvarint(0)
      .uvarint(2)
      .raw(Buffer.from([9, 9]));
    b.int(0, 4); // throttle
    b.uvarint(2).int(1, 4).str('broker-1').int(9092, 4).str(null).uvarint(0);
    b.str('cluster-x').int(1, 4);
    b.uvarint(4);
    topic(b, 0, 'toll', uuid('SuxetBy7TuOMjRldMJ_Mpw'), 3);
    topic(b, 3, 'gone', Buffer.alloc(16), 0);
    topic(b, 29, 'secret', Buffer.alloc(16), 0);
    b.int(-2147483648, 4).uvarint(0);
    const answers = decodeMetadataV10(b.done());
    expect(Object.fromEntries(answers)).toEqual({
      toll: { id: 'SuxetBy7TuOMjRldMJ_Mpw' },
      gone: { missing: true },
      secret: { error: 29 },
    });
  });

  it('refuses a response cut short instead of reading past it', () => {
    const b = new Body().uvarint(0).int(0, 4).uvarint(1).str('c').int(1, 4).uvarint(2);
    b.int(0, 2).str('toll').raw(Buffer.alloc(5));
    expect(() => decodeMetadataV10(b.done())).toThrow(/ends early/);
  });
});
