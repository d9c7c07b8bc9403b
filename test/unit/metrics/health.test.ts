/** /healthz's verdict over stand-in probes (pure logic), and the HTTP endpoint on a loopback port. */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import type { EngineStatus } from '../../../src/engines/types.ts';
import { HealthCheck, healthReport, sinkCheck } from '../../../src/metrics/health.ts';
import type { Check, HealthProbes, HealthReport } from '../../../src/metrics/health.ts';
import { MetricsListenError, startMetricsServer } from '../../../src/metrics/server.ts';
import type { MetricsServer } from '../../../src/metrics/server.ts';
import { createLogger } from '../../../src/util/log.ts';

const up: Check = { ok: true, detail: 'fine' };

function probes(over: Partial<HealthProbes> = {}): HealthProbes {
  return {
    kafka: () => Promise.resolve(up),
    mysql: () => Promise.resolve(up),
    sinkStatus: () => ({ kind: 'running' }),
    close: () => Promise.resolve(),
    ...over,
  };
}

describe('health verdict', () => {
  it('is ok when Kafka and MySQL answer and the sink is not in a permanent error', () => {
    const r = healthReport(up, up, sinkCheck({ kind: 'running' }), new Date(0));
    expect(r).toEqual({
      status: 'ok',
      checks: { kafka: up, mysql: up, sink: { ok: true, detail: 'running' } },
      checkedAt: '1970-01-01T00:00:00.000Z',
    });
  });

  it('names every failed check in the reason', () => {
    const permanent: EngineStatus = {
      kind: 'error',
      message: "MySQL refuses the sink's writes: INSERT command denied",
      willRetry: true,
      permanent: true,
    };
    const r = healthReport(
      { ok: false, detail: 'Connection error: connect ECONNREFUSED 127.0.0.1:9092' },
      up,
      sinkCheck(permanent),
    );
    expect(r.status).toBe('unavailable');
    expect(r.reason).toBe(
      "Kafka unreachable: Connection error: connect ECONNREFUSED 127.0.0.1:9092; sink in a permanent error: MySQL refuses the sink's writes: INSERT command denied",
    );
  });

  it('does not fail for a sink retrying a passing outage, nor for a process without a sink', () => {
    expect(sinkCheck({ kind: 'error', message: 'lock wait timeout', willRetry: true })).toEqual({
      ok: true,
      detail: 'retrying: lock wait timeout',
    });
    expect(sinkCheck(null)).toEqual({ ok: true, detail: 'no sink in this process' });
  });

  it('gives up waiting for a probe at the deadline, and asks again only after the cache expires', async () => {
    let kafkaCalls = 0;
    const check = new HealthCheck(
      probes({
        kafka: () => {
          kafkaCalls++;
          return new Promise<Check>(() => {});
        },
      }),
      { timeoutMs: 50, cacheMs: 1000 },
    );
    const first = await check.report(0);
    expect(first.status).toBe('unavailable');
    expect(first.reason).toBe('Kafka unreachable: Kafka did not answer within 50 ms');
    expect(await check.report(500)).toBe(first);
    await check.report(2000);
    // The hung probe is joined, not started a second time.
    expect(kafkaCalls).toBe(1);
  });

  it('reports a probe that throws as that check failing', async () => {
    const check = new HealthCheck(probes({ mysql: () => Promise.reject(new Error('ECONNREFUSED')) }));
    const r = await check.report();
    expect(r.reason).toBe('MySQL unreachable: ECONNREFUSED');
    expect(r.checks.kafka.ok).toBe(true);
  });
});

describe('metrics HTTP endpoint', () => {
  let server: MetricsServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  async function serve(report: HealthReport): Promise<string> {
    const registry = new Registry();
    server = await startMetricsServer({
      host: '127.0.0.1',
      port: 0,
      registry,
      health: () => Promise.resolve(report),
      logger: createLogger('test'),
    });
    return server.url;
  }

  it('serves the registry at /metrics, the health report at /healthz (200 or 503), 404 and 405 otherwise', async () => {
    const url = await serve(healthReport(up, { ok: false, detail: 'ECONNREFUSED' }, sinkCheck(null)));
    const metrics = await fetch(`${url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(503);
    expect(health.headers.get('content-type')).toBe('application/json');
    expect(((await health.json()) as HealthReport).reason).toBe('MySQL unreachable: ECONNREFUSED');
    expect((await fetch(`${url}/nothing`)).status).toBe(404);
    expect((await fetch(`${url}/metrics`, { method: 'POST' })).status).toBe(405);
  });

  it('answers 200 when healthy', async () => {
    const url = await serve(healthReport(up, up, sinkCheck({ kind: 'running' })));
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
  });

  it('says which port is taken', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', () => resolve()));
    const { port } = taken.address() as net.AddressInfo;
    try {
      const attempt = startMetricsServer({
        host: '127.0.0.1',
        port,
        registry: new Registry(),
        health: () => Promise.reject(new Error('unused')),
        logger: createLogger('test'),
      });
      await expect(attempt).rejects.toThrow(MetricsListenError);
      await expect(attempt).rejects.toThrow(`cannot serve metrics on 127.0.0.1:${port}: the port is in use`);
    } finally {
      taken.close();
    }
  });
});
