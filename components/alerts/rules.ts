/**
 * Alerts a person watching the pipeline must not miss, derived from snapshots (no engine keeps them):
 * a plaza that went silent while others still flow, a partition whose lag is STALL or STOP, a growing DLQ, and
 * what the anomaly detector found since the monitor started (surges, unpaid passages and short payments).
 */
import type { LagSnapshot, SinkSnapshot } from '../../src/engines/types.ts';
import type { AnomaliesSnapshot, AnomalyAlertSettings } from '../anomalies/types.ts';
import { formatCount, formatDuration } from '../format/format.ts';
import { growthWithin } from '../header/rates.ts';
import type { Sample } from '../header/rates.ts';

export interface Alert {
  key: string;
  severity: 'warn' | 'error';
  text: string;
}

export const SILENCE_MS = 30_000;
export const DLQ_WINDOW_MS = 30_000;

/**
 * A plaza is silent when its last SILENCE_MS of complete buckets are empty although it had traffic before them
 * and other plazas had traffic during them (so stopping every producer is not reported as eleven outages).
 */
export function silentPlazas(sink: SinkSnapshot, silenceMs = SILENCE_MS): Alert[] {
  const n = Math.max(1, Math.ceil(silenceMs / Math.max(1, sink.bucketMs)));
  const complete = sink.throughput.map((t) => ({ plazaId: t.plazaId, buckets: t.buckets.slice(0, -1) }));
  const sum = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0);
  const recentTotal = sum(complete.map((t) => sum(t.buckets.slice(-n))));
  const out: Alert[] = [];
  for (const t of complete) {
    if (t.buckets.length <= n) continue;
    const recent = sum(t.buckets.slice(-n));
    const before = sum(t.buckets.slice(0, -n));
    if (recent === 0 && before > 0 && recentTotal > 0) {
      out.push({
        key: `silent:${t.plazaId}`,
        severity: 'warn',
        text: `plaza ${t.plazaId} silent for ${formatDuration(n * sink.bucketMs)}`,
      });
    }
  }
  return out;
}

/**
 * STALL/STOP partitions of our group, and of other groups that still have members: a group nobody runs any more
 * stays STOP on the broker until its offsets expire, which the lag pane shows but is no news worth an alert.
 */
export function lagAlerts(lag: LagSnapshot): Alert[] {
  const out: Alert[] = [];
  for (const g of lag.groups) {
    if (!g.ours && g.members === 0) continue;
    const bad = g.partitions.filter((p) => p.status === 'STALL' || p.status === 'STOP');
    if (bad.length === 0) continue;
    const worst = bad.some((p) => p.status === 'STOP') ? 'STOP' : 'STALL';
    const where = bad
      .slice(0, 3)
      .map((p) => `${p.topic}[${p.partition}] ${p.status}`)
      .join(', ');
    out.push({
      key: `lag:${g.groupId}`,
      severity: g.ours ? 'error' : 'warn',
      text: `lag ${worst}: group ${g.groupId} ${where}${bad.length > 3 ? ` +${bad.length - 3} more` : ''}`,
    });
  }
  return out;
}

export function dlqAlert(sink: SinkSnapshot, samples: readonly Sample[], now: number): Alert | null {
  const grown = growthWithin(samples, now, DLQ_WINDOW_MS);
  if (grown <= 0) return null;
  const top = Object.entries(sink.deadLetterReasons).sort((a, b) => b[1] - a[1])[0];
  return {
    key: 'dlq',
    severity: 'warn',
    text: `DLQ growing: +${formatCount(grown)} in ${formatDuration(DLQ_WINDOW_MS)}${top ? ` (mostly ${top[0]})` : ''}`,
  };
}

/** A surge stays on the line this long after the detector found it (a surge window is 15 minutes by default). */
export const SURGE_ALERT_MS = 15 * 60_000;

/** Unpaid passages at plazas without a tariff have no amount: nothing is said rather than a sum that is short. */
function owed(cents: number, what: string): string {
  return cents > 0 ? ` (${(cents / 100).toFixed(2)} ${what})` : '';
}

function times(observed: number | null, expected: number | null): string {
  return observed !== null && expected ? ` ×${(observed / expected).toFixed(1)}` : '';
}

/**
 * Surges the detector found since the monitor started (for SURGE_ALERT_MS each), and unpaid passages or short
 * payments found in the last minute at or above their threshold.
 */
export function anomalyAlerts(
  anomalies: AnomaliesSnapshot,
  settings: AnomalyAlertSettings,
  now: number,
): Alert[] {
  const out: Alert[] = [];
  for (const s of anomalies.surges) {
    if (now - s.detectedAtMs > SURGE_ALERT_MS) continue;
    out.push({
      key: `surge:${s.anomalyId}`,
      severity: 'warn',
      text: `surge at plaza ${s.plazaId ?? '?'}${times(s.observed, s.expected)}: ${formatCount(s.observed)} passages, ${formatCount(s.expected)} expected`,
    });
  }
  const recent = (rule: string) => anomalies.recent.find((r) => r.rule === rule);
  const unpaid = recent('unpaid');
  if (settings.unpaidPerMinute > 0 && unpaid && unpaid.findings >= settings.unpaidPerMinute) {
    out.push({
      key: 'unpaid',
      severity: 'warn',
      text: `${formatCount(unpaid.findings)} unpaid passages in the last minute${owed(unpaid.amountCents, 'owed')}`,
    });
  }
  const shortPaid = recent('short-payment');
  if (
    settings.shortPaymentsPerMinute > 0 &&
    shortPaid &&
    shortPaid.findings >= settings.shortPaymentsPerMinute
  ) {
    out.push({
      key: 'short-payment',
      severity: 'warn',
      text: `${formatCount(shortPaid.findings)} short payments in the last minute${owed(shortPaid.amountCents, 'short')}`,
    });
  }
  return out;
}

/** Errors first, then warnings; stable within a severity. */
export function deriveAlerts(
  sink: SinkSnapshot | null,
  lag: LagSnapshot,
  dlqSamples: readonly Sample[],
  now: number,
  anomalies: { snapshot: AnomaliesSnapshot | null; settings: AnomalyAlertSettings } | null = null,
): Alert[] {
  const all = [
    ...lagAlerts(lag),
    ...(sink ? silentPlazas(sink) : []),
    ...(sink ? [dlqAlert(sink, dlqSamples, now)].filter((a): a is Alert => a !== null) : []),
    ...(anomalies?.snapshot ? anomalyAlerts(anomalies.snapshot, anomalies.settings, now) : []),
  ];
  return [...all.filter((a) => a.severity === 'error'), ...all.filter((a) => a.severity === 'warn')];
}
