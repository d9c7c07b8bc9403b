/**
 * The soak's verdict, from three independent sources (pure): the event ids the producers were acknowledged
 * (their --ack-log files), the records of the passages topic (read from the beginning by the soak's own
 * reader) and the rows of MySQL.
 *
 * - lost: acknowledged but not in Kafka (a producer-side loss: Kafka confirmed what it does not hold), plus in
 *   Kafka but neither in MySQL nor dead-lettered (a sink-side loss). Passages in Kafka that no producer saw
 *   acknowledged (sent just before a kill -9) must reach MySQL all the same: the sink cannot tell them apart.
 * - doubled: a passage MySQL holds twice. `passages.event_id` is the primary key, so the same id can never be
 *   two rows; what can go wrong is a row under an id Kafka never carried (a passage persisted under a made-up or
 *   re-derived id), two rows persisted from one and the same Kafka record under different ids, and more than one
 *   payment row for one passage.
 * A record repeated in Kafka (a batch resent after a lost acknowledgement) is neither: the sink's event ids
 * absorb it. It is reported as "resent" because it shows how often the producer had to retry.
 */
import type { PassagesInKafka } from './reader.ts';
import type { PassagesInMysql } from './rows.ts';

export interface SoakTotals {
  acknowledged: number;
  inKafka: number;
  inMysql: number;
  lost: number;
  /** Acknowledged by Kafka, not in the topic. */
  lostInKafka: number;
  /** In the topic, neither in MySQL nor dead-lettered. */
  lostInMysql: number;
  doubled: number;
  /** MySQL rows whose event id no record of the topic carries. */
  phantomRows: number;
  sameRecord: number;
  extraPayments: number;
  deadLettered: number;
  /** In Kafka, not acknowledged to any producer (sent before a kill). */
  unconfirmed: number;
  /** Records beyond the first for one event id. */
  resent: number;
  /** Records of the passages topic that carry no event id. */
  unreadable: number;
  samples: { lostInKafka: string[]; lostInMysql: string[]; phantomRows: string[] };
}

const SAMPLE = 5;

function difference(a: Set<string>, b: Set<string>, also?: Set<string>): { count: number; sample: string[] } {
  let count = 0;
  const sample: string[] = [];
  for (const id of a) {
    if (b.has(id) || also?.has(id)) continue;
    count += 1;
    if (sample.length < SAMPLE) sample.push(id);
  }
  return { count, sample };
}

export function reconcileSoak(
  acked: Set<string>,
  kafka: PassagesInKafka,
  mysql: PassagesInMysql,
): SoakTotals {
  const lostInKafka = difference(acked, kafka.ids);
  const lostInMysql = difference(kafka.ids, mysql.ids, kafka.deadLettered);
  const phantom = difference(mysql.ids, kafka.ids);
  const unconfirmed = difference(kafka.ids, acked);
  return {
    acknowledged: acked.size,
    inKafka: kafka.ids.size,
    inMysql: mysql.ids.size,
    lost: lostInKafka.count + lostInMysql.count,
    lostInKafka: lostInKafka.count,
    lostInMysql: lostInMysql.count,
    doubled: phantom.count + mysql.sameRecord + mysql.extraPayments,
    phantomRows: phantom.count,
    sameRecord: mysql.sameRecord,
    extraPayments: mysql.extraPayments,
    deadLettered: kafka.deadLettered.size,
    unconfirmed: unconfirmed.count,
    resent: kafka.records - kafka.unreadable - kafka.ids.size,
    unreadable: kafka.unreadable,
    samples: {
      lostInKafka: lostInKafka.sample,
      lostInMysql: lostInMysql.sample,
      phantomRows: phantom.sample,
    },
  };
}
