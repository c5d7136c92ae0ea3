/**
 * The one SQL interface the stores are written against. SQL uses PostgreSQL's $1, $2 …
 * placeholders and a portable subset (TEXT times in ISO 8601 UTC, INTEGER versions,
 * ON CONFLICT, RETURNING), so the same statements run on SQLite and PostgreSQL.
 */
export interface Sql {
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** For writes: how many rows changed. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
}

export interface TransactionOptions {
  /**
   * false for chatty, recoverable data (conversation state, chat logs): the commit
   * survives a process crash but is not flushed to disk on its own, so the last
   * moments may be lost on power failure. Tickets keep the default: every commit on disk.
   */
  durable?: boolean;
}

export interface Database extends Sql {
  readonly kind: 'sqlite' | 'postgres';
  /** Runs fn in one transaction: committed if it resolves, rolled back if it throws. */
  transaction<T>(fn: (tx: Sql) => Promise<T>, options?: TransactionOptions): Promise<T>;
  close(): Promise<void>;
}

/** The store cannot be reached (as opposed to a bad request): HTTP maps it to 503. */
export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';
}

/** A unique constraint refused a row; stores turn it into their own meaning. */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return e?.code === '23505' || e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
