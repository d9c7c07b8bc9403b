import { describe, expect, it } from 'vitest';
import { allRegistered, brokerProperties } from '../../../src/stack/broker.ts';
import { jvmArgs, log4jProperties, parseJavaMajor, renderProperties } from '../../../src/stack/jvm.ts';

/** Parses rendered .properties text back into a map (comments skipped). */
function parseProps(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.indexOf('=');
    out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

const zookeeper = { host: '127.0.0.1', port: 2181 };

describe('brokerProperties', () => {
  it('one broker: a loopback PLAINTEXT listener and single-replica internal topics', () => {
    const p = parseProps(
      brokerProperties({
        broker: { id: 0, host: '127.0.0.1', port: 9092 },
        zookeeper,
        dataDir: '/state/kafka-0',
        brokerCount: 1,
      }),
    );
    expect(p).toMatchObject({
      'broker.id': '0',
      listeners: 'PLAINTEXT://127.0.0.1:9092',
      'advertised.listeners': 'PLAINTEXT://127.0.0.1:9092',
      'zookeeper.connect': '127.0.0.1:2181',
      'log.dirs': '/state/kafka-0',
      'num.partitions': '6',
      'offsets.topic.replication.factor': '1',
      'transaction.state.log.replication.factor': '1',
      'transaction.state.log.min.isr': '1',
      'group.initial.rebalance.delay.ms': '0',
      'auto.create.topics.enable': 'false',
    });
  });

  it('three brokers: internal topics replicated three times, transactions need two in sync', () => {
    const p = parseProps(
      brokerProperties({
        broker: { id: 2, host: '127.0.0.1', port: 9094 },
        zookeeper,
        dataDir: '/state/kafka-2',
        brokerCount: 3,
      }),
    );
    expect(p['broker.id']).toBe('2');
    expect(p.listeners).toBe('PLAINTEXT://127.0.0.1:9094');
    expect(p['offsets.topic.replication.factor']).toBe('3');
    expect(p['transaction.state.log.replication.factor']).toBe('3');
    expect(p['transaction.state.log.min.isr']).toBe('2');
  });
});

describe('log4j and JVM arguments', () => {
  it('routes the root logger into the given file', () => {
    const p = parseProps(log4jProperties('/state/logs/kafka-0.log'));
    expect(p['log4j.rootLogger']).toBe('INFO, file');
    expect(p['log4j.appender.file.File']).toBe('/state/logs/kafka-0.log');
  });

  it('renders key=value lines with a header comment', () => {
    expect(renderProperties({ a: 1, b: true, c: 'x' }, 'hi')).toBe('# hi\na=1\nb=true\nc=x\n');
  });

  it('bounds the heap, uses G1, the jar cache as classpath and ends with main class and args', () => {
    const args = jvmArgs({
      java: 'java',
      jarDir: '/repo/.tollstream/jars',
      heap: { max: '512m', initial: '256m' },
      log4jFile: '/state/config/log4j-kafka-0.properties',
      properties: { 'kafka.logs.dir': '/state/logs', 'tollstream.stack': '/state' },
      mainClass: 'kafka.Kafka',
      args: ['/state/config/server-0.properties'],
    });
    expect(args).toContain('-Xmx512m');
    expect(args).toContain('-Xms256m');
    expect(args).toContain('-XX:+UseG1GC');
    expect(args).toContain('-Dlog4j.configuration=file:/state/config/log4j-kafka-0.properties');
    expect(args).toContain('-Dkafka.logs.dir=/state/logs');
    expect(args).toContain('-Dtollstream.stack=/state');
    expect(args.slice(-4)).toEqual([
      '-cp',
      '/repo/.tollstream/jars/*',
      'kafka.Kafka',
      '/state/config/server-0.properties',
    ]);
  });

  it('reads the Java major version from both version schemes', () => {
    expect(parseJavaMajor('openjdk version "17.0.15" 2025-04-15')).toBe(17);
    expect(parseJavaMajor('java version "1.8.0_392"')).toBe(8);
    expect(parseJavaMajor('openjdk version "21" 2023-09-19')).toBe(21);
    expect(parseJavaMajor('nonsense')).toBeNull();
  });
});

describe('allRegistered', () => {
  const cluster = {
    clusterId: 'c',
    controller: 1,
    brokers: [
      { nodeId: 0, host: '127.0.0.1', port: 9092 },
      { nodeId: 1, host: '127.0.0.1', port: 9093 },
    ],
  };
  it('is true only when every expected id is in the metadata', () => {
    expect(allRegistered(cluster, [0, 1])).toBe(true);
    expect(allRegistered(cluster, [0, 1, 2])).toBe(false);
  });
});
