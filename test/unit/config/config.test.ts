import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseDuration, redact } from '../../../src/config/config.ts';

const dir = (): string => mkdtempSync(path.join(tmpdir(), 'tollstream-config-'));

describe('configuration', () => {
  it('uses the DESIGN.md defaults', () => {
    const c = loadConfig({}, {}, dir());
    expect(c.kafka.brokers).toEqual(['127.0.0.1:9092']);
    expect(c.zookeeper).toBe('127.0.0.1:2181');
    expect(c.mysql.url).toBe('mysql://root@127.0.0.1:3306/tollstream');
    expect(c.groupId).toBe('tollstream-sink');
    expect(c.tz).toBe('UTC');
    expect(c.run.sources).toEqual(['simulator']);
    expect(c.kafka.compression).toBe('none');
    expect(c.topics).toEqual({
      passages: 'toll.passages',
      payments: 'toll.payments',
      plazas: 'toll.plazas',
      dlq: 'toll.dlq',
      legacy: 'toll',
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
    const ny = loadConfig({ from: '2016-06-01', to: '2016-06-02T06:30', tz: 'America/New_York' }, {}, tmpdir());
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
});
