/**
 * Kafka's own ProducerPerformance against the same broker: the ceiling a JVM client reaches with the same
 * acks=all, as a reference for tollstream's numbers. Runs with a bounded heap from the stack's jar cache.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { existsSync } from 'node:fs';
import { javaBinary } from '../stack/jvm.ts';
import { jarCache } from '../stack/paths.ts';

export interface PerfToolResult {
  records: number;
  recordsPerSec: number;
  mbPerSec: number;
  avgLatencyMs: number;
  maxLatencyMs: number;
  p50Ms: number;
  p99Ms: number;
}

/** Parses the final summary line of ProducerPerformance. */
export function parsePerfToolOutput(output: string): PerfToolResult | null {
  const m =
    /(\d+) records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency, ([\d.]+) ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th/.exec(
      output,
    );
  if (!m) return null;
  return {
    records: Number(m[1]),
    recordsPerSec: Number(m[2]),
    mbPerSec: Number(m[3]),
    avgLatencyMs: Number(m[4]),
    maxLatencyMs: Number(m[5]),
    p50Ms: Number(m[6]),
    p99Ms: Number(m[8]),
  };
}

export async function runPerfTool({
  brokers,
  topic,
  records,
  recordSize = 200,
  signal,
}: {
  brokers: string[];
  topic: string;
  records: number;
  recordSize?: number;
  signal?: AbortSignal;
}): Promise<PerfToolResult> {
  const jars = jarCache().dir;
  if (!existsSync(jars))
    throw new Error(`no Kafka jars at ${jars}; run "tollstream stack up" once to fetch them`);
  const args = [
    '-Xmx512m',
    '-cp',
    path.join(jars, '*'),
    'org.apache.kafka.tools.ProducerPerformance',
    '--topic',
    topic,
    '--num-records',
    String(records),
    '--record-size',
    String(recordSize),
    '--throughput',
    '-1',
    '--producer-props',
    `bootstrap.servers=${brokers.join(',')}`,
    'acks=all',
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(javaBinary(), args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(signal ? { signal } : {}),
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out = (out + d.toString()).slice(-8192);
    });
    child.stderr.on('data', (d: Buffer) => {
      err = (err + d.toString()).slice(-8192);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const parsed = parsePerfToolOutput(out);
      if (code === 0 && parsed) resolve(parsed);
      else
        reject(
          new Error(
            `ProducerPerformance exited ${code}: ${(err || out).trim().split('\n').slice(-3).join(' | ')}`,
          ),
        );
    });
  });
}
