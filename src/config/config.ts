/**
 * Configuration, validated once at start: flags > environment (TOLLSTREAM_*) > config file > defaults.
 * Each key is declared once below with its parser; an invalid value raises ConfigError naming the key, where it
 * came from and the expected form, which the CLI turns into exit code 2. Secrets are redacted by `redact()`.
 */
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { assertTimeZone, epochToWallClock, wallClockToEpoch } from '../domain/time.ts';
import { defaultStateDir } from '../util/package-root.ts';
import { TOPICS } from '../domain/types.ts';
import type { TopicRole } from '../domain/types.ts';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export type SaslMechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512';
export type Compression = 'none' | 'gzip';
/** Topic names by role; DESIGN.md's by default. */
export type Topics = Record<TopicRole, string>;

/** The environment key that renames each topic (config file: topics.<role>). */
export const TOPIC_ENV: Record<TopicRole, string> = {
  passages: 'TOLLSTREAM_TOPIC_PASSAGES',
  payments: 'TOLLSTREAM_TOPIC_PAYMENTS',
  plazas: 'TOLLSTREAM_TOPIC_PLAZAS',
  dlq: 'TOLLSTREAM_TOPIC_DLQ',
  legacy: 'TOLLSTREAM_TOPIC_LEGACY',
};
export type Role = 'producer' | 'consumer' | 'all';

export interface Config {
  kafka: {
    brokers: string[];
    clientId: string;
    ssl: boolean;
    sslCaFile?: string;
    sasl?: { mechanism: SaslMechanism; username: string; password: string };
    /**
     * Producer batch compression. None by default, measured: with everything on one 2-core box (simulator,
     * producer, broker, sink, MySQL), 100,000 passages + payments in one process published at 11-14k passages/s
     * uncompressed against 7-9k/s with gzip (level 6, and level 1 alike) and persisted end to end at 7-8k/s against
     * 5.5-6.8k/s, with peak RSS ~270 MB against ~370 MB: the broker decompresses every compressed batch to validate
     * it and the sink inflates it again, on the same two cores, while loopback bytes cost nothing. gzip shrinks
     * the data about 10x: choose it when producers and brokers are on different machines or disk is tight.
     */
    compression: Compression;
  };
  topics: Topics;
  zookeeper: string;
  mysql: {
    url: string;
    sslCaFile?: string;
    ssl: boolean;
    /** URL of the SELECT-only account for `query` and the SQL prompt; defaults to the stack's own reader. */
    readerUrl?: string;
  };
  groupId: string;
  tz: string;
  stateDir: string;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  run: {
    sources: string[];
    rate: number;
    speed: number | 'max';
    from?: number;
    to?: number;
    durationMs?: number;
    events?: number;
    role: Role;
    intervalMs: number;
    /** A file the producers append the event id of every passage Kafka acknowledged to (one per line). */
    ackLog?: string;
    /** Swap the rows an earlier import of the same file wrote for this run's (a file source, role all). */
    replace?: boolean;
    /**
     * Rows a finite source may reject before the run fails: a count, or a share of the rows read (`{ percent }`).
     * Unset: 0 for file imports, no limit for other sources.
     */
    maxRejects?: MaxRejects;
    queryTimeoutMs: number;
    rowCap: number;
  };
  /** Prometheus `/metrics` and `/healthz` for headless runs and the monitor; off unless a port is given. */
  metrics: { port?: number; host: string };
}

export type MaxRejects = { count: number } | { percent: number };

type Parser = (raw: unknown) => unknown;

interface KeyDef {
  /** Dotted path inside Config. */
  key: string;
  flag?: string;
  env: string;
  expected: string;
  parse: Parser;
  default?: unknown;
  secret?: boolean;
}

const bad = (): never => {
  throw new TypeError('invalid');
};

const str: Parser = (r) => (typeof r === 'string' && r.trim() !== '' ? r.trim() : bad());
const bool: Parser = (r) => {
  if (typeof r === 'boolean') return r;
  if (typeof r === 'string' && /^(true|1|yes|on)$/i.test(r)) return true;
  if (typeof r === 'string' && /^(false|0|no|off)$/i.test(r)) return false;
  return bad();
};
const hostPort: Parser = (r) => {
  const s = str(r) as string;
  const m = /^([A-Za-z0-9.-]+|\[[0-9a-fA-F:]+\]):(\d{1,5})$/.exec(s);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) bad();
  return s;
};
const hostPorts: Parser = (r) => {
  const list = Array.isArray(r) ? r : String(r).split(',');
  const out = list.map((x) => hostPort(String(x).trim()) as string);
  return out.length ? out : bad();
};
const intIn =
  (min: number, max: number): Parser =>
  (r) => {
    const n = typeof r === 'number' ? r : typeof r === 'string' && /^-?\d+$/.test(r.trim()) ? Number(r) : NaN;
    return Number.isInteger(n) && n >= min && n <= max ? n : bad();
  };
const oneOf =
  (...values: string[]): Parser =>
  (r) =>
    typeof r === 'string' && values.includes(r.toLowerCase()) ? r.toLowerCase() : bad();
const mysqlUrl: Parser = (r) => {
  const s = str(r) as string;
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    return bad();
  }
  if (u.protocol !== 'mysql:' || !u.hostname) bad();
  return s;
};
const tz: Parser = (r) => {
  const s = str(r) as string;
  try {
    assertTimeZone(s);
  } catch {
    bad();
  }
  return s;
};

/** Durations: "90s", "5m", "1h", "250ms" or a bare number of seconds. */
export function parseDuration(r: unknown): number {
  if (typeof r === 'number' && r > 0) return r * 1000;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(String(r).trim());
  if (!m) return bad();
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  const ms = n * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit]!;
  return ms > 0 ? Math.round(ms) : bad();
}

/**
 * A --from/--to date before the time zone is known: zone-less values are marked so that loadConfig reads them in
 * --tz once that is parsed (a toll operator's "2016-06-01" is midnight where the plazas are).
 */
interface DateInput {
  utcMs: number;
  zoneless: boolean;
}

const dateInput: Parser = (r): DateInput => ({
  utcMs: parseDate(r),
  zoneless: !/(Z|[+-]\d{2}:?\d{2})$/i.test(String(r).trim()),
});

/** The epoch of a date input: a zone-less one is a wall-clock time in `tz`. */
function dateIn(input: DateInput, tz: string): number {
  return input.zoneless && tz !== 'UTC'
    ? wallClockToEpoch(epochToWallClock(input.utcMs, 'UTC'), tz)
    : input.utcMs;
}

/** Dates: YYYY-MM-DD or full ISO 8601, zone-less read as UTC (loadConfig applies --tz to --from/--to). */
export function parseDate(r: unknown): number {
  const s = str(r) as string;
  if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(s)) return bad();
  const iso = /^\d{4}-\d{2}-\d{2}$/.test(s) ? `${s}T00:00:00Z` : /Z|[+-]\d{2}:?\d{2}$/.test(s) ? s : `${s}Z`;
  const ms = Date.parse(iso.replace(' ', 'T'));
  if (Number.isNaN(ms)) return bad();
  // Date.parse rolls 2016-06-31 over to July 1st; a date that does not exist is a mistake to report.
  const [y, m, d] = s.slice(0, 10).split('-').map(Number) as [number, number, number];
  const day = new Date(Date.UTC(y, m - 1, d));
  return day.getUTCFullYear() === y && day.getUTCMonth() === m - 1 && day.getUTCDate() === d ? ms : bad();
}

/** `--max-rejects 10` or `--max-rejects 0.5%`. */
const maxRejects: Parser = (r) => {
  const m = /^(\d+(?:\.\d+)?)\s*(%)?$/.exec(String(r).trim());
  if (!m) return bad();
  const n = Number(m[1]);
  if (m[2]) return n <= 100 ? { percent: n } : bad();
  return Number.isInteger(n) ? { count: n } : bad();
};

const speed: Parser = (r) => {
  if (r === 'max') return 'max';
  if (r === 'realtime') return 1;
  const n = typeof r === 'number' ? r : Number(String(r).replace(/x$/i, ''));
  return Number.isFinite(n) && n > 0 ? n : bad();
};
/** Kafka's own rule for topic names. */
const topicName: Parser = (r) => {
  const s = str(r) as string;
  return /^[A-Za-z0-9._-]{1,249}$/.test(s) && s !== '.' && s !== '..' ? s : bad();
};
const sourceList: Parser = (r) => {
  const list = (Array.isArray(r) ? r : [r]).map((x) => str(x) as string);
  for (const s of list) if (!/^(simulator|tolldata|hourly|http|https|file)(:.+)?$/.test(s)) bad();
  return list.length ? list : bad();
};

export const CONFIG_KEYS: KeyDef[] = [
  {
    key: 'kafka.brokers',
    flag: 'brokers',
    env: 'TOLLSTREAM_KAFKA_BROKERS',
    expected: 'host:port[,host:port...]',
    parse: hostPorts,
    default: ['127.0.0.1:9092'],
  },
  {
    key: 'kafka.clientId',
    flag: 'clientId',
    env: 'TOLLSTREAM_CLIENT_ID',
    expected: 'a non-empty string',
    parse: str,
    default: 'tollstream',
  },
  {
    key: 'kafka.ssl',
    flag: 'kafkaSsl',
    env: 'TOLLSTREAM_KAFKA_SSL',
    expected: 'true or false',
    parse: bool,
    default: false,
  },
  {
    key: 'kafka.sslCaFile',
    flag: 'kafkaSslCa',
    env: 'TOLLSTREAM_KAFKA_SSL_CA',
    expected: 'a path to a PEM file',
    parse: str,
  },
  {
    key: 'kafka.sasl.mechanism',
    flag: 'kafkaSaslMechanism',
    env: 'TOLLSTREAM_KAFKA_SASL_MECHANISM',
    expected: 'plain, scram-sha-256 or scram-sha-512',
    parse: oneOf('plain', 'scram-sha-256', 'scram-sha-512'),
  },
  {
    key: 'kafka.sasl.username',
    flag: 'kafkaSaslUsername',
    env: 'TOLLSTREAM_KAFKA_SASL_USERNAME',
    expected: 'a non-empty string',
    parse: str,
  },
  {
    key: 'kafka.sasl.password',
    env: 'TOLLSTREAM_KAFKA_SASL_PASSWORD',
    expected: 'a non-empty string',
    parse: str,
    secret: true,
  },
  {
    key: 'kafka.compression',
    flag: 'compression',
    env: 'TOLLSTREAM_COMPRESSION',
    expected: 'none or gzip',
    parse: oneOf('none', 'gzip'),
    default: 'none',
  },
  ...(Object.keys(TOPIC_ENV) as TopicRole[]).map((role): KeyDef => ({
    key: `topics.${role}`,
    env: TOPIC_ENV[role],
    expected: 'a topic name of 1-249 characters from [A-Za-z0-9._-]',
    parse: topicName,
    default: TOPICS[role],
  })),
  {
    key: 'zookeeper',
    flag: 'zookeeper',
    env: 'TOLLSTREAM_ZOOKEEPER',
    expected: 'host:port',
    parse: hostPort,
    default: '127.0.0.1:2181',
  },
  {
    key: 'mysql.url',
    flag: 'mysqlUrl',
    env: 'TOLLSTREAM_MYSQL_URL',
    expected: 'mysql://user[:password]@host[:port]/database',
    parse: mysqlUrl,
    default: 'mysql://root@127.0.0.1:3306/tollstream',
    secret: true,
  },
  {
    key: 'mysql.ssl',
    flag: 'mysqlSsl',
    env: 'TOLLSTREAM_MYSQL_SSL',
    expected: 'true or false',
    parse: bool,
    default: false,
  },
  {
    key: 'mysql.sslCaFile',
    flag: 'mysqlSslCa',
    env: 'TOLLSTREAM_MYSQL_SSL_CA',
    expected: 'a path to a PEM file',
    parse: str,
  },
  {
    key: 'mysql.readerUrl',
    env: 'TOLLSTREAM_MYSQL_READER_URL',
    expected: 'mysql://user:password@host[:port]/database',
    parse: mysqlUrl,
    secret: true,
  },
  {
    key: 'groupId',
    flag: 'group',
    env: 'TOLLSTREAM_GROUP_ID',
    expected: 'a non-empty string',
    parse: str,
    default: 'tollstream-sink',
  },
  {
    key: 'tz',
    flag: 'tz',
    env: 'TOLLSTREAM_TZ',
    expected: 'an IANA time zone such as UTC or Europe/Paris',
    parse: tz,
    default: 'UTC',
  },
  {
    key: 'stateDir',
    flag: 'stateDir',
    env: 'TOLLSTREAM_STATE_DIR',
    expected: 'a directory path',
    parse: str,
    default: defaultStateDir(),
  },
  {
    key: 'logLevel',
    flag: 'logLevel',
    env: 'TOLLSTREAM_LOG_LEVEL',
    expected: 'debug, info, warn or error',
    parse: oneOf('debug', 'info', 'warn', 'error'),
    default: 'info',
  },
  {
    key: 'run.sources',
    flag: 'source',
    env: 'TOLLSTREAM_SOURCES',
    expected: 'simulator, tolldata:<dir>, hourly:<file>, http:<url> or file:<path>',
    parse: sourceList,
    default: ['simulator'],
  },
  {
    key: 'run.rate',
    flag: 'rate',
    env: 'TOLLSTREAM_RATE',
    expected: 'passages per second, an integer >= 0 (0 = as fast as possible)',
    parse: intIn(0, 10_000_000),
    default: 200,
  },
  {
    key: 'run.speed',
    flag: 'speed',
    env: 'TOLLSTREAM_SPEED',
    expected: 'max, realtime or a factor like 60',
    parse: speed,
    default: 'max',
  },
  {
    key: 'run.from',
    flag: 'from',
    env: 'TOLLSTREAM_FROM',
    expected: 'a date like 2021-08-01 or 2021-08-01T06:00:00Z (without a zone: in --tz)',
    parse: dateInput,
  },
  {
    key: 'run.to',
    flag: 'to',
    env: 'TOLLSTREAM_TO',
    expected: 'a date like 2021-08-02 or 2021-08-02T06:00:00Z (without a zone: in --tz)',
    parse: dateInput,
  },
  {
    key: 'run.durationMs',
    flag: 'duration',
    env: 'TOLLSTREAM_DURATION',
    expected: 'a duration like 60s, 5m or 1h',
    parse: parseDuration,
  },
  {
    key: 'run.events',
    flag: 'events',
    env: 'TOLLSTREAM_EVENTS',
    expected: 'a positive integer',
    parse: intIn(1, Number.MAX_SAFE_INTEGER),
  },
  {
    key: 'run.role',
    flag: 'role',
    env: 'TOLLSTREAM_ROLE',
    expected: 'producer, consumer or all',
    parse: oneOf('producer', 'consumer', 'all'),
    default: 'all',
  },
  {
    key: 'run.intervalMs',
    flag: 'interval',
    env: 'TOLLSTREAM_INTERVAL',
    expected: 'a duration like 1s or 500ms',
    parse: parseDuration,
    default: 1000,
  },
  {
    key: 'run.ackLog',
    flag: 'ackLog',
    env: 'TOLLSTREAM_ACK_LOG',
    expected: 'a file path',
    parse: str,
  },
  {
    key: 'run.replace',
    flag: 'replace',
    env: 'TOLLSTREAM_REPLACE',
    expected: 'true or false',
    parse: bool,
  },
  {
    key: 'run.maxRejects',
    flag: 'maxRejects',
    env: 'TOLLSTREAM_MAX_REJECTS',
    expected: 'a number of rows like 0 or 25, or a share of the rows read like 0.5%',
    parse: maxRejects,
  },
  {
    key: 'run.queryTimeoutMs',
    flag: 'queryTimeout',
    env: 'TOLLSTREAM_QUERY_TIMEOUT',
    expected: 'a duration like 10s',
    parse: parseDuration,
    default: 10_000,
  },
  {
    key: 'run.rowCap',
    flag: 'rowCap',
    env: 'TOLLSTREAM_ROW_CAP',
    expected: 'an integer 1..100000',
    parse: intIn(1, 100_000),
    default: 1000,
  },
  {
    key: 'metrics.port',
    flag: 'metricsPort',
    env: 'TOLLSTREAM_METRICS_PORT',
    expected: 'a TCP port 1..65535',
    parse: intIn(1, 65_535),
  },
  {
    key: 'metrics.host',
    flag: 'metricsHost',
    env: 'TOLLSTREAM_METRICS_HOST',
    expected: 'a host name or IP address to listen on, like 127.0.0.1 or 0.0.0.0',
    parse: str,
    default: '127.0.0.1',
  },
];

/** Flags as meow hands them over (camelCase); undefined means "not given". */
export type FlagValues = Record<string, unknown>;

function getPath(obj: Record<string, unknown>, dotted: string): unknown {
  return dotted
    .split('.')
    .reduce<unknown>(
      (o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined),
      obj,
    );
}

function setPath(obj: Record<string, unknown>, dotted: string, value: unknown): void {
  const keys = dotted.split('.');
  let o = obj;
  for (const k of keys.slice(0, -1)) {
    o[k] ??= {};
    o = o[k] as Record<string, unknown>;
  }
  o[keys.at(-1)!] = value;
}

export function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read config file ${file}: ${(e as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = /\.ya?ml$/i.test(file) ? parseYaml(text) : JSON.parse(text);
  } catch (e) {
    throw new ConfigError(
      `config file ${file} is not valid ${/\.ya?ml$/i.test(file) ? 'YAML' : 'JSON'}: ${(e as Error).message}`,
    );
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed))
    throw new ConfigError(`config file ${file} must hold an object`);
  const known = new Set(CONFIG_KEYS.map((k) => k.key));
  const walk = (o: Record<string, unknown>, prefix: string): void => {
    for (const [k, v] of Object.entries(o)) {
      const key = prefix ? `${prefix}.${k}` : k;
      if (known.has(key)) continue;
      if (
        v &&
        typeof v === 'object' &&
        !Array.isArray(v) &&
        [...known].some((n) => n.startsWith(`${key}.`))
      ) {
        walk(v as Record<string, unknown>, key);
      } else {
        throw new ConfigError(
          `config file ${file}: unknown key "${key}" (known keys: ${[...known].join(', ')})`,
        );
      }
    }
  };
  walk(parsed as Record<string, unknown>, '');
  return parsed as Record<string, unknown>;
}

const DEFAULT_CONFIG_FILES = ['tollstream.config.yaml', 'tollstream.config.yml', 'tollstream.config.json'];

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
  const out: Record<string, unknown> = {};
  for (const def of CONFIG_KEYS) {
    const fromFlag = def.flag ? flags[def.flag] : undefined;
    const fromFlagValue = Array.isArray(fromFlag) && fromFlag.length === 0 ? undefined : fromFlag;
    const candidates: [unknown, string][] = [
      [fromFlagValue, def.flag ? `flag --${kebab(def.flag)}` : ''],
      [env[def.env], `environment ${def.env}`],
      [getPath(file, def.key), `config file ${fileName} key "${def.key}"`],
    ];
    const hit = candidates.find(([v]) => v !== undefined && v !== '');
    if (!hit) {
      if (def.default !== undefined) setPath(out, def.key, def.default);
      continue;
    }
    try {
      setPath(out, def.key, def.parse(hit[0]));
    } catch {
      const shown = def.secret ? '(hidden)' : JSON.stringify(hit[0]);
      throw new ConfigError(`invalid ${def.key} from ${hit[1]}: ${shown}; expected ${def.expected}`);
    }
  }
  const cfg = out as unknown as Config;
  for (const key of ['from', 'to'] as const) {
    const input = cfg.run[key] as unknown as DateInput | undefined;
    if (input !== undefined) cfg.run[key] = dateIn(input, cfg.tz);
  }
  const sasl = cfg.kafka.sasl as Partial<NonNullable<Config['kafka']['sasl']>> | undefined;
  if (sasl) {
    if (!sasl.mechanism || !sasl.username || !sasl.password) {
      throw new ConfigError(
        'incomplete kafka.sasl: mechanism, username and password are all required (password only from TOLLSTREAM_KAFKA_SASL_PASSWORD or the config file)',
      );
    }
  }
  const topicNames = Object.values(cfg.topics);
  if (new Set(topicNames).size !== topicNames.length) {
    throw new ConfigError(`invalid topics: each role needs its own topic, got ${JSON.stringify(cfg.topics)}`);
  }
  if (cfg.run.from !== undefined && cfg.run.to !== undefined && cfg.run.from >= cfg.run.to) {
    throw new ConfigError('invalid run.from/run.to: --from must be before --to (the range is half-open)');
  }
  cfg.stateDir = path.resolve(cwd, cfg.stateDir);
  return cfg;
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
