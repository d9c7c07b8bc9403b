/**
 * The `--source` forms of DESIGN.md, turned into TollSource objects. Options come after `:` for the simulator
 * and after `#` for the others (a URL's fragment is never sent to its server, so it is free for ours), and may
 * also come as a mapping from the config file (the spec wins on conflicts). Every mistake is a SourceSpecError
 * naming the spec and the expected form; the CLI maps it to exit code 2.
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

/** Help text for the README and `--help`. */
export function describeSources(): string {
  return `Sources (--source, repeatable; one producer each):
  simulator[:<options>]      endless realistic traffic. Options as key=value joined by &:
                             seed, runId, plazas (4000-4010 | 4000:8,4001:6), mix (car:11,truck:4,van:2),
                             methods (e-tag:80,cash:7,card:9,prepaid:4), tariff (car:450,...), pool, zipf, oneOff,
                             dayMinutes (one simulated day in N minutes), start (date), meanRate, curve (daily|flat),
                             scenario (${SIMULATOR_SCENARIOS.join(', ')}), rushFactor, outagePlaza, outageStart (HH:MM),
                             outageMinutes. --rate is the mean passages/s over the day (curve=flat: at every hour).
  tolldata:<dir>             the classic ${Object.values(TOLLDATA_FILES).join(' + ')}, joined by Rowid, in time order.
  hourly:<file>[#plaza=<id>] MTA hourly counts (Date,Total,Day file, plaza ${DERIVED_DEFAULT_PLAZA} by default; or the
                             open-data CSV export), each count expanded into that many passages.
  http:<url> | <url>         a JSON API; options after #: api=socrata|json (socrata for /resource/<id>.json),
                             paging=offset|next|none, pageSize=1000 (a server giving fewer per page is noticed and
                             paged to the end: an empty page, its total or no next link), limitParam, offsetParam,
                             next=<path>, timeout=30s, retryMin, retryMax, retries, appToken. --from/--to go to the
                             server: socrata $where on dateField=date (from --from's day, in --tz), count=true asks
                             $select=count(*); json range=since={from}&until={to}, rangeFormat=iso|epoch|epoch-ms,
                             total=<path> (the record count in each page). With --to the import ends when caught
                             up; without, it polls every interval=60s (once=true: stop when caught up).
                             json: items=<path> plus the mapping below. Resumes from a cursor in --state-dir.
  file:<path>#<mapping>      CSV, TSV or NDJSON (format=, delimiter=, header=false, order=file|time).
Mapping (file and http json): plaza=, vehicle=, time= (required), type=, id=, idPrefix=, lane=, axles=,
  timeFormat (alternatives split by |: iso, epoch, epoch-ms, ctime or tokens like DD-MM-YY HH:mm|M/D/YYYY HH:mm),
  typeMap (suv:car), defaultType, plazaMap (A-101:101; other non-numeric plazas hash to 40000-65535),
  amount=, amountUnit=units|cents, currency, method=, methodMap, defaultMethod, lanes.
Replays honour --speed, --rate, --from/--to (half-open) and --tz for timestamps without a zone.`;
}
