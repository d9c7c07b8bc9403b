import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/config.ts';
import { StackError } from '../../../src/stack/errors.ts';
import { address, parseEndpoint, stackLayout } from '../../../src/stack/layout.ts';

const config = (flags: Record<string, unknown> = {}) => loadConfig(flags, {}, '/tmp');

describe('stackLayout', () => {
  it('defaults: ZooKeeper 2181, broker 0 on 9092', () => {
    expect(stackLayout(config(), 1)).toEqual({
      zookeeper: { host: '127.0.0.1', port: 2181 },
      brokers: [{ id: 0, host: '127.0.0.1', port: 9092 }],
    });
  });

  it('three brokers count up from the configured bootstrap port', () => {
    const layout = stackLayout(config({ brokers: 'localhost:29092', zookeeper: 'localhost:22181' }), 3);
    expect(layout.brokers.map(address)).toEqual(['127.0.0.1:29092', '127.0.0.1:29093', '127.0.0.1:29094']);
    expect(layout.brokers.map((b) => b.id)).toEqual([0, 1, 2]);
    expect(address(layout.zookeeper)).toBe('127.0.0.1:22181');
  });

  it('refuses remote hosts and clashing ports with a usage error', () => {
    const remote = (): unknown => stackLayout(config({ brokers: 'kafka.example.com:9092' }), 1);
    expect(remote).toThrow(StackError);
    expect(remote).toThrow(/kafka\.brokers points at kafka\.example\.com:9092/);
    try {
      stackLayout(config({ zookeeper: '127.0.0.1:9093' }), 3);
      expect.unreachable();
    } catch (e) {
      expect((e as StackError).exitCode).toBe(2);
      expect((e as StackError).message).toMatch(/ZooKeeper and broker 1 would share port 9093/);
    }
  });

  it('parses and prints endpoints, IPv6 included', () => {
    expect(parseEndpoint('[::1]:9092')).toEqual({ host: '::1', port: 9092 });
    expect(address({ host: '::1', port: 9092 })).toBe('[::1]:9092');
  });
});
