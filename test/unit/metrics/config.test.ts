/** The metrics endpoint's settings through every way configuration arrives: flag, environment, file, default. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config/config.ts';

const empty = (): string => mkdtempSync(path.join(os.tmpdir(), 'tollstream-metrics-config-'));

describe('metrics configuration', () => {
  it('is off by default and listens on 127.0.0.1 when a port is given', () => {
    const off = loadConfig({}, {}, empty());
    expect(off.metrics.port).toBeUndefined();
    expect(off.metrics.host).toBe('127.0.0.1');
    expect(loadConfig({ metricsPort: '9464' }, {}, empty()).metrics).toEqual({
      port: 9464,
      host: '127.0.0.1',
    });
  });

  it('reads TOLLSTREAM_METRICS_PORT / _HOST and metrics.port / metrics.host from the config file', () => {
    expect(
      loadConfig({}, { TOLLSTREAM_METRICS_PORT: '9465', TOLLSTREAM_METRICS_HOST: '0.0.0.0' }, empty())
        .metrics,
    ).toEqual({ port: 9465, host: '0.0.0.0' });
    const dir = empty();
    writeFileSync(path.join(dir, 'tollstream.config.yaml'), 'metrics:\n  port: 9466\n  host: "::1"\n');
    expect(loadConfig({}, {}, dir).metrics).toEqual({ port: 9466, host: '::1' });
    // A flag beats the environment, which beats the file.
    expect(loadConfig({ metricsPort: '9467' }, { TOLLSTREAM_METRICS_PORT: '9468' }, dir).metrics.port).toBe(
      9467,
    );
  });

  it('refuses a port outside 1..65535, naming the key and where it came from', () => {
    expect(() => loadConfig({}, { TOLLSTREAM_METRICS_PORT: '0' }, empty())).toThrow(ConfigError);
    expect(() => loadConfig({ metricsPort: 'http' }, {}, empty())).toThrow(
      /metrics\.port from flag --metrics-port: "http".*expected a TCP port 1\.\.65535/,
    );
  });
});
