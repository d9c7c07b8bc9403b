/** Applies schema.sql idempotently and manages the SELECT-only account used by queries. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Storage } from './db.ts';
import { escapeId, escapeValue, splitSqlScript } from './db.ts';

export const SCHEMA_FILE = fileURLToPath(new URL('../../schema.sql', import.meta.url));
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
    for (const s of statements) await tx.execute(s);
  });
  return schemaFileVersion(script);
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
