/**
 * Bring-your-own data: CSV, TSV or NDJSON with a field mapping (record-mapping.ts), e.g.
 * `file:data.csv#plaza=TollBoothID&vehicle=Vehicle_Plate_Number&type=Vehicle_Type&time=Timestamp&timeFormat=MM-DD-YY HH:mm|M/D/YYYY HH:mm`.
 * Rows are replayed in file order (or sorted by time with `order=time`, which reads the file into memory).
 *
 * The file is read twice. The first pass, run by plazas() before anything is produced:
 * - hashes the file's bytes (SHA-256): the import's identity, `file-<first 12 hex digits>` (importId()). Event ids
 *   are `<importId>-<line>`, or `<importId>-id-<value>` with an `id` field and no idPrefix. The same bytes under
 *   any name or path give the same ids (a re-import is recognised as already present); other bytes under the same
 *   name (next month's export) give other ids.
 * - settles the day/month order of timeFormat against the whole time column (timestamp-format.ts): a column
 *   whose order cannot be told refuses the run with a SourceSpecError naming the column, an example, both
 *   readings and the two ways to choose (a timeFormat in the other order, or dayFirst=true|false).
 * - collects the plazas, which must be published before the first passage.
 * The second pass maps the rows. A row that does not map is reported (with the file's path, its line and a reason
 * code, rejects.ts) and skipped; a row whose field count differs from the header's is rejected rather than
 * guessed at, since its values would land in the wrong columns.
 */
import { createHash, type Hash } from 'node:crypto';
import path from 'node:path';
import type { Plaza, TollEvent } from '../domain/types.ts';
import { createLogger } from '../util/log.ts';
import type { SourceContext } from './source.ts';
import { firstLineSync, readLines, type Line } from './lines.ts';
import { CsvReader, splitRecord, type CsvResult } from './csv.ts';
import { RejectLog } from './rejects.ts';
import { createReplaySource, inWindow, type ReadCounters, type RecordSource } from './replay-source.ts';
import {
  mappedFields,
  parseRecordMapping,
  RecordMapper,
  type FieldReader,
  type MappingReject,
  type RecordMapping,
} from './record-mapping.ts';
import { DateOrderScan, type DateOrderDecision } from './timestamp-format.ts';
import { SourceSpecError, type OptionBag } from './options.ts';

export const FILE_FORM =
  'file:<path>#plaza=<field>&vehicle=<field>&time=<field>[&type=<field>&timeFormat=<formats>&dayFirst=true|false&format=csv|tsv|ndjson&...]';

export type FileFormat = 'csv' | 'tsv' | 'ndjson';

export interface FileOptions {
  path: string;
  format: FileFormat;
  delimiter: string;
  /** CSV/TSV: the first line names the columns; without it, fields are referred to by 1-based number. */
  header: boolean;
  order: 'file' | 'time';
  /** Its idPrefix is the user's; without one, ids from the `id` field get the import id (see idMapping). */
  mapping: RecordMapping;
  idPrefixGiven: boolean;
}

/** Beyond this, order=time would hold too much in memory; the replay falls back to file order. */
const MAX_SORTED_ROWS = 2_000_000;

function formatOf(file: string): FileFormat {
  const ext = path.extname(file).toLowerCase();
  return ext === '.tsv' || ext === '.tab' ? 'tsv' : ext === '.ndjson' || ext === '.jsonl' ? 'ndjson' : 'csv';
}

/** The identity of a file's content: `file-` and the first 12 hex digits of the SHA-256 of its bytes. */
export function importIdOf(sha256Hex: string): string {
  return `file-${sha256Hex.slice(0, 12)}`;
}

export function parseFileOptions(bag: OptionBag, file: string): FileOptions {
  const format = bag.oneOf('format', ['csv', 'tsv', 'ndjson'] as const, formatOf(file));
  const delimiter = bag.string('delimiter', format === 'tsv' ? '\t' : ',').replace(/^\\t$|^tab$/, '\t');
  if (delimiter.length !== 1 || delimiter === '"')
    bag.fail(`delimiter must be one character other than a quote`);
  const idPrefixGiven = bag.has('idPrefix');
  const options: FileOptions = {
    path: file,
    format,
    delimiter,
    header: bag.bool('header', true),
    order: bag.oneOf('order', ['file', 'time'] as const, 'file'),
    // The default prefix is the import id, known once the file has been read (idMapping).
    mapping: parseRecordMapping(bag, ''),
    idPrefixGiven,
  };
  bag.rejectUnknown();
  return options;
}

/** The mapping of the rows' pass: ids from the `id` field are prefixed with the import id unless told otherwise. */
function idMapping(options: FileOptions, importId: string): RecordMapping {
  if (options.idPrefixGiven || options.mapping.id === undefined) return options.mapping;
  return { ...options.mapping, idPrefix: `${importId}-id-` };
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

/** A row of the file: its event, or why it was rejected. */
interface MappedRow {
  line: number;
  event: TollEvent | MappingReject;
  text: string;
}

/** What a row becomes; called only for rows that split into the header's fields (or parse as JSON objects). */
type RowMapper = (get: FieldReader, line: number) => TollEvent | MappingReject;

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

/** What the first pass learns. */
interface FirstPass {
  importId: string;
  plazas: Plaza[];
  dates: DateOrderDecision;
  /** Lines in the file, as readLines numbers them. */
  lines: number;
}

export function createFileSource(spec: string, options: FileOptions, ctx: SourceContext): RecordSource {
  const header = readHeader(options, spec);
  const columns = options.format === 'ndjson' ? undefined : columnIndex(options, header, spec);
  const log = createLogger('source:file');
  const rejects = new RejectLog(log);
  const counters: ReadCounters = { read: 0 };
  const timeColumn = `${options.format === 'ndjson' ? 'field' : 'column'} ${options.mapping.time}`;
  const dateOptions = options.mapping.dayFirst === undefined ? {} : { dayFirst: options.mapping.dayFirst };

  /** Lines of the file as the last pass numbered them. */
  let linesRead = 0;

  /** Every record of the file, mapped or rejected. */
  async function* records(map: RowMapper, digest?: Hash): AsyncGenerator<MappedRow[]> {
    const csv = new CsvReader({ delimiter: options.delimiter });
    const fromCsv = (r: CsvResult): MappedRow => {
      if (!r.ok) return { line: r.line, event: { code: 'csv', reason: r.reason }, text: r.text };
      const text = r.fields.join(options.delimiter);
      if (header && r.fields.length !== header.length) {
        const reason = `expected ${header.length} fields as in the header, got ${r.fields.length}`;
        return { line: r.line, event: { code: 'fields', reason }, text };
      }
      const get: FieldReader = (field) => r.fields[columns!.get(field)!];
      return { line: r.line, event: map(get, r.line), text };
    };
    const fromJson = (line: Line): MappedRow => {
      let record: unknown;
      try {
        record = JSON.parse(line.text);
      } catch (e) {
        const reason = `not JSON: ${(e as Error).message}`;
        return { line: line.no, event: { code: 'json', reason }, text: line.text };
      }
      if (record === null || typeof record !== 'object' || Array.isArray(record)) {
        return { line: line.no, event: { code: 'json', reason: 'not a JSON object' }, text: line.text };
      }
      const get: FieldReader = (field) => jsonField(record as Record<string, unknown>, field);
      return { line: line.no, event: map(get, line.no), text: line.text };
    };
    for await (const chunk of readLines(options.path, undefined, digest)) {
      const out: MappedRow[] = [];
      for (const line of chunk) {
        linesRead = line.no;
        if ((header && line.no === 1) || line.text.trim() === '') continue;
        if (options.format === 'ndjson') out.push(fromJson(line));
        else for (const r of csv.push(line)) out.push(fromCsv(r));
      }
      yield out;
    }
    yield csv.end().map(fromCsv);
  }

  let firstPass: Promise<FirstPass> | undefined;
  let importId: string | undefined;

  /** Hashes the file, settles its dates and collects its plazas (see the header of this file). */
  async function readAhead(): Promise<FirstPass> {
    await ctx.plazaRegistry?.load();
    const mapper = new RecordMapper(options.mapping, ctx.tz, 'file', { registry: ctx.plazaRegistry });
    const dates = new DateOrderScan(options.mapping.timeFormat, dateOptions);
    const digest = createHash('sha256');
    const visit: RowMapper = (get, line) => {
      dates.observe(get(options.mapping.time));
      // Mapping registers the row's plaza; the event itself is made again in the second pass.
      return mapper.mapRecord(get, `scan-${line}`);
    };
    for await (const _chunk of records(visit, digest)) {
      // each record is observed and mapped by visit
    }
    const settled = dates.decide(timeColumn);
    if ('refusal' in settled) throw new SourceSpecError(spec, settled.refusal, FILE_FORM);
    importId = importIdOf(digest.digest('hex'));
    return { importId, plazas: mapper.plazas(), dates: settled.decision, lines: linesRead };
  }
  const ahead = (): Promise<FirstPass> => (firstPass ??= readAhead());

  async function* inFileOrder(pass: FirstPass, sorted: boolean): AsyncGenerator<TollEvent[]> {
    const mapper = new RecordMapper(idMapping(options, pass.importId), ctx.tz, 'file', {
      registry: ctx.plazaRegistry,
    });
    mapper.settleDates(pass.dates);
    const map: RowMapper = (get, line) => mapper.mapRecord(get, `${pass.importId}-${line}`);
    const all: TollEvent[] = [];
    for await (const chunk of records(map)) {
      const events: TollEvent[] = [];
      for (const { line, event, text } of chunk) {
        counters.read++;
        if (!('passage' in event)) rejects.reject(options.path, line, event.reason, text, event.code);
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
    const pass = await ahead();
    counters.total = Math.max(0, pass.lines - (header ? 1 : 0));
    let sorted = options.order === 'time';
    if (sorted && counters.total > MAX_SORTED_ROWS) {
      log.warn(
        `${options.path} has ${counters.total} rows, more than order=time sorts in memory (${MAX_SORTED_ROWS}); replaying in file order`,
      );
      sorted = false;
    }
    yield* inFileOrder(pass, sorted);
  }

  return createReplaySource({
    kind: 'file',
    spec,
    finite: true,
    ctx,
    counters,
    rejects,
    plazas: async () => (await ahead()).plazas,
    open,
    importId: () => importId,
  });
}
