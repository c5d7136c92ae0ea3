import BetterSqlite3 from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { assertStorable, StoreUnavailableError, type Database, type Sql, type TransactionOptions } from './database.js';

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

/** Failures of the file rather than of the SQL (disk full, I/O error, locked, read-only): retry later. */
const UNAVAILABLE = /^SQLITE_(FULL|IOERR|BUSY|LOCKED|READONLY|CANTOPEN|NOMEM|PROTOCOL|CORRUPT|NOTADB)/;

function wrap(err: unknown): never {
  const code = (err as { code?: string } | undefined)?.code ?? '';
  if (UNAVAILABLE.test(code)) throw new StoreUnavailableError('the database cannot take this now; retry in a few seconds', { cause: err });
  throw err;
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
      assertStorable(params);
      const [text, args] = toSqlite(sql, params);
      try {
        const stmt = this.db.prepare(text);
        return (stmt.reader ? stmt.all(...args) : (stmt.run(...args), [])) as T[];
      } catch (err) {
        wrap(err);
      }
    },
    run: async (sql: string, params: readonly unknown[] = []) => {
      assertStorable(params);
      const [text, args] = toSqlite(sql, params);
      try {
        return this.db.prepare(text).run(...args).changes;
      } catch (err) {
        wrap(err);
      }
    },
  };

  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]> {
    return this.exclusive(() => this.direct.query<T>(sql, params));
  }

  run(sql: string, params?: readonly unknown[], options: TransactionOptions = {}): Promise<number> {
    if (options.durable !== false) return this.exclusive(() => this.direct.run(sql, params));
    return this.exclusive(async () => {
      this.db.pragma('synchronous = NORMAL'); // as a relaxed transaction (below): no fsync at this commit
      try {
        return await this.direct.run(sql, params);
      } finally {
        this.db.pragma('synchronous = FULL');
      }
    });
  }

  transaction<T>(fn: (tx: Sql) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    return this.exclusive(async () => {
      // In WAL mode, NORMAL skips the fsync at commit; the next FULL commit flushes it too.
      const relaxed = options.durable === false;
      if (relaxed) this.db.pragma('synchronous = NORMAL');
      try {
        this.db.exec('BEGIN IMMEDIATE');
        const result = await fn(this.direct);
        this.db.exec('COMMIT');
        return result;
      } catch (err) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        wrap(err);
      } finally {
        if (relaxed) this.db.pragma('synchronous = FULL');
      }
    });
  }

  async ping(): Promise<void> {
    await this.query('SELECT 1');
  }

  async close(): Promise<void> {
    await this.exclusive(async () => this.db.close());
  }
}
