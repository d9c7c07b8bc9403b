/**
 * The SQL a finding leads to, for the monitor's anomalies view: Enter loads it into the SQL prompt, where it runs
 * like anything typed there (the read-only account, its time limit and row cap). The prompt runs text, so the
 * finding's values are written as SQL literals; quotes and backslashes in a vehicle id are escaped.
 *
 * A vehicle finding (unpaid, short payment, double charge, impossible travel) leads to the vehicle's passages
 * around the time, with what each paid; a plaza finding (surge, drop) to the plaza's passages per minute from the
 * traffic_minute rollup around the window; any finding with a plaza also to the plaza's other findings.
 *
 * The prompt shows the last three lines of a statement, so each query ends with the lines that say what it is
 * about (the vehicle or plaza, the time range), each short enough for an 80-column prompt.
 */

/** How far before and after the finding's event time the queries look. */
export const AROUND_MS = 60 * 60_000;

export interface FindingSubject {
  rule: string;
  plazaId: number | null;
  vehicleId: string | null;
  observedAtMs: number;
}

export interface FindingQuery {
  /** What the query shows, for the view's detail line. */
  label: string;
  sql: string;
}

export function sqlString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

/** A UTC DATETIME literal to the second, as the tables store event times (UTC). */
export function sqlDatetime(ms: number): string {
  return `'${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')}'`;
}

/** "20:54" (UTC) for labels. */
function hhmm(ms: number): string {
  return new Date(ms).toISOString().slice(11, 16);
}

/** From AROUND_MS before to AROUND_MS after, widened to whole seconds; the bounds are inclusive (BETWEEN). */
function span(atMs: number): { between: string; text: string } {
  const from = Math.floor((atMs - AROUND_MS) / 1000) * 1000;
  const to = Math.ceil((atMs + AROUND_MS) / 1000) * 1000;
  return {
    between: `BETWEEN ${sqlDatetime(from)} AND ${sqlDatetime(to)}`,
    text: `${hhmm(from)}-${hhmm(to)} UTC`,
  };
}

export function vehiclePassagesQuery(vehicleId: string, atMs: number): FindingQuery {
  const s = span(atMs);
  return {
    label: `passages of ${vehicleId} ${s.text}`,
    sql: `SELECT p.passed_at, p.plaza_id, p.lane, p.vehicle_type, pay.method, pay.amount_cents, p.event_id
FROM passages p LEFT JOIN payments pay ON pay.event_id = p.event_id
WHERE p.vehicle_id = ${sqlString(vehicleId)}
AND p.passed_at ${s.between}
ORDER BY p.passed_at, p.event_id;`,
  };
}

export function plazaTrafficQuery(plazaId: number, atMs: number): FindingQuery {
  const s = span(atMs);
  return {
    label: `plaza ${plazaId} passages per minute ${s.text}`,
    sql: `SELECT bucket AS minute_utc, SUM(passages) AS passages
FROM traffic_minute WHERE plaza_id = ${plazaId}
AND bucket ${s.between}
GROUP BY bucket ORDER BY bucket;`,
  };
}

export function plazaFindingsQuery(plazaId: number, atMs: number): FindingQuery {
  const s = span(atMs);
  return {
    label: `findings at plaza ${plazaId} ${s.text}`,
    sql: `SELECT observed_at, rule, vehicle_id, amount_cents, expected, observed, anomaly_id
FROM anomalies WHERE plaza_id = ${plazaId}
AND observed_at ${s.between}
ORDER BY observed_at DESC, anomaly_id;`,
  };
}

/** What Enter loads: the vehicle's passages when the finding names a vehicle, else the plaza's traffic. */
export function findingQuery(f: FindingSubject): FindingQuery | null {
  if (f.vehicleId !== null && f.vehicleId !== '') return vehiclePassagesQuery(f.vehicleId, f.observedAtMs);
  if (f.plazaId !== null) return plazaTrafficQuery(f.plazaId, f.observedAtMs);
  return null;
}

/** What `p` loads: the other findings at the finding's plaza. */
export function plazaQuery(f: FindingSubject): FindingQuery | null {
  return f.plazaId === null ? null : plazaFindingsQuery(f.plazaId, f.observedAtMs);
}
