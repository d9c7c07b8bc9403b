/**
 * What MySQL holds, read by the soak itself with plain SQL (not the sink's counters): every passage id, and the
 * ways a passage can be held twice although `passages.event_id` is the primary key.
 */
import { Storage } from '../storage/db.ts';

export interface PassagesInMysql {
  ids: Set<string>;
  /** Payments rows beyond the first for one passage. */
  extraPayments: number;
  /**
   * Rows beyond the first that were persisted from one and the same Kafka record (topic, partition, offset):
   * one passage stored under two ids. (Rows that merely share plaza, lane, vehicle and millisecond are no proof:
   * the simulator draws such pairs as two separate passages, with consecutive ids and offsets.)
   */
  sameRecord: number;
}

const PAGE = 20_000;

export async function readMysql(url: string): Promise<PassagesInMysql> {
  const storage = await Storage.open({ url, connectionLimit: 1 });
  try {
    const ids = new Set<string>();
    // Keyset pages: bounded result sets however long the soak ran.
    let after = '';
    for (;;) {
      const rows = await storage.query<{ event_id: string }>(
        'SELECT event_id FROM passages WHERE event_id > ? ORDER BY event_id LIMIT ?',
        [after, PAGE],
      );
      for (const r of rows) ids.add(r.event_id);
      if (rows.length < PAGE) break;
      after = rows.at(-1)!.event_id;
    }
    const [payments] = await storage.query<{ extra: string | number | null }>(
      'SELECT SUM(n - 1) AS extra FROM (SELECT COUNT(*) AS n FROM payments GROUP BY event_id HAVING n > 1) d',
    );
    const [record] = await storage.query<{ extra: string | number | null }>(
      `SELECT SUM(n - 1) AS extra FROM (
         SELECT COUNT(*) AS n FROM passages GROUP BY kafka_topic, kafka_partition, kafka_offset HAVING n > 1) d`,
    );
    return {
      ids,
      extraPayments: Number(payments?.extra ?? 0),
      sameRecord: Number(record?.extra ?? 0),
    };
  } finally {
    await storage.close();
  }
}

/** COUNT(*) of passages for the progress line; null while MySQL does not answer. */
export class PassageCounter {
  private storage: Promise<Storage> | undefined;

  constructor(private readonly url: string) {}

  async count(): Promise<number | null> {
    try {
      this.storage ??= Storage.open({ url: this.url, connectionLimit: 1 });
      const s = await this.storage;
      const [row] = await s.query<{ n: string | number }>('SELECT COUNT(*) AS n FROM passages');
      return Number(row?.n ?? 0);
    } catch {
      // A killed server leaves a broken pool behind; the next call opens a new one.
      const old = this.storage;
      this.storage = undefined;
      void old?.then((s) => s.close()).catch(() => {});
      return null;
    }
  }

  async close(): Promise<void> {
    const s = await this.storage?.catch(() => undefined);
    await s?.close().catch(() => {});
  }
}
