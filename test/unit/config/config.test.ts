import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_KEYS, ConfigError, loadConfig, parseDuration, redact } from '../../../src/config/config.ts';

const dir = (): string => mkdtempSync(path.join(tmpdir(), 'tollstream-config-'));

describe('configuration', () => {
  it('uses the defaults', () => {
    const c = loadConfig({}, {}, dir());
    expect(c.kafka.brokers).toEqual(['127.0.0.1:9092']);
    expect(c.zookeeper).toBe('127.0.0.1:2181');
    expect(c.mysql.url).toBe('mysql://root@127.0.0.1:3306/tollstream');
    expect(c.groupId).toBe('tollstream-sink');
    expect(c.tz).toBe('UTC');
    expect(c.run.sources).toEqual(['simulator']);
    expect(c.kafka.compression).toBe('none');
    expect(c.run).toEqual({
      sources: ['simulator'],
      rate: 200,
      speed: 'max',
      role: 'all',
      intervalMs: 1000,
      queryTimeoutMs: 10_000,
      rowCap: 1000,
    });
    expect(c.metrics).toEqual({ host: '127.0.0.1' });
    expect(c.topics).toEqual({
      passages: 'toll.passages',
      payments: 'toll.payments',
      plazas: 'toll.plazas',
      dlq: 'toll.dlq',
      legacy: 'toll',
      anomalies: 'toll.anomalies',
    });
  });

  it('renames topics from the environment or the config file, and refuses bad or shared names', () => {
    const d = dir();
    writeFileSync(
      path.join(d, 'tollstream.config.yaml'),
      'topics:\n  passages: east.passages\n  dlq: east.dlq\n',
    );
    const c = loadConfig({}, { TOLLSTREAM_TOPIC_PASSAGES: 'west.passages' }, d);
    expect(c.topics).toMatchObject({ passages: 'west.passages', dlq: 'east.dlq', payments: 'toll.payments' });
    expect(() => loadConfig({}, { TOLLSTREAM_TOPIC_DLQ: 'bad topic' }, dir())).toThrow(
      /invalid topics.dlq from environment TOLLSTREAM_TOPIC_DLQ: "bad topic"; expected a topic name/,
    );
    expect(() => loadConfig({}, { TOLLSTREAM_TOPIC_DLQ: 'toll.passages' }, dir())).toThrow(
      /each role needs its own topic/,
    );
  });

  it('takes compression from the flag, environment or file: none or gzip', () => {
    expect(loadConfig({}, { TOLLSTREAM_COMPRESSION: 'GZIP' }, dir()).kafka.compression).toBe('gzip');
    expect(
      loadConfig({ compression: 'none' }, { TOLLSTREAM_COMPRESSION: 'gzip' }, dir()).kafka.compression,
    ).toBe('none');
    expect(() => loadConfig({}, { TOLLSTREAM_COMPRESSION: 'zstd' }, dir())).toThrow(
      /invalid kafka.compression from environment TOLLSTREAM_COMPRESSION: "zstd"; expected none or gzip/,
    );
  });

  it('reads a zone-less --from/--to in --tz, and one with a zone as given', () => {
    const ny = loadConfig(
      { from: '2016-06-01', to: '2016-06-02T06:30', tz: 'America/New_York' },
      {},
      tmpdir(),
    );
    expect(new Date(ny.run.from!).toISOString()).toBe('2016-06-01T04:00:00.000Z');
    expect(new Date(ny.run.to!).toISOString()).toBe('2016-06-02T10:30:00.000Z');
    const zoned = loadConfig({ from: '2016-06-01T00:00Z', tz: 'America/New_York' }, {}, tmpdir());
    expect(new Date(zoned.run.from!).toISOString()).toBe('2016-06-01T00:00:00.000Z');
    expect(new Date(loadConfig({ from: '2016-06-01' }, {}, tmpdir()).run.from!).toISOString()).toBe(
      '2016-06-01T00:00:00.000Z',
    );
    expect(() => loadConfig({ from: '2016-06-31' }, {}, tmpdir())).toThrow(ConfigError);
  });

  it('takes flags over environment over the config file', () => {
    const d = dir();
    writeFileSync(
      path.join(d, 'tollstream.config.yaml'),
      'groupId: from-file\nzookeeper: 10.0.0.1:2181\nkafka:\n  clientId: file-client\n',
    );
    const c = loadConfig(
      { group: 'from-flag' },
      { TOLLSTREAM_GROUP_ID: 'from-env', TOLLSTREAM_ZOOKEEPER: 'zk:2182' },
      d,
    );
    expect(c.groupId).toBe('from-flag');
    expect(c.zookeeper).toBe('zk:2182');
    expect(c.kafka.clientId).toBe('file-client');
  });

  it.each([
    [{ brokers: 'localhost' }, {}, /kafka\.brokers from flag --brokers: "localhost"; expected host:port/],
    [{ rate: '-5' }, {}, /run\.rate .*expected passages per second/],
    [{ tz: 'Mars/Olympus' }, {}, /tz .*IANA time zone/],
    [
      {},
      { TOLLSTREAM_MYSQL_URL: 'postgres://x' },
      /mysql\.url from environment TOLLSTREAM_MYSQL_URL: \(hidden\)/,
    ],
    [{ duration: 'soon' }, {}, /run\.durationMs from flag --duration/],
    [{ source: ['ftp:x'] }, {}, /run\.sources/],
    [{ from: '2021-08-02', to: '2021-08-01' }, {}, /--from must be before --to/],
    [{ kafkaSaslMechanism: 'plain', kafkaSaslUsername: 'u' }, {}, /incomplete kafka\.sasl/],
  ])('refuses %j %j with a message naming the key', (flags, env, message) => {
    expect(() => loadConfig(flags, env, dir())).toThrow(ConfigError);
    expect(() => loadConfig(flags, env, dir())).toThrow(message);
  });

  it('rejects unknown keys and malformed files', () => {
    const d = dir();
    writeFileSync(path.join(d, 'bad.json'), '{"kafka": {"brokerz": []}}');
    expect(() => loadConfig({ config: 'bad.json' }, {}, d)).toThrow(/unknown key "kafka\.brokerz"/);
    writeFileSync(path.join(d, 'broken.yaml'), 'a: [');
    expect(() => loadConfig({ config: 'broken.yaml' }, {}, d)).toThrow(/not valid YAML/);
    expect(() => loadConfig({ config: 'missing.yaml' }, {}, d)).toThrow(/does not exist/);
  });

  it('never shows secrets when redacted', () => {
    const c = loadConfig(
      { kafkaSaslMechanism: 'scram-sha-512', kafkaSaslUsername: 'u' },
      {
        TOLLSTREAM_KAFKA_SASL_PASSWORD: 's3cret',
        TOLLSTREAM_MYSQL_URL: 'mysql://app:hunter2@db:3306/tollstream',
      },
      dir(),
    );
    expect(c.kafka.sasl?.password).toBe('s3cret');
    const text = JSON.stringify(redact(c));
    expect(text).not.toContain('s3cret');
    expect(text).not.toContain('hunter2');
    expect(text).toContain('mysql://app:***@db:3306/tollstream');
  });

  it('parses durations', () => {
    expect([
      parseDuration('250ms'),
      parseDuration('60s'),
      parseDuration('5m'),
      parseDuration('1h'),
      parseDuration('2'),
    ]).toEqual([250, 60_000, 300_000, 3_600_000, 2000]);
  });

  describe('error messages', () => {
    const message = (flags: Record<string, unknown>, env: Record<string, string>, cwd = dir()): string => {
      try {
        loadConfig(flags, env, cwd);
      } catch (e) {
        if (e instanceof ConfigError) return e.message;
        throw e;
      }
      return 'accepted';
    };
    const withFile = (yaml: string): string => {
      const d = dir();
      writeFileSync(path.join(d, 'tollstream.config.yaml'), yaml);
      return d;
    };

    it('name the key, the flag, environment variable or file key it came from, the value, why and the form', () => {
      const expected = 'expected a date like 2021-08-01 or 2021-08-01T06:00:00Z (without a zone: in --tz)';
      expect(message({ from: '2016-06-31' }, {})).toBe(
        `invalid run.from from flag --from: "2016-06-31" (June 2016 has 30 days); ${expected}`,
      );
      expect(message({}, { TOLLSTREAM_FROM: '2016-02-30T06:00' })).toBe(
        `invalid run.from from environment TOLLSTREAM_FROM: "2016-02-30T06:00" (February 2016 has 29 days); ${expected}`,
      );
      const d = withFile('run:\n  from: 2016-06-31\n');
      expect(message({}, {}, d)).toBe(
        `invalid run.from from config file ${path.join(d, 'tollstream.config.yaml')} key "run.from": "2016-06-31" (June 2016 has 30 days); ${expected}`,
      );
      expect(message({ from: 'yesterday' }, {})).toBe(
        `invalid run.from from flag --from: "yesterday"; ${expected}`,
      );
    });

    it('say which bound a number broke and which item of a list is wrong', () => {
      const port = 'expected a TCP port 1..65535';
      expect(message({ metricsPort: '70000' }, {})).toBe(
        `invalid metrics.port from flag --metrics-port: "70000" (above 65535); ${port}`,
      );
      expect(message({}, { TOLLSTREAM_METRICS_PORT: '0' })).toBe(
        `invalid metrics.port from environment TOLLSTREAM_METRICS_PORT: "0" (below 1); ${port}`,
      );
      const d = withFile('kafka:\n  brokers: ["a:9092", "b"]\n');
      expect(message({}, {}, d)).toBe(
        `invalid kafka.brokers from config file ${path.join(d, 'tollstream.config.yaml')} key "kafka.brokers": ["a:9092","b"] (item 2, "b"); expected host:port[,host:port...]`,
      );
      expect(message({}, { TOLLSTREAM_KAFKA_BROKERS: 'a:9092,b:70000' })).toBe(
        'invalid kafka.brokers from environment TOLLSTREAM_KAFKA_BROKERS: "a:9092,b:70000" (item 2, "b:70000": the port is not in 1..65535); expected host:port[,host:port...]',
      );
    });

    it('explain --max-rejects and --speed', () => {
      const form = 'expected a number of rows like 0 or 25, or a share of the rows read like 0.5%';
      expect(message({ maxRejects: '2.5' }, {})).toBe(
        `invalid run.maxRejects from flag --max-rejects: "2.5" (a number of rows is a whole number); ${form}`,
      );
      expect(message({}, { TOLLSTREAM_MAX_REJECTS: '150%' })).toBe(
        `invalid run.maxRejects from environment TOLLSTREAM_MAX_REJECTS: "150%" (a share of the rows read is at most 100%); ${form}`,
      );
      expect(message({ speed: 'fast' }, {})).toBe(
        'invalid run.speed from flag --speed: "fast"; expected max, realtime or a factor like 60',
      );
    });

    it('hide secrets, whichever source they came from', () => {
      const d = withFile('mysql:\n  url: "postgres://app:hunter2@db/x"\nkafka:\n  sasl:\n    password: 5\n');
      const text = message({}, {}, d);
      expect(text).not.toContain('hunter2');
      expect(text.split('\n')).toEqual([
        `invalid kafka.sasl.password from config file ${path.join(d, 'tollstream.config.yaml')} key "kafka.sasl.password": (hidden); expected a non-empty string`,
        `invalid mysql.url from config file ${path.join(d, 'tollstream.config.yaml')} key "mysql.url": (hidden); expected mysql://user[:password]@host[:port]/database`,
      ]);
    });

    it('list every wrong key at once, one per line', () => {
      expect(
        message({ rate: 'x', tz: 'Mars/Olympus' }, { TOLLSTREAM_LOG_LEVEL: 'loud' }).split('\n'),
      ).toEqual([
        'invalid tz from flag --tz: "Mars/Olympus" (not a time zone this system knows); expected an IANA time zone such as UTC or Europe/Paris',
        'invalid logLevel from environment TOLLSTREAM_LOG_LEVEL: "loud"; expected debug, info, warn or error',
        'invalid run.rate from flag --rate: "x"; expected passages per second, an integer >= 0 (0 = as fast as possible)',
      ]);
    });

    it('name a file section that is not a mapping', () => {
      const d = withFile('metrics: 9100\n');
      expect(message({}, {}, d)).toBe(
        `invalid metrics from config file ${path.join(d, 'tollstream.config.yaml')}: 9100; expected a mapping of metrics.port, metrics.host`,
      );
    });
  });

  it('takes keys a file leaves empty as their defaults', () => {
    const d = dir();
    writeFileSync(path.join(d, 'tollstream.config.yaml'), 'groupId: ""\nkafka:\nrun:\n  rate:\n');
    const c = loadConfig({}, {}, d);
    expect([c.groupId, c.kafka.brokers, c.run.rate]).toEqual(['tollstream-sink', ['127.0.0.1:9092'], 200]);
  });

  it('reads --max-rejects as a count or a share, --replace and --metrics-port from any source', () => {
    expect(loadConfig({ maxRejects: '25' }, {}, dir()).run.maxRejects).toEqual({ count: 25 });
    expect(loadConfig({}, { TOLLSTREAM_MAX_REJECTS: '0.5%' }, dir()).run.maxRejects).toEqual({
      percent: 0.5,
    });
    expect(loadConfig({ replace: true }, {}, dir()).run.replace).toBe(true);
    expect(loadConfig({}, { TOLLSTREAM_REPLACE: 'no' }, dir()).run.replace).toBe(false);
    const d = dir();
    writeFileSync(path.join(d, 'tollstream.config.yaml'), 'metrics:\n  port: 9464\nrun:\n  maxRejects: 3\n');
    const c = loadConfig({}, {}, d);
    expect([c.metrics, c.run.maxRejects]).toEqual([{ port: 9464, host: '127.0.0.1' }, { count: 3 }]);
  });

  it('declares each key once, with its own flag and environment variable', () => {
    const flags = CONFIG_KEYS.flatMap((k) => (k.flag ? [k.flag] : []));
    const envs = CONFIG_KEYS.map((k) => k.env);
    expect(new Set(flags).size).toBe(flags.length);
    expect(new Set(envs).size).toBe(envs.length);
    expect(CONFIG_KEYS.find((k) => k.key === 'run.maxRejects')).toMatchObject({
      flag: 'maxRejects',
      env: 'TOLLSTREAM_MAX_REJECTS',
    });
    expect(CONFIG_KEYS.find((k) => k.key === 'kafka.sasl.password')).toMatchObject({ secret: true });
    expect(CONFIG_KEYS.find((k) => k.key === 'kafka.sasl.password')?.flag).toBeUndefined();
  });
});
