/**
 * Bad input rows: counted, logged with where they came from, and kept in a bounded list a person can inspect.
 * A file with a million broken rows must neither flood the log nor stop the replay, so after the first hundred
 * rows only every thousandth is logged (with the running count).
 *
 * Each reject also has a short, stable reason code, counted per code for run summaries (see REJECT_CODES).
 * Callers pass the code when they know it; otherwise it is derived from the reason's wording, which the record
 * mapper keeps to a fixed opening per field (`time "..."`, `plaza "..."`, `vehicle type "..."`).
 */
import type { Logger } from '../util/log.ts';
import { Ring } from '../util/ring.ts';

/** Reason codes, and what each means. */
export const REJECT_CODES = {
  time: 'the time field is not one instant under timeFormat (no match, impossible date, wrong day/month order)',
  'time-ambiguous': 'the time reads as two different instants (day/month order not settled)',
  plaza: 'the plaza field is empty or cannot become a plaza id',
  vehicle: 'the vehicle field is empty or not 1-32 printable characters',
  type: 'the vehicle type is not a lower-case token (map it with typeMap)',
  amount: 'the amount is missing, not a number or out of range',
  method: 'the payment method is not known (map it with methodMap)',
  lane: 'the lane is not a whole number in 1..64',
  axles: 'the axle count is not a whole number in 1..12',
  id: 'the id field is empty or does not make a valid event id',
  fields: 'the row has a different number of fields than the header',
  csv: 'the row is not valid CSV (a quote left open, text after a closing quote)',
  json: 'the line is not a JSON object',
  invalid: 'any other reason the record is not a valid passage or payment',
} as const;

export type RejectCode = keyof typeof REJECT_CODES;

const OPENINGS: [RegExp, RejectCode][] = [
  [/^time\b.* is ambiguous/, 'time-ambiguous'],
  [/^time\b/, 'time'],
  [/^plaza\b/, 'plaza'],
  [/^vehicle type\b/, 'type'],
  [/^vehicle\b/, 'vehicle'],
  [/^(amount|currency)\b/, 'amount'],
  [/^payment method\b/, 'method'],
  [/^lane\b/, 'lane'],
  [/^axles\b/, 'axles'],
  [/^id\b/, 'id'],
  [/^expected \d+ fields/, 'fields'],
  [/^not (JSON|a JSON object)/, 'json'],
  [/quoted field|closing quote/, 'csv'],
];

/** The code of a reason worded as the record mapper words them; `invalid` for anything else. */
export function rejectCode(reason: string): RejectCode {
  return OPENINGS.find(([re]) => re.test(reason))?.[1] ?? 'invalid';
}

export interface RejectedRow {
  /** The file's path or the URL the row came from. */
  where: string;
  /** 1-based line of a file, or item index of an API page. */
  line?: number;
  reason: string;
  /** Short stable code of the reason (REJECT_CODES). */
  code: string;
  /** The start of the offending text, for the person fixing the data. */
  text?: string;
}

const LOG_ALL_FIRST = 100;
const THEN_LOG_EVERY = 1000;
const TEXT_PREVIEW = 200;

export class RejectLog {
  count = 0;
  private readonly ring: Ring<RejectedRow>;
  private readonly perCode = new Map<string, number>();

  constructor(
    private readonly log: Logger,
    capacity = 100,
  ) {
    this.ring = new Ring(capacity);
  }

  reject(where: string, line: number | undefined, reason: string, text?: string, code?: string): void {
    this.count++;
    const c = code ?? rejectCode(reason);
    this.perCode.set(c, (this.perCode.get(c) ?? 0) + 1);
    const row: RejectedRow = { where, reason, code: c };
    if (line !== undefined) row.line = line;
    if (text !== undefined) row.text = text.length > TEXT_PREVIEW ? `${text.slice(0, TEXT_PREVIEW)}…` : text;
    this.ring.push(row);
    if (this.count <= LOG_ALL_FIRST || this.count % THEN_LOG_EVERY === 0) {
      const at = line === undefined ? where : `${where}:${line}`;
      const more = this.count > LOG_ALL_FIRST ? ` (${this.count} rejected so far)` : '';
      this.log.warn(`rejected row at ${at}: ${reason}${more}`, { where, line, reason, code: c });
    }
  }

  /** Rejected rows per reason code, e.g. `{ time: 3, type: 1 }`. */
  byReason(): Record<string, number> {
    return Object.fromEntries(this.perCode);
  }

  /** The most recent rejected rows, oldest first. */
  recent(): RejectedRow[] {
    return this.ring.toArray();
  }
}
