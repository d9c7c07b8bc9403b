import { spawn } from 'node:child_process';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  isAlive,
  isOurProcess,
  meaningfulTail,
  portFree,
  portOpen,
  stopProcess,
  tailLog,
  whoListens,
} from '../../../src/stack/processes.ts';

describe('meaningfulTail', () => {
  it('shows the fatal error and its exception instead of the shutdown chatter after it', () => {
    const log = [
      '[t] INFO starting (kafka.server.KafkaServer)',
      '[t] ERROR Exiting Kafka due to fatal exception during startup. (kafka.Kafka$)',
      'org.apache.zookeeper.KeeperException$NodeExistsException: KeeperErrorCode = NodeExists',
      '\tat org.apache.zookeeper.KeeperException.create(KeeperException.java:126)',
      '\t... 12 more',
      '[t] INFO [KafkaServer id=0] shutting down (kafka.server.KafkaServer)',
    ].join('\n');
    expect(meaningfulTail(log, 3)).toEqual([
      '[t] INFO starting (kafka.server.KafkaServer)',
      '[t] ERROR Exiting Kafka due to fatal exception during startup. (kafka.Kafka$)',
      'org.apache.zookeeper.KeeperException$NodeExistsException: KeeperErrorCode = NodeExists',
    ]);
  });

  it('without an error, the last lines', () => {
    expect(meaningfulTail('a\nb\n\nc\n', 2)).toEqual(['b', 'c']);
  });
});

describe('tailLog', () => {
  it('ignores what was in the file before this run', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'tail-')), 'x.log');
    writeFileSync(file, 'ERROR old failure\n');
    const from = 'ERROR old failure\n'.length;
    writeFileSync(file, 'ERROR old failure\nnew line\n');
    expect(await tailLog(file, { fromByte: from })).toEqual(['new line']);
    expect(await tailLog(path.join(path.dirname(file), 'missing.log'))).toEqual([]);
  });
});

describe('ports', () => {
  it('sees a listener as taken and names its process', async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const { port } = server.address() as AddressInfo;
    try {
      expect(await portFree('127.0.0.1', port)).toBe(false);
      expect(await portOpen('127.0.0.1', port)).toBe(true);
      expect(whoListens(port)?.pid).toBe(process.pid);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
    expect(await portFree('127.0.0.1', port)).toBe(true);
    expect(await portOpen('127.0.0.1', port, 300)).toBe(false);
  });
});

describe('process identity and stopping', () => {
  it('recognises a process only by the arguments it was started with, and stops it', async () => {
    const child = spawn(
      process.execPath,
      ['-e', 'setInterval(() => {}, 1000)', '--', '-Dtollstream.stack=/x'],
      {
        stdio: 'ignore',
      },
    );
    const pid = child.pid!;
    try {
      expect(isAlive(pid)).toBe(true);
      expect(isOurProcess(pid, '-Dtollstream.stack=/x')).toBe(true);
      expect(isOurProcess(pid, '-Dtollstream.stack=/y')).toBe(false);
      expect(isOurProcess(null, '-Dtollstream.stack=/x')).toBe(false);
      expect(await stopProcess(pid, { graceMs: 5000 })).toBe('stopped');
      expect(isAlive(pid)).toBe(false);
      expect(await stopProcess(pid)).toBe('gone');
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('falls back to SIGKILL when SIGTERM is ignored', async () => {
    const child = spawn(
      process.execPath,
      ['-e', "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000); console.log('ready')"],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    await new Promise((r) => child.stdout!.once('data', r));
    expect(await stopProcess(child.pid!, { graceMs: 300 })).toBe('killed');
    expect(isAlive(child.pid!)).toBe(false);
  });
});
