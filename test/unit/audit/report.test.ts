import { describe, expect, it } from 'vitest';
import { formatJson, formatTable, progressText, verdictText } from '../../../src/audit/report.ts';
import type { AuditReport } from '../../../src/audit/run.ts';
import type { TopicReport } from '../../../src/audit/tally.ts';
import { zeroCounts } from '../../../src/audit/tally.ts';

const topic = (over: Partial<TopicReport>): TopicReport => ({
  role: 'passages',
  topic: 'toll.passages',
  incarnation: 'AbCdEfGhIjKlMnOpQrStUv',
  kafka: 0,
  ...zeroCounts(),
  goneWhileReading: 0,
  mysqlRows: 0,
  goneFromKafka: 0,
  goneFromKafkaRows: [],
  missingIds: [],
  partitions: [],
  ...over,
});

const report = (topics: TopicReport[], ok: boolean): AuditReport => ({
  from: '2026-01-01T00:00:00.000Z',
  to: '2026-01-02T00:00:00.000Z',
  startedAt: '2026-01-02T06:00:00.000Z',
  elapsedMs: 1234,
  ok,
  mysql: { user: 'tollstream_reader', readOnlyAccount: true, database: 'tollstream' },
  deadLetterTopic: { topic: 'toll.dlq', read: 3, matching: 1 },
  topics,
  skipped: [],
});

describe('audit report', () => {
  it('a table with one column per topic; replace lines only when something was replaced', () => {
    const text = formatTable(
      report(
        [
          topic({ kafka: 12000, persisted: 11999, deadLettered: 1, mysqlRows: 11999 }),
          topic({ role: 'payments', topic: 'toll.payments', kafka: 9000, persisted: 9000, mysqlRows: 9000 }),
        ],
        true,
      ),
    );
    expect(text).toContain('Kafka message time 2026-01-01T00:00:00.000Z .. 2026-01-02T00:00:00.000Z');
    expect(text).toContain('MySQL as tollstream_reader (read-only account) on tollstream');
    expect(text).toMatch(/^messages in Kafka\s+12,000\s+9,000$/m);
    expect(text).toMatch(/^ {2}dead-lettered\s+1\s+0$/m);
    expect(text).not.toContain('--replace');
    expect(text).toContain(
      'OK: all 21,000 messages Kafka holds in the range are in MySQL or the dead-letter topic.',
    );
  });

  it('lists missing ids, says when the list is cut, and explains pending', () => {
    const t = topic({
      kafka: 10,
      persisted: 6,
      staged: 1,
      missing: 2,
      pending: 1,
      missingIds: [
        {
          id: 'sim-1',
          partition: 0,
          offset: '4',
          timestamp: '2026-01-01T01:00:00.000Z',
          why: 'not in MySQL',
        },
      ],
      goneFromKafka: 1,
      goneFromKafkaRows: [{ id: 'sim-0', partition: 0, offset: '0', ingestedAt: '2026-01-01T00:00:01.000Z' }],
    });
    const text = formatTable(report([t], false));
    expect(text).toMatch(/^ {2}staged by a --replace run\s+1$/m);
    expect(text).toContain('missing from toll.passages (first 1 of 2; --limit shows more):');
    expect(text).toContain('  sim-1  partition 0 offset 4  2026-01-01T01:00:00.000Z  not in MySQL');
    expect(text).toContain('1 row of toll.passages written in the range is no longer in Kafka');
    expect(verdictText(report([t], false))).toBe(
      'NOT OK: of 10 messages, 2 missing (the sink went past them and MySQL does not have them); ' +
        '1 pending (no sink had reached them when the audit began: audit again later, or end --to earlier).',
    );
  });

  it('JSON carries the whole report', () => {
    const r = report([topic({ kafka: 1, persisted: 1 })], true);
    expect(JSON.parse(formatJson(r))).toEqual(r);
  });

  it('progress: partitions, messages of total, rate and time left', () => {
    const p = {
      reading: 'toll.passages',
      read: 50_000,
      total: 200_000,
      partitionsDone: 2,
      partitions: 7,
      startedAt: 0,
    };
    expect(progressText(p, 10_000)).toBe(
      'audit: reading toll.passages; partitions 2/7; 50,000 of 200,000 messages (25%) at 5,000/s, about 30 s left',
    );
    expect(progressText({ ...p, read: 200_000 }, 10_000)).toMatch(/\(100%\) at 20,000\/s$/);
  });
});
