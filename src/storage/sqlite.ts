import BetterSqlite3 from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Database, Sql, TransactionOptions } from './database.js';

/** $1, $2 … → ?, with the parameters reordered to match (a placeholder may repeat). */
function toSqlite(sql: string, params: readonly unknown[]): [string, unknown[]] {
  const ordered: unknown[] = [];
  const text = sql.replace(/\$(\d+)/g, (_, n: string) => {
    ordered.push(normalise(params[Number(n) - 1]));
    return '?';
  });
  return [text, ordered];
}

/** better-sqlite3 binds numbers, strings, bigints, buffers and null; booleans become 0/1. */
function normalise(v: unknown): unknown {
  if (v === undefined) return null;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return v;
}

/**
 * Embedded SQLite (better-sqlite3) in WAL mode with synchronous=FULL, so a write that
 * returned is on disk even if the machine loses power. better-sqlite3 is synchronous
 * and there is one connection, so every operation is queued: an async transaction
 * must not see another request's statements interleaved between its own.
 */
export class SqliteDatabase implements Database {
  readonly kind = 'sqlite' as const;
  private readonly db: BetterSqlite3.Database;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new BetterSqlite3(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private readonly direct: Sql = {
    query: async <T>(sql: string, params: readonly unknown[] = []) => {
      const [text, args] = toSqlite(sql, params);
      const stmt = this.db.prepare(text);
      return (stmt.reader ? stmt.all(...args) : (stmt.run(...args), [])) as T[];
    },
    run: async (sql: string, params: readonly unknown[] = []) => {
      const [text, args] = toSqlite(sql, params);
      return this.db.prepare(text).run(...args).changes;
    },
  };

  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]> {
    return this.exclusive(() => this.direct.query<T>(sql, params));
  }

  run(sql: string, params?: readonly unknown[]): Promise<number> {
    return this.exclusive(() => this.direct.run(sql, params));
  }

  transaction<T>(fn: (tx: Sql) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    return this.exclusive(async () => {
      // In WAL mode, NORMAL skips the fsync at commit; the next FULL commit flushes it too.
      const relaxed = options.durable === false;
      if (relaxed) this.db.pragma('synchronous = NORMAL');
      this.db.exec('BEGIN IMMEDIATE');
      try {
        const result = await fn(this.direct);
        this.db.exec('COMMIT');
        return result;
      } catch (err) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw err;
      } finally {
        if (relaxed) this.db.pragma('synchronous = FULL');
      }
    });
  }

  async close(): Promise<void> {
    await this.exclusive(async () => this.db.close());
  }
}
