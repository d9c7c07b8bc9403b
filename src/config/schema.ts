/**
 * The configuration schema: every key once, with how its value is read and checked (valibot), where it can come
 * from (flag, environment variable, config file path) and the form to tell the user when it is wrong. The Config
 * type is what this schema outputs; config.ts feeds it flags, environment and file and words its errors.
 *
 * Values arrive as strings from flags and the environment and as YAML/JSON values from the file, so each key
 * accepts both (`rate: 200` and `--rate 200`). A default is an input too and goes through the same checks.
 * A check that knows more than "wrong form" says why (`June 2016 has 30 days`); config.ts shows it beside the
 * expected form.
 */
import * as v from 'valibot';
import { readIso, isoToEpoch } from '../domain/iso.ts';
import type { IsoFields } from '../domain/iso.ts';
import { assertTimeZone } from '../domain/time.ts';
import { TOPICS } from '../domain/types.ts';
import type { TopicRole } from '../domain/types.ts';
import { defaultStateDir } from '../util/package-root.ts';
import { AnomaliesSection } from '../anomalies/settings.ts';

/** Where a key can be set besides the config file, and the form to name when its value is wrong. */
export type KeyMeta = {
  /** camelCase meow flag, e.g. `metricsPort` for --metrics-port. */
  flag?: string;
  env: string;
  expected: string;
  /** Never shown: error messages say "(hidden)". */
  secret?: boolean;
};

/** The environment key that renames each topic (config file: topics.<role>). */
export const TOPIC_ENV: Record<TopicRole, string> = {
  passages: 'TOLLSTREAM_TOPIC_PASSAGES',
  payments: 'TOLLSTREAM_TOPIC_PAYMENTS',
  plazas: 'TOLLSTREAM_TOPIC_PLAZAS',
  dlq: 'TOLLSTREAM_TOPIC_DLQ',
  legacy: 'TOLLSTREAM_TOPIC_LEGACY',
  anomalies: 'TOLLSTREAM_TOPIC_ANOMALIES',
};

const key = <S extends v.GenericSchema>(schema: S, meta: KeyMeta) => v.pipe(schema, v.metadata(meta));

// ---- value forms ----

/** A string or a YAML scalar, as text. */
const scalar = v.pipe(
  v.union([v.string(), v.number(), v.boolean()]),
  v.transform((x) => String(x).trim()),
);

const text = v.pipe(v.string(), v.trim(), v.nonEmpty());

const ON = ['true', '1', 'yes', 'on'];
const OFF = ['false', '0', 'no', 'off'];
const onOff = v.pipe(
  scalar,
  v.transform((s) => s.toLowerCase()),
  v.picklist([...ON, ...OFF]),
  v.transform((s) => ON.includes(s)),
);

const integer = (min: number, max: number) =>
  v.pipe(scalar, v.regex(/^-?\d+$/), v.transform(Number), v.integer(), v.minValue(min), v.maxValue(max));

const oneOf = <const T extends string>(values: readonly T[]) =>
  v.pipe(
    v.string(),
    v.trim(),
    v.transform((s) => s.toLowerCase()),
    v.picklist(values),
  );

const hostPort = v.pipe(
  text,
  v.regex(/^([A-Za-z0-9.-]+|\[[0-9a-fA-F:]+\]):\d{1,5}$/),
  v.check((s) => {
    const port = Number(s.slice(s.lastIndexOf(':') + 1));
    return port >= 1 && port <= 65535;
  }, 'the port is not in 1..65535'),
);

const hostPorts = v.pipe(
  v.union([v.string(), v.array(v.string())]),
  v.transform((x) => (Array.isArray(x) ? x : x.split(','))),
  v.array(hostPort),
  v.minLength(1),
);

const mysqlUrl = v.pipe(
  text,
  v.check((s) => URL.canParse(s) && new URL(s).protocol === 'mysql:' && new URL(s).hostname !== ''),
);

const timeZone = v.pipe(
  text,
  v.check((s) => {
    try {
      assertTimeZone(s);
      return true;
    } catch {
      return false;
    }
  }, 'not a time zone this system knows'),
);

const DURATION_UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** Durations: "90s", "5m", "1h", "250ms" or a bare number of seconds; in milliseconds. */
export const duration = v.pipe(
  scalar,
  v.regex(/^\d+(\.\d+)?(ms|s|m|h)?$/),
  v.transform((s) => {
    const unit = /[a-z]+$/.exec(s)?.[0] ?? 's';
    return Number.parseFloat(s) * DURATION_UNIT_MS[unit as keyof typeof DURATION_UNIT_MS];
  }),
  v.transform(Math.round),
  v.minValue(1, 'a duration must be longer than 0'),
);

/** An ISO date or timestamp; a zone-less one is read in `tz` once that is known (see the root transform). */
const isoDate = v.pipe(
  v.string(),
  v.trim(),
  v.rawTransform(({ dataset, addIssue, NEVER }): IsoFields => {
    const read = readIso(dataset.value);
    if (read === undefined) {
      addIssue({ message: '' });
      return NEVER;
    }
    if ('problem' in read) {
      addIssue({ message: read.problem });
      return NEVER;
    }
    if (Number.isNaN(isoToEpoch(read.fields))) {
      addIssue({ message: `year ${read.fields.year} is out of range` });
      return NEVER;
    }
    return read.fields;
  }),
);

export type MaxRejects = { count: number } | { percent: number };

/** `10` (rows) or `0.5%` (of the rows read). */
const maxRejects = v.pipe(
  scalar,
  v.regex(/^\d+(\.\d+)?\s*%?$/),
  v.rawTransform(({ dataset, addIssue, NEVER }): MaxRejects => {
    const n = Number.parseFloat(dataset.value);
    if (dataset.value.endsWith('%')) {
      if (n <= 100) return { percent: n };
      addIssue({ message: 'a share of the rows read is at most 100%' });
    } else {
      if (Number.isInteger(n)) return { count: n };
      addIssue({ message: 'a number of rows is a whole number' });
    }
    return NEVER;
  }),
);

const speed = v.pipe(
  scalar,
  v.transform((s) => s.toLowerCase()),
  v.rawTransform(({ dataset, addIssue, NEVER }): number | 'max' => {
    if (dataset.value === 'max') return 'max';
    if (dataset.value === 'realtime') return 1;
    const n = /^\d+(\.\d+)?x?$/.test(dataset.value) ? Number.parseFloat(dataset.value) : NaN;
    if (n > 0) return n;
    addIssue({ message: '' });
    return NEVER;
  }),
);

/** Kafka's own rule for topic names. */
const topicName = v.pipe(
  text,
  v.regex(/^[A-Za-z0-9._-]{1,249}$/),
  v.check((s) => s !== '.' && s !== '..'),
);

const sourceList = v.pipe(
  v.union([v.string(), v.array(v.string())]),
  v.transform((x) => (Array.isArray(x) ? x : [x])),
  v.array(v.pipe(text, v.regex(/^(simulator|tolldata|hourly|http|https|file)(:.+)?$/))),
  v.minLength(1),
);

// ---- the keys ----

const topic = (role: TopicRole) =>
  v.optional(
    key(topicName, {
      env: TOPIC_ENV[role],
      expected: 'a topic name of 1-249 characters from [A-Za-z0-9._-]',
    }),
    TOPICS[role],
  );

const HALF_OPEN = 'invalid run.from/run.to: --from must be before --to (the range is half-open)';

const ConfigShape = v.strictObject({
  kafka: v.optional(
    v.strictObject({
      brokers: v.optional(
        key(hostPorts, {
          flag: 'brokers',
          env: 'TOLLSTREAM_KAFKA_BROKERS',
          expected: 'host:port[,host:port...]',
        }),
        '127.0.0.1:9092',
      ),
      clientId: v.optional(
        key(text, { flag: 'clientId', env: 'TOLLSTREAM_CLIENT_ID', expected: 'a non-empty string' }),
        'tollstream',
      ),
      ssl: v.optional(
        key(onOff, { flag: 'kafkaSsl', env: 'TOLLSTREAM_KAFKA_SSL', expected: 'true or false' }),
        false,
      ),
      sslCaFile: v.optional(
        key(text, { flag: 'kafkaSslCa', env: 'TOLLSTREAM_KAFKA_SSL_CA', expected: 'a path to a PEM file' }),
      ),
      sasl: v.optional(
        v.pipe(
          v.strictObject({
            mechanism: v.optional(
              key(oneOf(['plain', 'scram-sha-256', 'scram-sha-512']), {
                flag: 'kafkaSaslMechanism',
                env: 'TOLLSTREAM_KAFKA_SASL_MECHANISM',
                expected: 'plain, scram-sha-256 or scram-sha-512',
              }),
            ),
            username: v.optional(
              key(text, {
                flag: 'kafkaSaslUsername',
                env: 'TOLLSTREAM_KAFKA_SASL_USERNAME',
                expected: 'a non-empty string',
              }),
            ),
            password: v.optional(
              key(text, {
                env: 'TOLLSTREAM_KAFKA_SASL_PASSWORD',
                expected: 'a non-empty string',
                secret: true,
              }),
            ),
          }),
          v.rawTransform(({ dataset: { value: sasl }, addIssue, NEVER }) => {
            const { mechanism, username, password } = sasl;
            if (mechanism && username && password) return { mechanism, username, password };
            if (!mechanism && !username && !password) return undefined; // `sasl:` left empty in the file
            addIssue({
              message:
                'incomplete kafka.sasl: mechanism, username and password are all required (password only from TOLLSTREAM_KAFKA_SASL_PASSWORD or the config file)',
            });
            return NEVER;
          }),
        ),
      ),
      /**
       * Producer batch compression. None by default, measured: with everything on one 2-core box (simulator,
       * producer, broker, sink, MySQL), 100,000 passages + payments in one process published at 11-14k passages/s
       * uncompressed against 7-9k/s with gzip (level 6, and level 1 alike) and persisted end to end at 7-8k/s
       * against 5.5-6.8k/s, with peak RSS ~270 MB against ~370 MB: the broker decompresses every compressed batch
       * to validate it and the sink inflates it again, on the same two cores, while loopback bytes cost nothing.
       * gzip shrinks the data about 10x: choose it when producers and brokers are on different machines or disk
       * is tight.
       */
      compression: v.optional(
        key(oneOf(['none', 'gzip']), {
          flag: 'compression',
          env: 'TOLLSTREAM_COMPRESSION',
          expected: 'none or gzip',
        }),
        'none',
      ),
      /**
       * Producers encode and send their batches on a worker thread of their own (kafkajs' record encoding is most
       * of a producer's CPU), so the sink and the monitor keep the main thread; `false` runs them on the main
       * thread as before.
       */
      producerThread: v.optional(
        key(onOff, { env: 'TOLLSTREAM_PRODUCER_THREAD', expected: 'true or false' }),
        true,
      ),
    }),
    {},
  ),
  /** Topic names by role: toll.passages, toll.payments, toll.plazas, toll.dlq and toll (the classic line). */
  topics: v.optional(
    v.pipe(
      v.strictObject({
        passages: topic('passages'),
        payments: topic('payments'),
        plazas: topic('plazas'),
        dlq: topic('dlq'),
        legacy: topic('legacy'),
        anomalies: topic('anomalies'),
      }),
      v.check(
        (t) => new Set(Object.values(t)).size === Object.keys(t).length,
        (issue) => `invalid topics: each role needs its own topic, got ${JSON.stringify(issue.input)}`,
      ),
    ),
    {},
  ),
  zookeeper: v.optional(
    key(hostPort, { flag: 'zookeeper', env: 'TOLLSTREAM_ZOOKEEPER', expected: 'host:port' }),
    '127.0.0.1:2181',
  ),
  mysql: v.optional(
    v.strictObject({
      url: v.optional(
        key(mysqlUrl, {
          flag: 'mysqlUrl',
          env: 'TOLLSTREAM_MYSQL_URL',
          expected: 'mysql://user[:password]@host[:port]/database',
          secret: true,
        }),
        'mysql://root@127.0.0.1:3306/tollstream',
      ),
      ssl: v.optional(
        key(onOff, { flag: 'mysqlSsl', env: 'TOLLSTREAM_MYSQL_SSL', expected: 'true or false' }),
        false,
      ),
      sslCaFile: v.optional(
        key(text, { flag: 'mysqlSslCa', env: 'TOLLSTREAM_MYSQL_SSL_CA', expected: 'a path to a PEM file' }),
      ),
      /** URL of the SELECT-only account for `query` and the SQL prompt; defaults to the stack's own reader. */
      readerUrl: v.optional(
        key(mysqlUrl, {
          env: 'TOLLSTREAM_MYSQL_READER_URL',
          expected: 'mysql://user:password@host[:port]/database',
          secret: true,
        }),
      ),
    }),
    {},
  ),
  groupId: v.optional(
    key(text, { flag: 'group', env: 'TOLLSTREAM_GROUP_ID', expected: 'a non-empty string' }),
    'tollstream-sink',
  ),
  /** The anomaly detector (src/anomalies): whether role all runs it, its consumer group, lateness and rules. */
  anomalies: v.optional(
    v.strictObject({
      enabled: v.optional(key(onOff, { env: 'TOLLSTREAM_ANOMALIES', expected: 'true or false' }), true),
      groupId: v.optional(
        key(text, { env: 'TOLLSTREAM_ANOMALIES_GROUP_ID', expected: 'a non-empty string' }),
        'tollstream-anomalies',
      ),
      ...AnomaliesSection.entries,
    }),
    {},
  ),
  tz: v.optional(
    key(timeZone, {
      flag: 'tz',
      env: 'TOLLSTREAM_TZ',
      expected: 'an IANA time zone such as UTC or Europe/Paris',
    }),
    'UTC',
  ),
  /** Relative to the working directory (loadConfig resolves it). */
  stateDir: v.optional(
    key(text, { flag: 'stateDir', env: 'TOLLSTREAM_STATE_DIR', expected: 'a directory path' }),
    defaultStateDir(),
  ),
  logLevel: v.optional(
    key(oneOf(['debug', 'info', 'warn', 'error']), {
      flag: 'logLevel',
      env: 'TOLLSTREAM_LOG_LEVEL',
      expected: 'debug, info, warn or error',
    }),
    'info',
  ),
  run: v.optional(
    v.strictObject({
      sources: v.optional(
        key(sourceList, {
          flag: 'source',
          env: 'TOLLSTREAM_SOURCES',
          expected: 'simulator, tolldata:<dir>, hourly:<file>, http:<url> or file:<path>',
        }),
        ['simulator'],
      ),
      rate: v.optional(
        key(integer(0, 10_000_000), {
          flag: 'rate',
          env: 'TOLLSTREAM_RATE',
          expected: 'passages per second, an integer >= 0 (0 = as fast as possible)',
        }),
        200,
      ),
      speed: v.optional(
        key(speed, { flag: 'speed', env: 'TOLLSTREAM_SPEED', expected: 'max, realtime or a factor like 60' }),
        'max',
      ),
      from: v.optional(
        key(isoDate, {
          flag: 'from',
          env: 'TOLLSTREAM_FROM',
          expected: 'a date like 2021-08-01 or 2021-08-01T06:00:00Z (without a zone: in --tz)',
        }),
      ),
      to: v.optional(
        key(isoDate, {
          flag: 'to',
          env: 'TOLLSTREAM_TO',
          expected: 'a date like 2021-08-02 or 2021-08-02T06:00:00Z (without a zone: in --tz)',
        }),
      ),
      durationMs: v.optional(
        key(duration, {
          flag: 'duration',
          env: 'TOLLSTREAM_DURATION',
          expected: 'a duration like 60s, 5m or 1h',
        }),
      ),
      events: v.optional(
        key(integer(1, Number.MAX_SAFE_INTEGER), {
          flag: 'events',
          env: 'TOLLSTREAM_EVENTS',
          expected: 'a positive integer',
        }),
      ),
      role: v.optional(
        key(oneOf(['producer', 'consumer', 'anomalies', 'all']), {
          flag: 'role',
          env: 'TOLLSTREAM_ROLE',
          expected: 'producer, consumer, anomalies or all',
        }),
        'all',
      ),
      intervalMs: v.optional(
        key(duration, {
          flag: 'interval',
          env: 'TOLLSTREAM_INTERVAL',
          expected: 'a duration like 1s or 500ms',
        }),
        '1s',
      ),
      /** A file the producers append the event id of every passage Kafka acknowledged to (one per line). */
      ackLog: v.optional(key(text, { flag: 'ackLog', env: 'TOLLSTREAM_ACK_LOG', expected: 'a file path' })),
      /** Swap the rows an earlier import of the same file wrote for this run's (a file source, role all). */
      replace: v.optional(
        key(onOff, { flag: 'replace', env: 'TOLLSTREAM_REPLACE', expected: 'true or false' }),
      ),
      /**
       * Rows a finite source may reject before the run fails: a count, or a share of the rows read (`{ percent }`).
       * Unset: 0 for file imports, no limit for other sources.
       */
      maxRejects: v.optional(
        key(maxRejects, {
          flag: 'maxRejects',
          env: 'TOLLSTREAM_MAX_REJECTS',
          expected: 'a number of rows like 0 or 25, or a share of the rows read like 0.5%',
        }),
      ),
      queryTimeoutMs: v.optional(
        key(duration, {
          flag: 'queryTimeout',
          env: 'TOLLSTREAM_QUERY_TIMEOUT',
          expected: 'a duration like 10s',
        }),
        '10s',
      ),
      rowCap: v.optional(
        key(integer(1, 100_000), {
          flag: 'rowCap',
          env: 'TOLLSTREAM_ROW_CAP',
          expected: 'an integer 1..100000',
        }),
        1000,
      ),
    }),
    {},
  ),
  /** Prometheus `/metrics` and `/healthz` for headless runs and the monitor; off unless a port is given. */
  metrics: v.optional(
    v.strictObject({
      port: v.optional(
        key(integer(1, 65_535), {
          flag: 'metricsPort',
          env: 'TOLLSTREAM_METRICS_PORT',
          expected: 'a TCP port 1..65535',
        }),
      ),
      host: v.optional(
        key(text, {
          flag: 'metricsHost',
          env: 'TOLLSTREAM_METRICS_HOST',
          expected: 'a host name or IP address to listen on, like 127.0.0.1 or 0.0.0.0',
        }),
        '127.0.0.1',
      ),
    }),
    {},
  ),
  /**
   * The monitor's footer alerts for anomalies the detector wrote since the monitor started: unpaid passages and
   * short payments in the last minute at or above these counts (0 turns one off). New surges always alert.
   */
  monitor: v.optional(
    v.strictObject({
      alerts: v.optional(
        v.strictObject({
          unpaidPerMinute: v.optional(
            key(integer(0, 1_000_000), {
              env: 'TOLLSTREAM_MONITOR_UNPAID_PER_MINUTE',
              expected: 'unpaid passages found per minute, an integer >= 0 (0 = no alert)',
            }),
            10,
          ),
          shortPaymentsPerMinute: v.optional(
            key(integer(0, 1_000_000), {
              env: 'TOLLSTREAM_MONITOR_SHORT_PAYMENTS_PER_MINUTE',
              expected: 'short payments found per minute, an integer >= 0 (0 = no alert)',
            }),
            5,
          ),
        }),
        {},
      ),
    }),
    {},
  ),
});

/**
 * The whole configuration. --from/--to without a zone are wall-clock times in --tz (a toll operator's
 * "2016-06-01" is midnight where the plazas are), so they become instants here, once tz is known.
 */
export const ConfigSchema = v.pipe(
  ConfigShape,
  v.rawTransform(({ dataset: { value: c }, addIssue, NEVER }) => {
    const { from, to, ...run } = c.run;
    const fromMs = from && isoToEpoch(from, c.tz);
    const toMs = to && isoToEpoch(to, c.tz);
    if (fromMs !== undefined && toMs !== undefined && fromMs >= toMs) {
      addIssue({ message: HALF_OPEN });
      return NEVER;
    }
    return {
      ...c,
      run: {
        ...run,
        ...(fromMs === undefined ? {} : { from: fromMs }),
        ...(toMs === undefined ? {} : { to: toMs }),
      },
    };
  }),
);

export type Config = v.InferOutput<typeof ConfigSchema>;

/** One settable key: its dotted path in Config, where it can come from, its default (an input) and its form. */
export type KeyDef = KeyMeta & {
  key: string;
  default?: unknown;
};

/** Every key of the schema in schema order, from its metadata. */
export function schemaKeys(): KeyDef[] {
  const out: KeyDef[] = [];
  const walk = (schema: v.GenericSchema, path: string, fallback: unknown): void => {
    if (schema.type === 'optional' && 'wrapped' in schema) {
      walk(schema.wrapped as v.GenericSchema, path, 'default' in schema ? schema.default : undefined);
      return;
    }
    if ('entries' in schema) {
      for (const [name, entry] of Object.entries(schema.entries as Record<string, v.GenericSchema>)) {
        walk(entry, path ? `${path}.${name}` : name, undefined);
      }
      return;
    }
    const meta = v.getMetadata(schema) as KeyMeta;
    out.push({ key: path, ...meta, ...(fallback === undefined ? {} : { default: fallback }) });
  };
  walk(ConfigShape, '', undefined);
  return out;
}
