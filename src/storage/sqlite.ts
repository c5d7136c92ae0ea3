import BetterSqlite3 from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { assertStorable, StoreUnavailableError, type Database, type Sql, type TransactionOptions } from './database.js';

/** A statement in SQLite's dialect: `$1, $2 …` → `?`, and which parameter each `?` takes (a placeholder may repeat). */
interface Translated {
  text: string;
  order: number[];
}

function translate(sql: string): Translated {
  const order: number[] = [];
  const text = sql.replace(/\$(\d+)/g, (_, n: string) => {
    order.push(Number(n) - 1);
    return '?';
  });
  return { text, order };
}

/** better-sqlite3 binds numbers, strings, bigints, buffers and null; booleans become 0/1. */
function normalise(v: unknown): unknown {
  if (v === undefined) return null;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return v;
}

const STATEMENT_CACHE_SIZE = 256;

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
  /**
   * Compiled statements by their SQL. A chat turn runs the same dozen statements every
   * time; compiling them anew was a sixth of the database's share of a turn. Bounded,
   * because statements with a variable IN list have many texts.
   */
  private readonly statements = new Map<string, { stmt: BetterSqlite3.Statement; order: number[] }>();
  private readonly syncNormal: BetterSqlite3.Statement;
  private readonly syncFull: BetterSqlite3.Statement;
  private readonly begin: BetterSqlite3.Statement;
  private readonly commit: BetterSqlite3.Statement;

  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new BetterSqlite3(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    this.syncNormal = this.db.prepare('PRAGMA synchronous = NORMAL');
    this.syncFull = this.db.prepare('PRAGMA synchronous = FULL');
    this.begin = this.db.prepare('BEGIN IMMEDIATE');
    this.commit = this.db.prepare('COMMIT');
  }

  /** The compiled statement for this SQL and its arguments in `?` order. */
  private prepared(sql: string, params: readonly unknown[]): [BetterSqlite3.Statement, unknown[]] {
    let entry = this.statements.get(sql);
    if (entry) {
      // Most recently used last: the Map's insertion order is the eviction order.
      this.statements.delete(sql);
      this.statements.set(sql, entry);
    } else {
      const { text, order } = translate(sql);
      entry = { stmt: this.db.prepare(text), order };
      this.statements.set(sql, entry);
      if (this.statements.size > STATEMENT_CACHE_SIZE) this.statements.delete(this.statements.keys().next().value!);
    }
    return [entry.stmt, entry.order.map((i) => normalise(params[i]))];
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private readonly direct: Sql = {
    query: async <T>(sql: string, params: readonly unknown[] = []) => {
      assertStorable(params);
      try {
        const [stmt, args] = this.prepared(sql, params);
        return (stmt.reader ? stmt.all(...args) : (stmt.run(...args), [])) as T[];
      } catch (err) {
        wrap(err);
      }
    },
    run: async (sql: string, params: readonly unknown[] = []) => {
      assertStorable(params);
      try {
        const [stmt, args] = this.prepared(sql, params);
        return stmt.run(...args).changes;
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
      this.syncNormal.run(); // as a relaxed transaction (below): no fsync at this commit
      try {
        return await this.direct.run(sql, params);
      } finally {
        this.syncFull.run();
      }
    });
  }

  transaction<T>(fn: (tx: Sql) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    return this.exclusive(async () => {
      // In WAL mode, NORMAL skips the fsync at commit; the next FULL commit flushes it too.
      const relaxed = options.durable === false;
      if (relaxed) this.syncNormal.run();
      try {
        this.begin.run();
        const result = await fn(this.direct);
        this.commit.run();
        return result;
      } catch (err) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        wrap(err);
      } finally {
        if (relaxed) this.syncFull.run();
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
