/**
 * What the anomalies view and the footer's anomaly alerts need from the `anomalies` table, in the view's own
 * terms. src/monitor/anomaly-feed.ts polls the table through the read-only query layer and publishes these
 * snapshots, so it makes no difference whether the detector runs in this process or elsewhere (--role anomalies).
 */
import type { RuleName } from '../../src/anomalies/types.ts';
import type { ReadableStore } from '../../src/util/store.ts';

/**
 * Display order of the detector's rules (its RULES, which a test holds this to); a rule the table holds that is
 * not listed here shows after them.
 */
export const RULE_ORDER = [
  'surge',
  'drop',
  'unpaid',
  'short-payment',
  'double-charge',
  'impossible-travel',
] as const satisfies readonly RuleName[];

/** Minutes of findings the view counts, one sparkline column each. */
export const WINDOW_MINUTES = 60;

export interface FindingQueryText {
  label: string;
  sql: string;
}

export interface Finding {
  anomalyId: string;
  rule: string;
  plazaId: number | null;
  vehicleId: string | null;
  eventId: string | null;
  /** Event time of the finding (the passage's, the payment's, a surge window's start). */
  observedAtMs: number;
  /** Wall-clock time the detector wrote it. */
  detectedAtMs: number;
  amountCents: number | null;
  expected: number | null;
  observed: number | null;
  /** What Enter loads into the SQL prompt (the vehicle's passages, or the plaza's traffic). */
  query: FindingQueryText | null;
  /** What `p` loads: the plaza's findings around the time. */
  plazaQuery: FindingQueryText | null;
}

export interface RuleActivity {
  rule: string;
  /** Findings observed in the window. */
  total: number;
  /** Findings per minute of the window, oldest first, WINDOW_MINUTES entries. */
  perMinute: number[];
}

/** Findings of one rule the detector wrote in the last minute (and since the monitor started). */
export interface RecentFindings {
  rule: string;
  findings: number;
  amountCents: number;
}

export type FeedStatus =
  { kind: 'idle' } | { kind: 'running' } | { kind: 'error'; message: string; retryInMs: number | null };

export interface AnomaliesSnapshot {
  status: FeedStatus;
  /** When the data below was read; null before the first successful poll. */
  readAt: number | null;
  /**
   * The hour shown, [startMs, endMs) in event time: it ends after the minute of the newest finding, so a replay
   * of old data shows its own hour. Null while the table is empty.
   */
  window: { startMs: number; endMs: number } | null;
  rules: RuleActivity[];
  /** Findings of the window, the most recently detected first (bounded). */
  newest: Finding[];
  recent: RecentFindings[];
  /** Surges detected since the monitor started, the most recent first (bounded). */
  surges: Finding[];
}

/** Footer alert thresholds (config monitor.alerts.*); 0 turns an alert off. */
export interface AnomalyAlertSettings {
  unpaidPerMinute: number;
  shortPaymentsPerMinute: number;
}

export interface AnomaliesService {
  store: ReadableStore<AnomaliesSnapshot>;
  alerts: AnomalyAlertSettings;
}

export function emptyAnomaliesSnapshot(status: FeedStatus = { kind: 'idle' }): AnomaliesSnapshot {
  return {
    status,
    readAt: null,
    window: null,
    rules: RULE_ORDER.map((rule) => ({
      rule,
      total: 0,
      perMinute: Array<number>(WINDOW_MINUTES).fill(0),
    })),
    newest: [],
    recent: [],
    surges: [],
  };
}
