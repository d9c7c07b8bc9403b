/**
 * Configuration, validated once at start: flags > environment (TOLLSTREAM_*) > config file > defaults.
 * Every key is declared once, in the schema (schema.ts), which also gives the Config type. Whatever the source,
 * the value goes through that schema; an invalid one raises ConfigError naming the key, where the value came from,
 * the value (secrets hidden), why when that is known, and the expected form, which the CLI turns into exit code 2.
 * Secrets are redacted by `redact()`.
 */
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import * as v from 'valibot';
import { parse as parseYaml } from 'yaml';
import { ConfigSchema, duration, schemaKeys } from './schema.ts';
import type { Config, KeyDef } from './schema.ts';

export { TOPIC_ENV } from './schema.ts';
export type { Config, KeyDef, MaxRejects } from './schema.ts';
export type SaslMechanism = NonNullable<Config['kafka']['sasl']>['mechanism'];
export type Compression = Config['kafka']['compression'];
/** Topic names by role. */
export type Topics = Config['topics'];
export type Role = Config['run']['role'];

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Every settable key, in schema order: the CLI declares a flag for each one that has one. */
export const CONFIG_KEYS: readonly KeyDef[] = schemaKeys();

/** Durations: "90s", "5m", "1h", "250ms" or a bare number of seconds; in milliseconds. Throws when invalid. */
export function parseDuration(r: unknown): number {
  return v.parse(duration, r);
}

/** Flags as meow hands them over (camelCase); undefined means "not given". */
export type FlagValues = Record<string, unknown>;

const isMapping = (x: unknown): x is Record<string, unknown> =>
  x !== null && typeof x === 'object' && !Array.isArray(x);

function getPath(obj: Record<string, unknown>, dotted: string): unknown {
  return dotted.split('.').reduce<unknown>((o, k) => (isMapping(o) ? o[k] : undefined), obj);
}

/** Sets a value, making the mappings on the way; leaves a file's non-mapping in place for the schema to report. */
function setPath(obj: Record<string, unknown>, dotted: string, value: unknown): void {
  const keys = dotted.split('.');
  let o = obj;
  for (const k of keys.slice(0, -1)) {
    o[k] ??= {};
    const next = o[k];
    if (!isMapping(next)) return;
    o = next;
  }
  o[keys.at(-1)!] = value;
}

function deletePath(obj: Record<string, unknown>, dotted: string): void {
  const keys = dotted.split('.');
  const parent = keys.length > 1 ? getPath(obj, keys.slice(0, -1).join('.')) : obj;
  if (isMapping(parent)) delete parent[keys.at(-1)!];
}

/** A copy without the keys YAML left empty (`kafka:` alone reads as null): they mean the defaults. */
function withoutNulls(obj: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(obj)) {
    if (x !== null) out[k] = isMapping(x) ? withoutNulls(x) : structuredClone(x);
  }
  return out;
}

const fileKind = (file: string): 'YAML' | 'JSON' => (/\.ya?ml$/i.test(file) ? 'YAML' : 'JSON');

/** A config file's mapping (keys are checked by the schema, in loadConfig). */
export function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read config file ${file}: ${(e as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = fileKind(file) === 'YAML' ? parseYaml(text) : JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`config file ${file} is not valid ${fileKind(file)}: ${(e as Error).message}`);
  }
  if (parsed === null || parsed === undefined) return {};
  if (!isMapping(parsed)) throw new ConfigError(`config file ${file} must hold a mapping of keys`);
  return parsed;
}

const DEFAULT_CONFIG_FILES = ['tollstream.config.yaml', 'tollstream.config.yml', 'tollstream.config.json'];

/** A value counts as given unless it is absent, empty, an empty list (a repeatable flag not used) or null. */
const given = (x: unknown): boolean =>
  x !== undefined && x !== null && x !== '' && !(Array.isArray(x) && x.length === 0);

export function loadConfig(
  flags: FlagValues = {},
  env: NodeJS.ProcessEnv = process.env,
  cwd = process.cwd(),
): Config {
  const explicit = (flags.config as string | undefined) ?? env.TOLLSTREAM_CONFIG;
  let file: Record<string, unknown> = {};
  let fileName = '';
  if (explicit) {
    fileName = path.resolve(cwd, explicit);
    if (!existsSync(fileName)) throw new ConfigError(`config file ${fileName} does not exist`);
    file = readConfigFile(fileName);
  } else {
    const found = DEFAULT_CONFIG_FILES.map((f) => path.join(cwd, f)).find((f) => existsSync(f));
    if (found) {
      fileName = found;
      file = readConfigFile(found);
    }
  }

  // The file is the base (so the schema sees its unknown keys too); flags and environment replace its values.
  const input = withoutNulls(file);
  const origins = new Map<string, Origin>();
  for (const def of CONFIG_KEYS) {
    const fromFlag = def.flag ? flags[def.flag] : undefined;
    const fromFile = getPath(file, def.key);
    if (given(fromFlag)) {
      setPath(input, def.key, fromFlag);
      origins.set(def.key, { from: `flag --${kebab(def.flag!)}`, value: fromFlag });
    } else if (given(env[def.env])) {
      setPath(input, def.key, env[def.env]);
      origins.set(def.key, { from: `environment ${def.env}`, value: env[def.env] });
    } else if (given(fromFile)) {
      origins.set(def.key, { from: `config file ${fileName} key "${def.key}"`, value: fromFile });
    } else {
      deletePath(input, def.key); // `key: ""` in the file means the default
    }
  }

  const result = v.safeParse(ConfigSchema, input, { abortPipeEarly: true, message: '' });
  if (!result.success) {
    throw new ConfigError(result.issues.map((issue) => describeIssue(issue, origins, fileName)).join('\n'));
  }
  const config = result.output;
  config.stateDir = path.resolve(cwd, config.stateDir);
  return config;
}

/** Where a key's value came from and the value as given there. */
interface Origin {
  from: string;
  value: unknown;
}

/** The first reason a check gave (looking into the alternatives of a union), or the bound a number broke. */
function reason(issue: v.BaseIssue<unknown>): string {
  if (issue.message) return issue.message;
  if (issue.type === 'min_value') return `below ${String(issue.requirement)}`;
  if (issue.type === 'max_value') return `above ${String(issue.requirement)}`;
  for (const sub of issue.issues ?? []) {
    const r = reason(sub);
    if (r) return r;
  }
  return '';
}

/** Which item of a list is wrong, when the list has more than one. */
function item(issue: v.BaseIssue<unknown>): string {
  const last = issue.path?.at(-1);
  if (last?.type !== 'array' || !Array.isArray(last.input) || last.input.length < 2) return '';
  return `item ${Number(last.key) + 1}, ${JSON.stringify(last.value)}`;
}

/** One line per problem: the key, where its value came from, the value, why, and the form expected. */
function describeIssue(issue: v.BaseIssue<unknown>, origins: Map<string, Origin>, fileName: string): string {
  const dotted = v.getDotPath(issue) ?? '';
  if (issue.type === 'strict_object' && issue.expected === 'never') {
    const known = CONFIG_KEYS.map((k) => k.key).join(', ');
    return `config file ${fileName}: unknown key "${dotted}" (known keys: ${known})`;
  }
  // An item of a list (kafka.brokers.1) is reported as the key that holds the list, with the list as given.
  const def = CONFIG_KEYS.find((k) => dotted === k.key || dotted.startsWith(`${k.key}.`));
  if (def) {
    const origin = origins.get(def.key) ?? { from: 'the defaults', value: def.default };
    const value = def.secret ? '(hidden)' : JSON.stringify(origin.value);
    const why = def.secret ? '' : [item(issue), reason(issue)].filter(Boolean).join(': ');
    return `invalid ${def.key} from ${origin.from}: ${value}${why ? ` (${why})` : ''}; expected ${def.expected}`;
  }
  if (issue.message) return issue.message;
  // A section the file holds as something other than a mapping (kafka: 5).
  const inside = CONFIG_KEYS.filter((k) => k.key.startsWith(`${dotted}.`)).map((k) => k.key);
  return `invalid ${dotted} from config file ${fileName}: ${JSON.stringify(issue.input)}; expected a mapping of ${inside.join(', ')}`;
}

function kebab(s: string): string {
  return s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** Replaces the password of a URL with "***" for logs and status lines. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(invalid url)';
  }
}

/** A copy of the config safe to print: passwords replaced. */
export function redact(cfg: Config): Config {
  return {
    ...cfg,
    kafka: { ...cfg.kafka, ...(cfg.kafka.sasl ? { sasl: { ...cfg.kafka.sasl, password: '***' } } : {}) },
    mysql: {
      ...cfg.mysql,
      url: redactUrl(cfg.mysql.url),
      ...(cfg.mysql.readerUrl ? { readerUrl: redactUrl(cfg.mysql.readerUrl) } : {}),
    },
  };
}
