/**
 * The detector's rules against real labelled data: the FASTag transactions (../shared/data/fastag), imported
 * through the file source with the amount paid (Amount_paid) and the amount due (Transaction_Amount), judged by
 * the detector core with its default settings, compared with the file's Fraud_indicator. The rules are not tuned
 * to the labels; the expected matrix is computed here from the file's own columns.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Detector } from '../../../src/anomalies/detector.ts';
import { DEFAULT_ANOMALY_SETTINGS } from '../../../src/anomalies/settings.ts';
import type { Finding } from '../../../src/anomalies/types.ts';
import { createFileSource, parseFileOptions } from '../../../src/sources/file.ts';
import { optionBag } from '../../../src/sources/options.ts';
import { context, drain, FASTAG_FILE } from '../sources/helpers.ts';

const MAPPING =
  'plaza=TollBoothID&vehicle=Vehicle_Plate_Number&type=Vehicle_Type&time=Timestamp&timeFormat=MM-DD-YY HH:mm|M/D/YYYY HH:mm' +
  '&id=Transaction_ID&amount=Amount_paid&due=Transaction_Amount&currency=INR&order=time';

interface Matrix {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}

function matrix(flagged: Set<string>, fraud: Map<string, boolean>): Matrix {
  const m = { tp: 0, fp: 0, fn: 0, tn: 0 };
  for (const [id, isFraud] of fraud) {
    const hit = flagged.has(id);
    if (hit && isFraud) m.tp++;
    else if (hit) m.fp++;
    else if (isFraud) m.fn++;
    else m.tn++;
  }
  return m;
}

describe('FASTag transactions against their fraud labels', { timeout: 60_000 }, () => {
  it('the short-payment rule flags exactly the transactions paid below their amount', async () => {
    const spec = `file:${FASTAG_FILE}#${MAPPING}`;
    const options = parseFileOptions(optionBag(spec, 'file:<path>#<mapping>', MAPPING), FASTAG_FILE);
    const { events } = await drain(createFileSource(spec, options, context()));
    expect(events).toHaveLength(5000);

    const detector = new Detector(DEFAULT_ANOMALY_SETTINGS, () => undefined);
    events.forEach((e, i) => {
      if (e.plaza) detector.plaza(e.plaza);
      const origin = { topic: 'toll.passages', partition: 0, offset: BigInt(i) };
      const p = e.passage;
      detector.passage(
        {
          eventId: p.eventId,
          plazaId: p.plazaId,
          vehicleId: p.vehicleId,
          vehicleType: p.vehicleType,
          passedAtMs: Date.parse(p.passedAt),
        },
        origin,
      );
      const pay = e.payment!;
      detector.payment(
        {
          paymentId: pay.paymentId,
          eventId: pay.eventId,
          plazaId: pay.plazaId,
          method: pay.method,
          amountCents: pay.amountCents,
          currency: pay.currency,
          paidAtMs: Date.parse(pay.paidAt),
          ...(pay.dueCents !== undefined ? { dueCents: pay.dueCents } : {}),
        },
        { ...origin, topic: 'toll.payments' },
      );
    });
    // A replay of a finished file: every decision can be taken.
    const findings: Finding[] = detector.advance(Number.POSITIVE_INFINITY);

    // The labels and amounts, read from the file here (Transaction_ID, Transaction_Amount, Amount_paid, label).
    const prefix = `file-${createHash('sha256').update(readFileSync(FASTAG_FILE)).digest('hex').slice(0, 12)}-id-`;
    const fraud = new Map<string, boolean>();
    const paidShort = new Set<string>();
    for (const line of readFileSync(FASTAG_FILE, 'utf8').split(/\r?\n/).slice(1)) {
      if (!line) continue;
      const c = line.split(',');
      const id = `${prefix}${c[0]}`;
      fraud.set(id, line.includes(',Fraud,'));
      if (Number(c[8]) < Number(c[7])) paidShort.add(id);
    }
    expect(fraud.size).toBe(5000);

    const byRule = (rule: string) => new Set(findings.filter((f) => f.rule === rule).map((f) => f.eventId!));
    const short = byRule('short-payment');
    expect([...short].sort()).toEqual([...paidShort].sort());
    const m = matrix(short, fraud);
    const precision = m.tp / (m.tp + m.fp);
    const recall = m.tp / (m.tp + m.fn);
    // The README's FASTag figures.
    expect(m).toEqual({ tp: 959, fp: 0, fn: 24, tn: 4017 });
    expect(precision).toBe(1);
    expect(recall).toBeCloseTo(0.9756, 4);
    // No payment is missing, and the data has no plaza positions: no unpaid or travel findings.
    expect(byRule('unpaid').size + byRule('impossible-travel').size).toBe(0);
    const others = findings.filter((f) => f.rule !== 'short-payment');
    console.info(
      `FASTag short-payment: TP ${m.tp} FP ${m.fp} FN ${m.fn} TN ${m.tn}, precision ${precision.toFixed(4)}, recall ${recall.toFixed(4)}; other findings: ${others.length} (${[...new Set(others.map((f) => f.rule))].join(', ') || 'none'})`,
    );
  });
});
