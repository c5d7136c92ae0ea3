import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Database } from '../../src/storage/database.js';
import { migrate } from '../../src/storage/migrations.js';
import { PostgresDatabase } from '../../src/storage/postgres.js';
import { SqliteDatabase } from '../../src/storage/sqlite.js';

/** The PostgreSQL the tests use (this machine's, trust auth); override with TEST_DATABASE_URL. */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  db: Database;
  /** For PostgreSQL: the private schema this test uses (search_path). */
  schema?: string;
  dataDir?: string;
  cleanup(): Promise<void>;
}

/** A fresh, migrated SQLite file in a temp folder. */
export async function sqliteDatabase(): Promise<TestDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sqlite-'));
  const db = new SqliteDatabase(join(dataDir, 'assistant.db'));
  await migrate(db);
  return {
    db,
    dataDir,
    async cleanup() {
      await db.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A fresh schema in the test PostgreSQL, migrated, dropped afterwards. */
export async function postgresDatabase(): Promise<TestDatabase> {
  const schema = await createSchema();
  const db = new PostgresDatabase(TEST_DATABASE_URL, { schema });
  await migrate(db);
  return {
    db,
    schema,
    async cleanup() {
      await db.close();
      await dropSchema(schema);
    },
  };
}

export async function createSchema(): Promise<string> {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  await client.query(`CREATE SCHEMA ${schema}`);
  await client.end();
  return schema;
}

export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await client.end();
}

export const BACKENDS: [string, () => Promise<TestDatabase>][] = [
  ['SQLite', sqliteDatabase],
  ['PostgreSQL', postgresDatabase],
];
