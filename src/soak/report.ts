/**
 * What the soak prints (pure): one progress line per fault, a periodic status line, and the final table —
 * every fault with its time, then the totals, then PASS or FAIL. The totals' labels start their lines so scripts
 * (and the integration test) can pick the numbers out.
 */
import type { SoakTotals } from './reconcile.ts';
import type { PlannedFault } from './schedule.ts';
import { describeFault } from './schedule.ts';

export interface FaultOutcome extends PlannedFault {
  /** Actual start, ms from the start of the fault phase (later than planned when a recovery ran long). */
  startedMs: number;
  /** How long from the start until everything was back. */
  recoveredAfterMs: number | null;
  note?: string;
  error?: string;
}

export interface SoakHeader {
  seed: number;
  durationMs: number;
  everyMs: number;
  rate: number;
}

export const clock = (ms: number): string => {
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(h ? 2 : 1, '0');
  const ss = String(s % 60).padStart(2, '0');
  return h ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
};

const n = (x: number): string => x.toLocaleString('en-US');
const secs = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

export function faultLine(f: FaultOutcome, total: number): string {
  return `${clock(f.startedMs)}  fault ${f.index}/${total}: ${describeFault(f)}`;
}

export function recoveryLine(f: FaultOutcome, nowMs: number): string {
  const head = `${clock(nowMs)}  fault ${f.index}`;
  if (f.error) return `${head} FAILED: ${f.error}`;
  return `${head} recovered after ${secs(f.recoveredAfterMs ?? 0)}${f.note ? ` (${f.note})` : ''}`;
}

export interface StatusSample {
  elapsedMs: number;
  faultsDone: number;
  faultsTotal: number;
  acknowledged: number;
  persisted: number | null;
}

export function statusLine(s: StatusSample): string {
  return `${clock(s.elapsedMs)}  faults ${s.faultsDone}/${s.faultsTotal}  acknowledged ${n(s.acknowledged)}  persisted ${s.persisted === null ? '— (MySQL down)' : n(s.persisted)}`;
}

export function formatTable(
  header: SoakHeader,
  faults: FaultOutcome[],
  totals: SoakTotals | null,
  failure: string | null,
  notes: string[] = [],
): string {
  const out: string[] = [];
  out.push(
    `tollstream soak: seed ${header.seed}, ${clock(header.durationMs)} of faults about every ${secs(header.everyMs)}, ${n(header.rate)} passages/s, 3 brokers, 2 sinks`,
    '',
  );
  const rows = faults.map((f) => [
    String(f.index),
    clock(f.startedMs),
    describeFault(f),
    f.error ? 'FAILED' : f.recoveredAfterMs === null ? '—' : `+${secs(f.recoveredAfterMs)}`,
    f.error ?? f.note ?? '',
  ]);
  const head = ['#', 'at', 'fault', 'back after', 'note'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string =>
    `  ${cells.map((c, i) => (i === 0 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ')}`.trimEnd();
  out.push(line(head));
  for (const r of rows) out.push(line(r));
  if (!rows.length) out.push('  (no fault was injected)');
  out.push('');
  if (totals) {
    const t = totals;
    const total = (label: string, value: number, detail = ''): string =>
      `  ${label.padEnd(22)}${n(value).padStart(12)}${detail ? `   ${detail}` : ''}`;
    const sample = (ids: string[]): string => (ids.length ? ` (e.g. ${ids.join(', ')})` : '');
    out.push(
      total('passages acknowledged', t.acknowledged, "event ids in the producers' ack logs"),
      total(
        'in Kafka',
        t.inKafka,
        `distinct event ids in the topic; ${n(t.unconfirmed)} never acknowledged (sent just before a kill), ${n(t.resent)} resent records`,
      ),
      total('in MySQL', t.inMysql, 'rows of passages'),
      total(
        'lost',
        t.lost,
        `acknowledged, not in Kafka ${n(t.lostInKafka)}${sample(t.samples.lostInKafka)}; in Kafka, not in MySQL ${n(t.lostInMysql)}${sample(t.samples.lostInMysql)}`,
      ),
      total(
        'doubled',
        t.doubled,
        `rows under ids Kafka never carried ${n(t.phantomRows)}${sample(t.samples.phantomRows)}; one Kafka record as two rows ${n(t.sameRecord)}; extra payments ${n(t.extraPayments)}`,
      ),
      total(
        'dead-lettered',
        t.deadLettered,
        t.unreadable ? `${n(t.unreadable)} records without an event id` : '',
      ),
      '',
    );
  }
  if (notes.length) out.push('  seen besides the faults:', ...notes.map((x) => `    - ${x}`), '');
  out.push(verdictLine(header, totals, failure));
  return out.join('\n');
}

export function verdictLine(header: SoakHeader, totals: SoakTotals | null, failure: string | null): string {
  if (failure) return `FAIL: ${failure} (replay with --seed ${header.seed})`;
  if (!totals) return `FAIL: not reconciled (replay with --seed ${header.seed})`;
  if (!totals.acknowledged) {
    return `FAIL: Kafka acknowledged no passage, so the soak proved nothing (see the producer's log; replay with --seed ${header.seed})`;
  }
  if (totals.lost || totals.doubled) {
    return `FAIL: ${n(totals.lost)} lost, ${n(totals.doubled)} doubled (replay with --seed ${header.seed})`;
  }
  return `PASS: nothing lost, nothing doubled (replay with --seed ${header.seed})`;
}

export const soakPassed = (totals: SoakTotals | null, failure: string | null): boolean =>
  !failure && !!totals && totals.acknowledged > 0 && totals.lost === 0 && totals.doubled === 0;
