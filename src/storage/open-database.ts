import { join } from 'node:path';
import type { Database } from './database.js';
import { migrate } from './migrations.js';
import { PostgresDatabase } from './postgres.js';
import { SqliteDatabase } from './sqlite.js';

/** PostgreSQL when DATABASE_URL is set, otherwise embedded SQLite under DATA_DIR; migrated. */
export async function openDatabase(opts: { databaseUrl?: string; dataDir: string; pgSchema?: string }): Promise<Database> {
  const db = opts.databaseUrl
    ? new PostgresDatabase(opts.databaseUrl, { schema: opts.pgSchema })
    : new SqliteDatabase(join(opts.dataDir, 'assistant.db'));
  await migrate(db);
  return db;
}
