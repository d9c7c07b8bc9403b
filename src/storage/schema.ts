/** Applies schema.sql idempotently and manages the SELECT-only account used by queries. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT } from '../util/package-root.ts';
import type { Storage, Transaction } from './db.ts';
import { escapeId, escapeValue, splitSqlScript } from './db.ts';
import { rebuildRollups } from './rollups.ts';

export const SCHEMA_FILE = path.join(PACKAGE_ROOT, 'schema.sql');
export const READER_USER = 'tollstream_reader';

/** The schema version schema.sql records; `stack status` compares it with the database's. */
export function schemaFileVersion(script = readFileSync(SCHEMA_FILE, 'utf8')): number {
  const m = /INSERT INTO schema_version \(id, version, applied_at\) VALUES \(1, (\d+),/.exec(script);
  if (!m) throw new Error('schema.sql does not record a schema version');
  return Number(m[1]);
}

/** Runs schema.sql against `database` (schema.sql names `tollstream`; other names are substituted). */
export async function applySchema(storage: Storage, database: string): Promise<number> {
  const script = readFileSync(SCHEMA_FILE, 'utf8');
  const statements = splitSqlScript(script).map((s) =>
    s.replace(/^(CREATE DATABASE IF NOT EXISTS|USE) tollstream\b/, `$1 ${escapeId(database)}`),
  );
  await storage.transaction(async (tx) => {
    for (const s of statements) {
      // Upgrades run before the version is recorded, so a failed one is tried again next time.
      if (s.startsWith('INSERT INTO schema_version')) await upgrade(tx, database);
      await tx.execute(s);
    }
  });
  return schemaFileVersion(script);
}

/**
 * Brings tables created by an older schema.sql up to date: `CREATE TABLE IF NOT EXISTS` leaves an existing table
 * as it is, and MySQL 8 (unlike MariaDB) has no `ADD COLUMN IF NOT EXISTS`. Each step checks before it changes.
 * Version 3 only adds tables (passages_staging, payments_staging, imports): schema.sql's own statements create
 * them in a database of version 2, so it needs no step here. Runs just before the version is recorded, so
 * schema_version still holds the database's version (no row: a database schema.sql has just created).
 */
async function upgrade(tx: Transaction, database: string): Promise<void> {
  const [recorded] = await tx.query<{ version: number }>('SELECT version FROM schema_version WHERE id = 1');
  const missing = async (table: string, columns: string[]): Promise<Set<string>> => {
    const present = await tx.query<{ c: string }>(
      'SELECT column_name AS c FROM information_schema.columns WHERE table_schema = ? AND table_name = ? AND column_name IN (?)',
      [database, table, columns],
    );
    const have = new Set(present.map((r) => r.c.toLowerCase()));
    return new Set(columns.filter((c) => !have.has(c)));
  };
  // Version 2: the topic incarnation of each stored sink offset. Old rows get NULL ("not recorded"): the sink
  // decides per partition whether the current incarnation is theirs (src/engines/sink/incarnation.ts).
  if ((await missing('sink_offsets', ['topic_id'])).size) {
    await tx.execute(
      'ALTER TABLE sink_offsets ADD COLUMN topic_id CHAR(22) CHARACTER SET ascii COLLATE ascii_bin NULL AFTER next_offset',
    );
  }
  // Version 4: the plaza message's optional reference data; NULL until the plaza's next record carries it.
  const plazaColumns: Record<string, string> = {
    tariffs: 'TEXT NULL',
    currency: 'CHAR(3) CHARACTER SET ascii COLLATE ascii_bin NULL',
    latitude: 'DOUBLE NULL',
    longitude: 'DOUBLE NULL',
  };
  const absent = await missing('plazas', Object.keys(plazaColumns));
  if (absent.size) {
    const adds = [...absent].map((c) => `ADD COLUMN ${c} ${plazaColumns[c]}`);
    await tx.execute(`ALTER TABLE plazas ${adds.join(', ')}`);
  }
  // Version 4: rollups of the rows stored before the sink kept them, counted once. Every statement of schema.sql
  // so far was DDL and committed on its own; from here one transaction holds the count and the version row, so
  // an upgrade that fails half way records nothing and counts everything again next time.
  if (recorded && recorded.version < 4) {
    await tx.execute('START TRANSACTION');
    await rebuildRollups(tx);
  }
}

export async function databaseSchemaVersion(storage: Storage): Promise<number | null> {
  try {
    const rows = await storage.query<{ version: number }>('SELECT version FROM schema_version WHERE id = 1');
    return rows[0]?.version ?? null;
  } catch {
    return null;
  }
}

/** Creates (or re-keys) the SELECT-only account on `database`. */
export async function ensureReaderAccount(
  storage: Storage,
  database: string,
  password: string,
): Promise<void> {
  for (const host of ['%', 'localhost']) {
    const account = `${escapeValue(READER_USER)}@${escapeValue(host)}`;
    await storage.execute(`CREATE USER IF NOT EXISTS ${account} IDENTIFIED BY ${escapeValue(password)}`);
    await storage.execute(`ALTER USER ${account} IDENTIFIED BY ${escapeValue(password)}`);
    await storage.execute(`GRANT SELECT ON ${escapeId(database)}.* TO ${account}`);
  }
}
