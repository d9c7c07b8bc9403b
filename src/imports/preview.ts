/**
 * A preview of an import: the source is read and mapped exactly as a run would (same parser, same pre-scan of a
 * file, same --from/--to), but nothing is produced. The first rows are kept as they would go to Kafka, the rest are
 * only counted, so the preview of a large file costs one read of it and a few kilobytes. It is where a person sees
 * that `01-06-23` became the 6th of January, that a column was mapped to the wrong field, or why rows are rejected.
 */
import type { Plaza, TollEvent } from '../domain/types.ts';
import type { SourceProgress, TollSource } from '../sources/source.ts';
import type { RecordSource, RejectedRow } from '../sources/index.ts';
import { epochToWallClock } from '../domain/time.ts';

export interface PreviewResult {
  spec: string;
  kind: string;
  /** The first `rows` passages (with payments) as they would be produced. */
  rows: TollEvent[];
  /** Passages the import would produce (after --from/--to), and payments among them. */
  passages: number;
  payments: number;
  plazas: Plaza[];
  /** Event-time range of what would be produced, epoch ms. */
  firstMs: number | null;
  lastMs: number | null;
  progress: SourceProgress;
  /** Examples of rejected rows (the source keeps the most recent hundred), at most `examples` per reason. */
  rejects: RejectedRow[];
}

const isRecordSource = (s: TollSource): s is RecordSource =>
  typeof (s as Partial<RecordSource>).recentRejects === 'function';

/** Reads a finite source to its end without producing. `onProgress` is called after every batch. */
export async function previewSource(
  source: TollSource,
  { rows = 20, signal, onProgress }: { rows?: number; signal?: AbortSignal; onProgress?: () => void } = {},
): Promise<PreviewResult> {
  if (!source.finite) throw new Error(`${source.spec} is an endless source; a preview needs one that ends`);
  const plazas = await source.plazas();
  const kept: TollEvent[] = [];
  let passages = 0;
  let payments = 0;
  let firstMs: number | null = null;
  let lastMs: number | null = null;
  const seenPlazas = new Map(plazas.map((p) => [p.plazaId, p]));
  for await (const batch of source.events(signal ?? new AbortController().signal)) {
    for (const event of batch) {
      passages++;
      if (event.payment) payments++;
      if (event.plaza && !seenPlazas.has(event.plaza.plazaId))
        seenPlazas.set(event.plaza.plazaId, event.plaza);
      const ms = Date.parse(event.passage.passedAt);
      firstMs = firstMs === null ? ms : Math.min(firstMs, ms);
      lastMs = lastMs === null ? ms : Math.max(lastMs, ms);
      if (kept.length < rows) kept.push(event);
    }
    onProgress?.();
    if (signal?.aborted) break;
  }
  const progress = source.progress();
  return {
    spec: source.spec,
    kind: source.kind,
    rows: kept,
    passages,
    payments,
    plazas: [...seenPlazas.values()].sort((a, b) => a.plazaId - b.plazaId),
    firstMs,
    lastMs,
    progress,
    rejects: isRecordSource(source) ? examplesPerReason(source.recentRejects(), 3) : [],
  };
}

function examplesPerReason(rejects: RejectedRow[], perReason: number): RejectedRow[] {
  const taken = new Map<string, number>();
  return rejects.filter((r) => {
    const key = r.reason.replace(/"[^"]*"/g, '""');
    const n = (taken.get(key) ?? 0) + 1;
    taken.set(key, n);
    return n <= perReason;
  });
}

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** `2023-01-06 11:20` in the given zone: how a person reads the time a row was given. */
export function wallClock(ms: number, tz: string): string {
  const w = epochToWallClock(ms, tz);
  return `${w.year}-${pad2(w.month)}-${pad2(w.day)} ${pad2(w.hour)}:${pad2(w.minute)}${
    w.second ? `:${pad2(w.second)}` : ''
  }`;
}

export interface PreviewTable {
  columns: { name: string; type: string; numeric: boolean }[];
  rows: unknown[][];
}

/** The kept rows as a table: what each would become, with the time as read in the import's zone. */
export function previewTable(p: PreviewResult, tz: string): PreviewTable {
  const code = new Map(p.plazas.map((x) => [x.plazaId, x.code]));
  const anyPayment = p.rows.some((e) => e.payment);
  const anyLane = p.rows.some((e) => e.passage.lane !== undefined);
  const columns = [
    { name: 'event_id', type: 'VARCHAR', numeric: false },
    { name: 'plaza_id', type: 'INT', numeric: true },
    { name: 'plaza_code', type: 'VARCHAR', numeric: false },
    ...(anyLane ? [{ name: 'lane', type: 'INT', numeric: true }] : []),
    { name: 'vehicle_id', type: 'VARCHAR', numeric: false },
    { name: 'vehicle_type', type: 'VARCHAR', numeric: false },
    { name: `passed_at (${tz})`, type: 'DATETIME', numeric: false },
    ...(tz === 'UTC' ? [] : [{ name: 'passed_at (UTC)', type: 'DATETIME', numeric: false }]),
    ...(anyPayment
      ? [
          { name: 'amount', type: 'DECIMAL', numeric: true },
          { name: 'method', type: 'VARCHAR', numeric: false },
        ]
      : []),
  ];
  const rows = p.rows.map(({ passage: x, payment }) => {
    const ms = Date.parse(x.passedAt);
    return [
      x.eventId,
      x.plazaId,
      code.get(x.plazaId) ?? null,
      ...(anyLane ? [x.lane ?? null] : []),
      x.vehicleId,
      x.vehicleType,
      wallClock(ms, tz),
      ...(tz === 'UTC' ? [] : [x.passedAt]),
      ...(anyPayment
        ? [
            payment ? `${(payment.amountCents / 100).toFixed(2)} ${payment.currency}` : null,
            payment?.method ?? null,
          ]
        : []),
    ];
  });
  return { columns, rows };
}
