/**
 * The `--source` forms (simulator, tolldata:, hourly:, http:, file:), turned into TollSource objects. Options
 * come after `:` for the simulator and after `#` for the others (a URL's fragment is never sent to its server, so
 * it is free for ours), and may also come as a mapping from the config file (the spec wins on conflicts). Every
 * mistake is a SourceSpecError naming the spec and the expected form; the CLI maps it to exit code 2.
 *
 * HTTP: `http://host/x` and `https://host/x` are specs as they are; `http:<url>` and `https:<url>` with a full
 * URL after the prefix mean the same (so `http:https://host/x` fetches over TLS). A prefix followed by anything
 * but a full http(s) URL is refused rather than guessed at.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import type { SourceContext, TollSource } from './source.ts';
import { optionBag, SourceSpecError, type RawOptions } from './options.ts';
import { createSimulatorSource, parseSimulatorOptions, SIMULATOR_SCENARIOS } from './simulator.ts';
import { createTolldataSource, TOLLDATA_FILES } from './tolldata.ts';
import { createHourlySource, DERIVED_DEFAULT_PLAZA, HOURLY_FORM } from './hourly.ts';
import { createFileSource, FILE_FORM, parseFileOptions } from './file.ts';
import { createHttpSource, foldRangeTemplate, HTTP_FORM, parseHttpOptions } from './http.ts';

export { SourceSpecError } from './options.ts';
export type { RecordSource } from './replay-source.ts';
export type { RejectedRow } from './rejects.ts';

const SIMULATOR_FORM = 'simulator or simulator:<key=value&...>';
const TOLLDATA_FORM = `tolldata:<dir> with ${Object.values(TOLLDATA_FILES).join(', ')}`;
const ANY_FORM =
  'one of simulator[:<options>], tolldata:<dir>, hourly:<file>, http:<url> (or an http(s):// URL), file:<path>#<mapping>';

/** Splits `<path>#<options>` at the first `#`. */
function splitFragment(rest: string): [string, string] {
  const hash = rest.indexOf('#');
  return hash < 0 ? [rest, ''] : [rest.slice(0, hash), rest.slice(hash + 1)];
}

function existing(spec: string, target: string, kind: 'file' | 'directory', form: string): string {
  if (target.trim() === '') throw new SourceSpecError(spec, `no ${kind} given`, form);
  const resolved = path.resolve(target);
  if (!existsSync(resolved)) throw new SourceSpecError(spec, `${resolved} does not exist`, form);
  const isDir = statSync(resolved).isDirectory();
  if (kind === 'file' && isDir)
    throw new SourceSpecError(spec, `${resolved} is a directory, not a file`, form);
  if (kind === 'directory' && !isDir) throw new SourceSpecError(spec, `${resolved} is not a directory`, form);
  return resolved;
}

/** The URL an http spec names (without our options), and the options from its fragment. */
function httpUrl(spec: string): [URL, string] {
  const text = /^https?:\/\//i.test(spec) ? spec : spec.slice(spec.indexOf(':') + 1);
  if (!/^https?:\/\/[^/?#]/i.test(text)) {
    throw new SourceSpecError(spec, 'the URL must start with http:// or https://', HTTP_FORM);
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new SourceSpecError(spec, `"${text}" is not a valid URL`, HTTP_FORM);
  }
  const options = url.hash.slice(1);
  url.hash = '';
  return [url, options];
}

/** Creates the source a `--source` spec names. Throws SourceSpecError for a bad spec or a missing input. */
export function createSource(spec: string, ctx: SourceContext, options?: RawOptions): TollSource {
  const s = spec.trim();
  const colon = s.indexOf(':');
  const kind = (colon < 0 ? s : s.slice(0, colon)).toLowerCase();
  const rest = colon < 0 ? '' : s.slice(colon + 1);
  switch (kind) {
    case 'simulator': {
      const bag = optionBag(s, SIMULATOR_FORM, rest, options);
      return createSimulatorSource(parseSimulatorOptions(bag, ctx.tz), ctx, s);
    }
    case 'tolldata': {
      const [target, suffix] = splitFragment(rest);
      optionBag(s, TOLLDATA_FORM, suffix, options).rejectUnknown();
      const dir = existing(s, target, 'directory', TOLLDATA_FORM);
      const missing = Object.values(TOLLDATA_FILES).filter((f) => !existsSync(path.join(dir, f)));
      if (missing.length) throw new SourceSpecError(s, `${dir} has no ${missing.join(', ')}`, TOLLDATA_FORM);
      return createTolldataSource(s, { dir }, ctx);
    }
    case 'hourly': {
      const [target, suffix] = splitFragment(rest);
      const file = existing(s, target, 'file', HOURLY_FORM);
      const bag = optionBag(s, HOURLY_FORM, suffix, options);
      const plaza = bag.has('plaza') ? bag.int('plaza', DERIVED_DEFAULT_PLAZA, 1, 65535) : undefined;
      bag.rejectUnknown();
      return createHourlySource(s, plaza === undefined ? { file } : { file, plaza }, ctx);
    }
    case 'file': {
      const [target, suffix] = splitFragment(rest);
      const file = existing(s, target, 'file', FILE_FORM);
      return createFileSource(s, parseFileOptions(optionBag(s, FILE_FORM, suffix, options), file), ctx);
    }
    case 'http':
    case 'https': {
      const [url, suffix] = httpUrl(s);
      const bag = optionBag(s, HTTP_FORM, foldRangeTemplate(suffix), options);
      return createHttpSource(s, parseHttpOptions(bag, url.toString()), ctx);
    }
    default:
      throw new SourceSpecError(
        s,
        kind === '' ? 'it is empty' : `"${kind}" is not a kind of source`,
        ANY_FORM,
      );
  }
}

/** Help text for `--help`: every source and every option, with its default. */
export function describeSources(): string {
  return `Sources (--source SPEC, repeatable, one producer each; also tollstream import SPEC). Options follow the
spec after : (simulator) or # (the others) as key=value joined by &, or come from the config file.

  simulator[:<options>]      endless realistic traffic. seed, runId, plazas (4000-4010 | 4000:8,4001:6),
                             mix (car:11,truck:4,van:2), methods (e-tag:80,cash:7,card:9,prepaid:4), tariff
                             (car:450,...), pool, zipf, oneOff, dayMinutes (one simulated day in N minutes), start
                             (date), meanRate, curve=daily|flat, scenario (${SIMULATOR_SCENARIOS.join(', ')}),
                             rushFactor, outagePlaza, outageStart (HH:MM), outageMinutes; scenario=anomalies:
                             anomalyRate (0.01 of passages), anomalyKinds (unpaid,short-payment,double-charge,
                             impossible-travel), cleanAfter=N (passages; none injected after), truth=<file> (NDJSON,
                             one line per injected anomaly). --rate is the mean passages/s over the day (curve=flat:
                             at every hour).
     e.g. simulator:seed=7&dayMinutes=10&scenario=rush-hour
  tolldata:<dir>             the classic ${Object.values(TOLLDATA_FILES).join(' + ')}, joined by Rowid, in time
                             order, with payments; ids tolldata-<rowid>.
     e.g. tolldata:../shared/data/tolldata
  hourly:<file>[#plaza=<id>] MTA hourly counts (Date,Total,Day; plaza ${DERIVED_DEFAULT_PLAZA} by default; or the open-data CSV
                             export), each hour's count expanded into that many passages.
     e.g. hourly:../shared/data/mta/Queens_Midtown_Tunnel.csv --from 2016-06-01 --to 2016-06-02
  http:<url> | <url>         a JSON API. api=socrata|json (socrata for /resource/<id>.json), paging=offset|next|none,
                             pageSize=1000 (a server that gives fewer per page is noticed and paged to the end: an
                             empty page, its total, or no next link), limitParam, offsetParam, next=<path> (else
                             the Link header), timeout=30s, retryMin=500ms, retryMax=30s, retries (unlimited),
                             appToken. --from/--to go to the server: socrata $where on dateField=date (in --tz),
                             count=true asks $select=count(*) first; json range=since={from}&until={to} with
                             rangeFormat=iso|epoch|epoch-ms, total=<path> (the record count in a page). With --to
                             the source ends when caught up; without, it polls every interval=60s (once=true: stop
                             when caught up). json: items=<path to the array> plus the mapping below. Resumes from
                             its position in --state-dir.
     e.g. 'https://data.ny.gov/resource/qzve-kjga.json#pageSize=1000' --from 2015-11-28 --to 2015-11-30
  file:<path>#<mapping>      CSV, TSV or NDJSON: format=csv|tsv|ndjson (by extension), delimiter=, (tab for .tsv),
                             header=false (fields by column number), order=file|time (time sorts in memory).
                             Event ids: file-<SHA-256 of the content, 12 hex>-<line>, or -id-<value> with id=:
                             the same bytes give the same ids whatever the name; --replace swaps an earlier import.
     e.g. 'file:fastag.csv#plaza=TollBoothID&vehicle=Vehicle_Plate_Number&type=Vehicle_Type&time=Timestamp&timeFormat=MM-DD-YY HH:mm|M/D/YYYY HH:mm'

Mapping (file and http json; values are column names, or dotted paths in JSON):
  plaza=, vehicle=, time=    required.
  timeFormat=iso             alternatives split by |: iso, epoch, epoch-s, epoch-ms, ctime, or tokens YYYY YY M MM D DD
                             H HH h hh m mm s ss SSS A Z (MM-DD-YY HH:mm|M/D/YYYY HH:mm). Impossible dates and values
                             with two readings are rejected; a file's day/month order is settled from the whole
                             column, and a column that cannot tell refuses the run (exit 2) until you choose:
  dayFirst=true|false        the day/month order for year-last patterns the data leaves open.
  type=, defaultType=car     vehicle type column; typeMap=Mini-Bus/Van:van,SUV:car renames values.
  id=, idPrefix=             the record's own id (else the line or position); idPrefix replaces file-<hash>-id-.
  lane=, axles=              whole numbers.
  plazaMap=A-101:101         pins a code to an id; numbers 1..65535 are ids; other codes get the id registered on
                             toll.plazas, or a new free one in 40000-65535 (logged, and listed in the summary).
  lanes=4                    lanes in the plaza records of codes this source registers.
  amount=, amountUnit=units|cents, currency=USD, method=, methodMap=Wallet:e-tag, defaultMethod=e-tag
                             a payment per passage when amount= is given.
  due=                       the amount that was due (same unit as amount=): short payments are found against it.
Replays honour --speed, --from/--to (half-open; without a zone in --tz) and --tz for times without a zone.
A row that cannot be mapped is logged (path, line, reason) and counted by reason; a file import that rejects any
fails (exit 1) unless --max-rejects allows it. Preview any of this with tollstream import SPEC --dry-run.`;
}
