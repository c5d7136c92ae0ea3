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
  /**
   * One write statement on its own (atomic by itself), with the durability of a
   * transaction given these options: `{ durable: false }` is one round trip where a
   * relaxed transaction of one statement would be four.
   */
  run(sql: string, params?: readonly unknown[], options?: TransactionOptions): Promise<number>;
  /** Runs fn in one transaction: committed if it resolves, rolled back if it throws. */
  transaction<T>(fn: (tx: Sql) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /** Resolves if the store answers a trivial query within timeoutMs (readiness probes). */
  ping(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * The store cannot be reached or cannot take the write now (down, partitioned, full disk,
 * out of connections), as opposed to a bad request: HTTP maps it to 503 + Retry-After.
 * The message is for the caller; the driver's error, with its internals, is the cause.
 */
export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';
}

/**
 * A text value the stores refuse to keep (U+0000: PostgreSQL rejects it, so SQLite does
 * too, to keep both stores alike). Boundaries reject it first with the field's name
 * (see storableText); this is the last line for anything that slips through.
 */
export class UnstorableTextError extends Error {
  override name = 'UnstorableTextError';
}

/** Refuses parameters the stores would not keep alike; runs before every statement. */
export function assertStorable(params: readonly unknown[]): void {
  for (const p of params) {
    if (typeof p === 'string' && p.includes('\u0000')) throw new UnstorableTextError('text must not contain the NUL character (U+0000)');
  }
}

/** A unique constraint refused a row; stores turn it into their own meaning. */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return e?.code === '23505' || e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
