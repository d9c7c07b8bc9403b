/**
 * The detector's MySQL side: its positions (`detector_offsets`), its findings (`anomalies`) written together with
 * those positions in one transaction, the outbox of findings not yet on the topic, and the traffic baselines read
 * from the hourly rollups.
 */
import { partitionKey } from '../kafka/partition-key.ts';
import type { Storage } from '../storage/db.ts';
import { sqlTime } from '../engines/sink/offsets.ts';
import type { Finding } from './types.ts';

export interface DetectorPosition {
  /** First record not yet processed. */
  next: bigint;
  /** Oldest record the detector's state depended on when `next` was stored: a restart reads again from here. */
  replayFrom: bigint;
  /** Event time the decisions had reached at that commit (null: none taken yet). */
  watermarkMs: number | null;
}

export async function loadPositions(
  storage: Storage,
  groupId: string,
  topics: string[],
): Promise<Map<string, DetectorPosition>> {
  const out = new Map<string, DetectorPosition>();
  if (!topics.length) return out;
  const rows = await storage.query<{
    topic: string;
    kafka_partition: number;
    next_offset: string;
    replay_from: string;
    watermark_ms: string | null;
  }>(
    'SELECT topic, kafka_partition, next_offset, replay_from, watermark_ms FROM detector_offsets WHERE group_id = ? AND topic IN (?)',
    [groupId, topics],
  );
  for (const r of rows)
    out.set(partitionKey(r.topic, Number(r.kafka_partition)), {
      next: BigInt(r.next_offset),
      replayFrom: BigInt(r.replay_from),
      watermarkMs: r.watermark_ms === null ? null : Number(r.watermark_ms),
    });
  return out;
}

export interface PositionUpdate extends DetectorPosition {
  topic: string;
  partition: number;
}

const FINDING_COLUMNS = [
  'anomaly_id',
  'rule',
  'plaza_id',
  'vehicle_id',
  'event_id',
  'related_event_id',
  'observed_at',
  'amount_cents',
  'expected',
  'observed',
  'details',
  'detected_at',
];

export function findingRow(f: Finding, detectedAt: string): unknown[] {
  return [
    f.anomalyId,
    f.rule,
    f.plazaId,
    f.vehicleId,
    f.eventId,
    f.relatedEventId,
    sqlTime(f.observedAtMs),
    f.amountCents,
    f.expected,
    f.observed,
    JSON.stringify(f.details),
    detectedAt,
  ];
}

/**
 * Findings and positions in one transaction. A finding made again (a restart reads part of its input again) is
 * already a row: its id says so, and it is left as it is. Returns how many findings were new.
 */
export async function commitFindings(
  storage: Storage,
  groupId: string,
  findings: readonly Finding[],
  positions: readonly PositionUpdate[],
): Promise<number> {
  const now = sqlTime(Date.now());
  return storage.transaction(async (tx) => {
    const inserted = findings.length
      ? await tx.insertMany(
          'anomalies',
          FINDING_COLUMNS,
          findings.map((f) => findingRow(f, now)),
          { ignore: true, chunk: 500 },
        )
      : 0;
    if (positions.length)
      await tx.insertMany(
        'detector_offsets',
        ['group_id', 'topic', 'kafka_partition', 'next_offset', 'replay_from', 'watermark_ms', 'updated_at'],
        positions.map((p) => [
          groupId,
          p.topic,
          p.partition,
          p.next.toString(),
          p.replayFrom.toString(),
          p.watermarkMs,
          now,
        ]),
        {
          suffix:
            'ON DUPLICATE KEY UPDATE next_offset = VALUES(next_offset), replay_from = VALUES(replay_from), watermark_ms = VALUES(watermark_ms), updated_at = VALUES(updated_at)',
        },
      );
    return inserted;
  });
}

export type StoredFinding = {
  anomaly_id: string;
  rule: string;
  plaza_id: number | null;
  vehicle_id: string | null;
  event_id: string | null;
  related_event_id: string | null;
  observed_at: string;
  amount_cents: string | number | null;
  expected: number | null;
  observed: number | null;
  details: string | null;
  detected_at: string;
};

/** Findings not yet acknowledged on the topic, oldest first. */
export async function unpublished(storage: Storage, limit: number): Promise<StoredFinding[]> {
  return storage.query<StoredFinding>(
    `SELECT anomaly_id, rule, plaza_id, vehicle_id, event_id, related_event_id,
            DATE_FORMAT(observed_at, '%Y-%m-%dT%H:%i:%s.%fZ') AS observed_at, amount_cents, expected, observed,
            details, DATE_FORMAT(detected_at, '%Y-%m-%dT%H:%i:%s.%fZ') AS detected_at
       FROM anomalies WHERE published_at IS NULL ORDER BY detected_at, anomaly_id LIMIT ${Math.floor(limit)}`,
  );
}

export async function markPublished(storage: Storage, ids: readonly string[]): Promise<void> {
  const now = sqlTime(Date.now());
  for (let i = 0; i < ids.length; i += 1000)
    await storage.execute('UPDATE anomalies SET published_at = ? WHERE anomaly_id IN (?)', [
      now,
      ids.slice(i, i + 1000),
    ]);
}

/** Milliseconds of the DATE_FORMAT above ("…%f" gives microseconds): trims to an ISO instant with 3 decimals. */
export function isoOfStored(s: string): string {
  return s.replace(/\.(\d{3})\d*Z$/, '.$1Z');
}

/**
 * Expected passages per minute per plaza and hour of week (0 = Monday 00:00-01:00 UTC), averaged over the hours
 * of `traffic_hour` in [from, to) that have traffic.
 */
export async function loadBaselines(
  storage: Storage,
  fromMs: number,
  toMs: number,
): Promise<Map<string, number>> {
  const rows = await storage.query<{ plaza_id: number; how: number; per_minute: number | string }>(
    `SELECT plaza_id, how, AVG(n) / 60 AS per_minute FROM (
       SELECT plaza_id, bucket, WEEKDAY(bucket) * 24 + HOUR(bucket) AS how, SUM(passages) AS n
         FROM traffic_hour WHERE bucket >= ? AND bucket < ? GROUP BY plaza_id, bucket) h
     GROUP BY plaza_id, how`,
    [sqlTime(fromMs), sqlTime(toMs)],
  );
  const out = new Map<string, number>();
  for (const r of rows) out.set(`${r.plaza_id}:${r.how}`, Number(r.per_minute));
  return out;
}
