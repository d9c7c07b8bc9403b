/**
 * Replay of MTA hourly counts from a file: the derived `Date,Total,Day` file or the open-data CSV export.
 * Each hourly row becomes exactly that many passages (hourly-expand.ts). The file is streamed one hour at a time:
 * the full Queens Midtown file is 61k rows but ~100M passages, which must never be in memory at once.
 */
import path from 'node:path';
import type { Plaza, TollEvent } from '../domain/types.ts';
import { createLogger } from '../util/log.ts';
import type { SourceContext } from './source.ts';
import { countLines, firstLineSync, readLines } from './lines.ts';
import { CsvReader, splitRecord } from './csv.ts';
import { RejectLog } from './rejects.ts';
import { createReplaySource, inWindow, type ReadCounters, type RecordSource } from './replay-source.ts';
import { expandHour, hourKey, hourStartMs, mtaPlaza, type HourCount } from './hourly-expand.ts';
import {
  DERIVED_HEADER,
  detectHourlyFormat,
  EXPORT_HEADER,
  parseDerivedRow,
  parseExportRow,
} from './hourly-rows.ts';
import { SourceSpecError } from './options.ts';

export const HOURLY_FORM = `hourly:<file>[#plaza=<id>] where the file starts with "${DERIVED_HEADER}" or "${EXPORT_HEADER}"`;

/** Queens Midtown Tunnel's id in the data the derived file comes from (27 since 2017). */
export const DERIVED_DEFAULT_PLAZA = 7;

export interface HourlyOptions {
  file: string;
  /** Plaza of a derived `Date,Total,Day` file (it names none). */
  plaza?: number;
}

const HOUR_MS = 3_600_000;

export function createHourlySource(spec: string, options: HourlyOptions, ctx: SourceContext): RecordSource {
  const { file } = options;
  const name = path.basename(file);
  let first: string;
  try {
    first = firstLineSync(file);
  } catch (e) {
    throw new SourceSpecError(
      spec,
      `cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? String(e)})`,
      HOURLY_FORM,
    );
  }
  const header = splitRecord(first, ',', '"');
  const detected = Array.isArray(header) ? detectHourlyFormat(header) : undefined;
  if (!detected) throw new SourceSpecError(spec, `${file} has an unknown header`, HOURLY_FORM);
  if (detected.format === 'export' && options.plaza !== undefined) {
    throw new SourceSpecError(
      spec,
      'plaza applies to a Date,Total,Day file only; the export names its plazas',
      HOURLY_FORM,
    );
  }
  const plaza = options.plaza ?? DERIVED_DEFAULT_PLAZA;
  const parse = (fields: string[]): HourCount | string =>
    detected.format === 'derived' ? parseDerivedRow(fields, plaza) : parseExportRow(fields, detected.columns);

  const log = createLogger('source:hourly');
  const rejects = new RejectLog(log);
  const counters: ReadCounters = { read: 0 };

  /** Passages of one hour's rows (several plazas and directions in an export), merged in time order. */
  function expandGroup(group: HourCount[]): TollEvent[] {
    const parts = group.map((c) => expandHour(c, ctx.tz, 'hourly'));
    let events =
      parts.length === 1
        ? parts[0]!
        : parts
            .flat()
            .sort((a, b) =>
              a.passage.passedAt < b.passage.passedAt ? -1 : a.passage.passedAt > b.passage.passedAt ? 1 : 0,
            );
    const start = hourStartMs(group[0]!, ctx.tz);
    const whole = inWindow(ctx, start) && inWindow(ctx, start + HOUR_MS - 1);
    if (!whole) events = events.filter((e) => inWindow(ctx, Date.parse(e.passage.passedAt)));
    return events;
  }

  /** Could any passage of an hour starting at `start` fall in [from, to)? */
  const overlaps = (start: number): boolean =>
    (ctx.from === undefined || start + HOUR_MS > ctx.from) && (ctx.to === undefined || start < ctx.to);

  async function* open(): AsyncGenerator<TollEvent[]> {
    counters.total = Math.max(0, (await countLines(file)) - 1);
    const csv = new CsvReader();
    let group: HourCount[] = [];
    let groupKey = '';
    let lastStart = -Infinity;
    let warnedOrder = false;
    const take = (line: number, text: string, fields: string[] | string): HourCount[] | undefined => {
      counters.read++;
      const row = typeof fields === 'string' ? fields : parse(fields);
      if (typeof row === 'string') {
        rejects.reject(name, line, row, text);
        return undefined;
      }
      if (!overlaps(hourStartMs(row, ctx.tz))) return undefined;
      const key = hourKey(row);
      if (key === groupKey) {
        group.push(row);
        return undefined;
      }
      const done = group;
      group = [row];
      groupKey = key;
      return done.length ? done : undefined;
    };
    const finish = (done: HourCount[]): TollEvent[] => {
      const start = hourStartMs(done[0]!, ctx.tz);
      if (start < lastStart && !warnedOrder) {
        warnedOrder = true;
        log.warn(
          `${name} is not sorted by hour (at ${hourKey(done[0]!)}): passages will not be in time order`,
        );
      }
      lastStart = Math.max(lastStart, start);
      return expandGroup(done);
    };
    for await (const chunk of readLines(file)) {
      for (const line of chunk) {
        if (line.no === 1 || line.text.trim() === '') continue;
        for (const r of csv.push(line)) {
          const done = take(r.line, r.ok ? line.text : r.text, r.ok ? r.fields : r.reason);
          if (done) yield finish(done);
        }
      }
    }
    for (const r of csv.end()) {
      const done = take(r.line, r.ok ? '' : r.text, r.ok ? r.fields : r.reason);
      if (done) yield finish(done);
    }
    if (group.length) yield finish(group);
  }

  let plazas: Promise<Plaza[]> | undefined;
  async function scanPlazas(): Promise<Plaza[]> {
    if (detected!.format === 'derived') return [mtaPlaza(plaza)];
    const ids = new Set<number>();
    const csv = new CsvReader();
    for await (const chunk of readLines(file)) {
      for (const line of chunk) {
        if (line.no === 1) continue;
        for (const r of csv.push(line)) {
          const row = r.ok ? parse(r.fields) : r.reason;
          if (typeof row !== 'string') ids.add(row.plazaId);
        }
      }
    }
    return [...ids].sort((a, b) => a - b).map(mtaPlaza);
  }

  return createReplaySource({
    kind: 'hourly',
    spec,
    finite: true,
    ctx,
    counters,
    rejects,
    plazas: () => (plazas ??= scanPlazas()),
    open,
  });
}
