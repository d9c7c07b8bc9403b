/**
 * The SELECT-only account that `query` and the SQL prompt use. `stack up` creates it with a random password
 * kept in `<stateDir>/reader.secret` (mode 0600); `readerUrl` builds the account's URL from that file unless
 * `mysql.readerUrl` is configured.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/config.ts';
import { READER_USER } from '../storage/schema.ts';
import { stackPaths } from './paths.ts';

export function readReaderSecret(stateDir: string): string | null {
  const file = stackPaths(stateDir).readerSecret;
  if (!existsSync(file)) return null;
  const secret = readFileSync(file, 'utf8').trim();
  return secret || null;
}

/** Returns the stored reader password, creating one (0600) on first use. */
export function ensureReaderSecret(stateDir: string): { password: string; created: boolean } {
  const existing = readReaderSecret(stateDir);
  if (existing) return { password: existing, created: false };
  const file = stackPaths(stateDir).readerSecret;
  mkdirSync(path.dirname(file), { recursive: true });
  const password = randomBytes(24).toString('base64url');
  writeFileSync(file, `${password}\n`, { mode: 0o600 });
  chmodSync(file, 0o600); // the mode above does not apply when the file already existed (empty)
  return { password, created: true };
}

/** The reader account's URL on the configured server and database (it contains the password: never print it). */
export function readerUrl(config: Config): string {
  if (config.mysql.readerUrl) return config.mysql.readerUrl;
  const password = readReaderSecret(config.stateDir);
  if (!password) {
    throw new Error(
      `no read-only MySQL account yet (${stackPaths(config.stateDir).readerSecret} is missing): run "tollstream stack up" or set mysql.readerUrl`,
    );
  }
  const u = new URL(config.mysql.url);
  u.username = READER_USER;
  u.password = encodeURIComponent(password);
  return u.toString();
}
