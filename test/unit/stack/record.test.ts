import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { StackRecord } from '../../../src/stack/record.ts';
import { readRecord, writeRecord } from '../../../src/stack/record.ts';

const record: StackRecord = {
  version: 1,
  stateDir: '/s',
  brokerCount: 3,
  startedAt: '2026-01-01T00:00:00.000Z',
  zookeeper: { host: '127.0.0.1', port: 2181, pid: 100, startedAt: '2026-01-01T00:00:00.000Z' },
  brokers: [0, 1, 2].map((id) => ({ id, host: '127.0.0.1', port: 9092 + id, pid: null, startedAt: null })),
};

describe('stack.json', () => {
  it('round-trips and leaves no temp file', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'record-'));
    const file = path.join(dir, 'stack.json');
    writeRecord(file, record);
    expect(readRecord(file)).toEqual(record);
    expect(readdirSync(dir)).toEqual(['stack.json']);
  });

  it('treats a missing, torn or foreign file as no record', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'record-'));
    const file = path.join(dir, 'stack.json');
    expect(readRecord(file)).toBeNull();
    writeFileSync(file, '{"version":1,"brokerCount":3,"zookeeper":');
    expect(readRecord(file)).toBeNull();
    writeFileSync(file, JSON.stringify({ ...record, brokerCount: 2 }));
    expect(readRecord(file)).toBeNull();
  });
});
