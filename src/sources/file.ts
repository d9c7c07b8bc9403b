/**
 * Bring-your-own data: CSV, TSV or NDJSON with a field mapping (record-mapping.ts), e.g.
 * `file:data.csv#plaza=TollBoothID&vehicle=Vehicle_Plate_Number&type=Vehicle_Type&time=Timestamp&timeFormat=DD-MM-YY HH:mm|M/D/YYYY HH:mm`.
 * Rows are replayed in file order (or sorted by time with `order=time`, which reads the file into memory).
 * Without an `id` field, an event id is `file-<hash of the file name>-<line>`: stable across replays of the same
 * file, wherever it lies. A row that does not map is reported and skipped; a row whose field count differs from
 * the header's is rejected rather than guessed at, since its values would land in the wrong columns.
 */
import path from 'node:path';
import type { Plaza, TollEvent } from '../domain/types.ts';
import { createLogger } from '../util/log.ts';
import type { SourceContext } from './source.ts';
import { countLines, firstLineSync, readLines, type Line } from './lines.ts';
import { CsvReader, splitRecord, type CsvResult } from './csv.ts';
import { RejectLog } from './rejects.ts';
import { createReplaySource, inWindow, type ReadCounters, type RecordSource } from './replay-source.ts';
import {
  mappedFields,
  parseRecordMapping,
  RecordMapper,
  type FieldReader,
  type RecordMapping,
} from './record-mapping.ts';
import { hash32 } from './random.ts';
import { SourceSpecError, type OptionBag } from './options.ts';

export const FILE_FORM =
  'file:<path>#plaza=<field>&vehicle=<field>&time=<field>[&type=<field>&timeFormat=<formats>&format=csv|tsv|ndjson&...]';

export type FileFormat = 'csv' | 'tsv' | 'ndjson';

export interface FileOptions {
  path: string;
  format: FileFormat;
  delimiter: string;
  /** CSV/TSV: the first line names the columns; without it, fields are referred to by 1-based number. */
  header: boolean;
  order: 'file' | 'time';
  mapping: RecordMapping;
}

/** Beyond this, order=time would hold too much in memory; the replay falls back to file order. */
const MAX_SORTED_ROWS = 2_000_000;

function formatOf(file: string): FileFormat {
  const ext = path.extname(file).toLowerCase();
  return ext === '.tsv' || ext === '.tab' ? 'tsv' : ext === '.ndjson' || ext === '.jsonl' ? 'ndjson' : 'csv';
}

/** Stable per file name: the id prefix of rows without an id field. */
export function fileIdPrefix(file: string): string {
  return `file-${hash32(path.basename(file)).toString(16).padStart(8, '0')}`;
}

export function parseFileOptions(bag: OptionBag, file: string): FileOptions {
  const format = bag.oneOf('format', ['csv', 'tsv', 'ndjson'] as const, formatOf(file));
  const delimiter = bag.string('delimiter', format === 'tsv' ? '\t' : ',').replace(/^\\t$|^tab$/, '\t');
  if (delimiter.length !== 1 || delimiter === '"')
    bag.fail(`delimiter must be one character other than a quote`);
  const options: FileOptions = {
    path: file,
    format,
    delimiter,
    header: bag.bool('header', true),
    order: bag.oneOf('order', ['file', 'time'] as const, 'file'),
    mapping: parseRecordMapping(bag, `${fileIdPrefix(file)}-id-`),
  };
  bag.rejectUnknown();
  return options;
}

/** Column positions of the mapped fields, from the header (or 1-based numbers without one). */
function columnIndex(options: FileOptions, header: string[] | undefined, spec: string): Map<string, number> {
  const index = new Map<string, number>();
  for (const field of mappedFields(options.mapping)) {
    const at = header ? header.indexOf(field) : /^\d+$/.test(field) ? Number(field) - 1 : -1;
    if (at < 0) {
      const why = header
        ? `column "${field}" is not in the header of ${options.path} (${header.join(', ')})`
        : `without a header, fields are column numbers (1, 2, ...), not "${field}"`;
      throw new SourceSpecError(spec, why, FILE_FORM);
    }
    index.set(field, at);
  }
  return index;
}

function readHeader(options: FileOptions, spec: string): string[] | undefined {
  if (options.format === 'ndjson' || !options.header) return undefined;
  let line: string;
  try {
    line = firstLineSync(options.path);
  } catch (e) {
    throw new SourceSpecError(
      spec,
      `cannot read ${options.path} (${(e as NodeJS.ErrnoException).code ?? String(e)})`,
      FILE_FORM,
    );
  }
  const fields = splitRecord(line, options.delimiter, '"');
  if (!Array.isArray(fields) || line.trim() === '')
    throw new SourceSpecError(spec, `${options.path} has no header line`, FILE_FORM);
  return fields.map((f) => f.trim());
}

/** A row of the file: its event, or the reason it was rejected. */
interface MappedRow {
  line: number;
  event: TollEvent | string;
  text: string;
}

/** Dotted path into a parsed JSON record (`vehicle.plate`); numbers and booleans read as text. */
function jsonField(record: Record<string, unknown>, field: string): string | undefined {
  let v: unknown = record;
  for (const key of field.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  if (v === undefined || v === null) return undefined;
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

export function createFileSource(spec: string, options: FileOptions, ctx: SourceContext): RecordSource {
  const header = readHeader(options, spec);
  const columns = options.format === 'ndjson' ? undefined : columnIndex(options, header, spec);
  const name = path.basename(options.path);
  const idPrefix = fileIdPrefix(options.path);
  const log = createLogger('source:file');
  const rejects = new RejectLog(log);
  const counters: ReadCounters = { read: 0 };

  /** Every record of the file, mapped or rejected; a fresh mapper per pass keeps plaza ids identical. */
  async function* records(mapper: RecordMapper): AsyncGenerator<MappedRow[]> {
    await ctx.plazaRegistry?.load();
    const csv = new CsvReader({ delimiter: options.delimiter });
    const fromCsv = (r: CsvResult): MappedRow => {
      if (!r.ok) return { line: r.line, event: r.reason, text: r.text };
      const text = r.fields.join(options.delimiter);
      if (header && r.fields.length !== header.length) {
        return {
          line: r.line,
          event: `expected ${header.length} fields as in the header, got ${r.fields.length}`,
          text,
        };
      }
      const get: FieldReader = (field) => r.fields[columns!.get(field)!];
      return { line: r.line, event: mapper.map(get, `${idPrefix}-${r.line}`), text };
    };
    const fromJson = (line: Line): MappedRow => {
      let record: unknown;
      try {
        record = JSON.parse(line.text);
      } catch (e) {
        return { line: line.no, event: `not JSON: ${(e as Error).message}`, text: line.text };
      }
      if (record === null || typeof record !== 'object' || Array.isArray(record)) {
        return { line: line.no, event: 'not a JSON object', text: line.text };
      }
      const get: FieldReader = (field) => jsonField(record as Record<string, unknown>, field);
      return { line: line.no, event: mapper.map(get, `${idPrefix}-${line.no}`), text: line.text };
    };
    for await (const chunk of readLines(options.path)) {
      const out: MappedRow[] = [];
      for (const line of chunk) {
        if ((header && line.no === 1) || line.text.trim() === '') continue;
        if (options.format === 'ndjson') out.push(fromJson(line));
        else for (const r of csv.push(line)) out.push(fromCsv(r));
      }
      yield out;
    }
    yield csv.end().map(fromCsv);
  }

  async function* inFileOrder(sorted: boolean): AsyncGenerator<TollEvent[]> {
    const mapper = new RecordMapper(options.mapping, ctx.tz, 'file', { registry: ctx.plazaRegistry });
    const all: TollEvent[] = [];
    for await (const chunk of records(mapper)) {
      const events: TollEvent[] = [];
      for (const { line, event, text } of chunk) {
        counters.read++;
        if (typeof event === 'string') rejects.reject(name, line, event, text);
        else if (inWindow(ctx, Date.parse(event.passage.passedAt))) events.push(event);
      }
      if (sorted) all.push(...events);
      else if (events.length) yield events;
    }
    if (!sorted) return;
    // Array#sort is stable: rows with the same time keep their file order.
    all.sort((a, b) => Date.parse(a.passage.passedAt) - Date.parse(b.passage.passedAt));
    for (let i = 0; i < all.length; i += 1000) yield all.slice(i, i + 1000);
  }

  async function* open(): AsyncGenerator<TollEvent[]> {
    const lines = await countLines(options.path);
    counters.total = Math.max(0, lines - (header ? 1 : 0));
    let sorted = options.order === 'time';
    if (sorted && counters.total > MAX_SORTED_ROWS) {
      log.warn(
        `${name} has ${counters.total} rows, more than order=time sorts in memory (${MAX_SORTED_ROWS}); replaying in file order`,
      );
      sorted = false;
    }
    yield* inFileOrder(sorted);
  }

  let plazas: Promise<Plaza[]> | undefined;
  /** Plaza records must precede the first passage, so the plaza field is read ahead in a separate pass. */
  async function scanPlazas(): Promise<Plaza[]> {
    const mapper = new RecordMapper(options.mapping, ctx.tz, 'file', { registry: ctx.plazaRegistry });
    for await (const _chunk of records(mapper)) {
      // mapping each record registers its plaza
    }
    return mapper.plazas();
  }

  return createReplaySource({
    kind: 'file',
    spec,
    finite: true,
    ctx,
    counters,
    rejects,
    plazas: () => (plazas ??= scanPlazas()),
    open,
  });
}
