import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/config.ts';
import { ensureReaderSecret, readerUrl } from '../../../src/stack/reader.ts';

const tmp = (): string => mkdtempSync(path.join(tmpdir(), 'reader-'));

describe('reader secret', () => {
  it('is created once with mode 0600 and reused afterwards', () => {
    const dir = path.join(tmp(), 'state');
    const first = ensureReaderSecret(dir);
    expect(first.created).toBe(true);
    expect(first.password).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(statSync(path.join(dir, 'reader.secret')).mode & 0o777).toBe(0o600);
    expect(ensureReaderSecret(dir)).toEqual({ password: first.password, created: false });
  });
});

describe('readerUrl', () => {
  it('builds the reader URL on the configured server and database from the secret file', () => {
    const stateDir = tmp();
    writeFileSync(path.join(stateDir, 'reader.secret'), 'p@ss/word\n');
    const cfg = loadConfig({ stateDir, mysqlUrl: 'mysql://root@db.local:3307/tolls' }, {}, '/tmp');
    const u = new URL(readerUrl(cfg));
    expect(u.username).toBe('tollstream_reader');
    expect(decodeURIComponent(u.password)).toBe('p@ss/word');
    expect(`${u.hostname}:${u.port}${u.pathname}`).toBe('db.local:3307/tolls');
  });

  it('prefers mysql.readerUrl when configured', () => {
    const cfg = loadConfig({ stateDir: tmp() }, { TOLLSTREAM_MYSQL_READER_URL: 'mysql://ro:x@h/db' }, '/tmp');
    expect(readerUrl(cfg)).toBe('mysql://ro:x@h/db');
  });

  it('says what to run when there is no secret yet, without printing one', () => {
    const cfg = loadConfig({ stateDir: tmp() }, {}, '/tmp');
    expect(() => readerUrl(cfg)).toThrow(/run "tollstream stack up" or set mysql\.readerUrl/);
  });
});
