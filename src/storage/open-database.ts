import { join } from 'node:path';
import type { Database } from './database.js';
import { migrate } from './migrations.js';
import { PostgresDatabase } from './postgres.js';
import { SqliteDatabase } from './sqlite.js';

/** PostgreSQL when DATABASE_URL is set, otherwise embedded SQLite under DATA_DIR; migrated. */
export async function openDatabase(opts: {
  databaseUrl?: string;
  dataDir: string;
  pgSchema?: string;
  /** Connection errors PostgreSQL clients report on their own (the pool replaces the client). */
  onError?: (err: Error) => void;
}): Promise<Database> {
  const db = opts.databaseUrl
    ? new PostgresDatabase(opts.databaseUrl, { schema: opts.pgSchema, onError: opts.onError })
    : new SqliteDatabase(join(opts.dataDir, 'assistant.db'));
  try {
    await migrate(db);
  } catch (err) {
    await db.close().catch(() => undefined);
    throw err;
  }
  return db;
}
