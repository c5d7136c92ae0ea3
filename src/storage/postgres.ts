import { createHash } from 'node:crypto';
import pg from 'pg';
import { assertStorable, StoreUnavailableError, type Database, type Sql, type TransactionOptions } from './database.js';

/**
 * How long the store may take. A partition (connections open, nothing flowing) must end
 * in an error, never in a request that waits forever: the server cancels a statement
 * after STATEMENT_MS, the client gives up on an answer after QUERY_MS (and the pool
 * throws that connection away), and a new connection gets CONNECT_MS.
 */
export const PG_TIMEOUTS = { connectMs: 5000, statementMs: 10_000, queryMs: 12_000, idleInTransactionMs: 30_000, keepAliveMs: 10_000 };

const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  '57P01',
  '57P02',
  '57P03', // admin shutdown, crash shutdown, cannot connect now
  '08000',
  '08001',
  '08003',
  '08004',
  '08006', // connection exceptions
  '53000',
  '53100',
  '53200',
  '53300', // insufficient resources: disk full, out of memory, too many connections
  '57014', // statement timeout (query_canceled)
  '25P03', // idle in transaction timeout
  '40001',
  '40P01', // serialization failure, deadlock: retry later
]);

/** Failures of the store rather than of the SQL: the request may be retried later. */
export function isUnavailable(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  if (!e) return false;
  if (UNAVAILABLE_CODES.has(e.code ?? '')) return true;
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Query read timeout|not queryable|Client has encountered a connection error|Connection ended/i.test(
    e.message ?? '',
  );
}

function wrap(err: unknown): never {
  if (isUnavailable(err)) throw new StoreUnavailableError('the database is unavailable; retry in a few seconds', { cause: err });
  throw err;
}

/**
 * A statement with parameters goes as a named prepared statement: each connection parses
 * and plans it once, then only binds and executes. The name is the text's hash, so the
 * same text is the same statement on every connection. Statements without parameters
 * (migrations' DDL, several statements in one text) go as simple queries, and so do
 * those with a `*` in them: a column added by a migration on another instance would
 * change the shape of `SELECT *` under the cached plan, which PostgreSQL refuses.
 */
const statementNames = new Map<string, string>();
function statement(sql: string, params: readonly unknown[]): string | pg.QueryConfig {
  if (params.length === 0) return sql;
  if (sql.includes('*')) return { text: sql, values: params as unknown[] };
  let name = statementNames.get(sql);
  if (!name) {
    name = `s${createHash('sha1').update(sql).digest('hex').slice(0, 20)}`;
    if (statementNames.size < 5000) statementNames.set(sql, name);
  }
  return { name, text: sql, values: params as unknown[] };
}

/**
 * PostgreSQL through pg pools, for several server processes sharing one store.
 * Every client has an 'error' listener (a reset on a checked-out client would otherwise
 * end the process), statements and answers have timeouts, TCP keepalive notices dead
 * peers, and a connection that failed is never handed out again: the pool heals by
 * itself when the network or the server comes back.
 *
 * Two pools: durable work (tickets, every default write) on connections with the
 * server's synchronous commit, and relaxed work (`{ durable: false }`: conversation state,
 * chat logs, transcripts) on connections opened with `synchronous_commit=off`, so a
 * relaxed write needs no `SET LOCAL` round trip and a relaxed single statement needs no
 * transaction at all. Relaxed commits survive a lost connection or a process crash
 * (PostgreSQL has them); only a crash of the database server's machine may lose the
 * last fraction of a second of them.
 */
export class PostgresDatabase implements Database {
  readonly kind = 'postgres' as const;
  private readonly pool: pg.Pool;
  private readonly relaxed: pg.Pool;

  constructor(connectionString: string, options: { schema?: string; max?: number; onError?: (err: Error) => void } = {}) {
    const onError = options.onError ?? (() => undefined);
    const open = (settings: string[]) => {
      const pool = new pg.Pool({
        connectionString,
        max: options.max ?? 10,
        connectionTimeoutMillis: PG_TIMEOUTS.connectMs,
        idleTimeoutMillis: 30_000,
        statement_timeout: PG_TIMEOUTS.statementMs,
        query_timeout: PG_TIMEOUTS.queryMs,
        idle_in_transaction_session_timeout: PG_TIMEOUTS.idleInTransactionMs,
        keepAlive: true,
        keepAliveInitialDelayMillis: PG_TIMEOUTS.keepAliveMs,
        options: settings.length > 0 ? settings.join(' ') : undefined,
      });
      // Idle clients report through the pool; checked-out ones only through themselves.
      pool.on('error', onError);
      pool.on('connect', (client) => client.on('error', onError));
      return pool;
    };
    const schema = options.schema ? [`-c search_path=${options.schema}`] : [];
    this.pool = open(schema);
    this.relaxed = open([...schema, '-c synchronous_commit=off']);
  }

  private static sql(client: pg.Pool | pg.PoolClient): Sql {
    return {
      query: async <T>(sql: string, params: readonly unknown[] = []) => {
        assertStorable(params);
        return (await client.query(statement(sql, params)).catch(wrap)).rows as T[];
      },
      run: async (sql: string, params: readonly unknown[] = []) => {
        assertStorable(params);
        return (await client.query(statement(sql, params)).catch(wrap)).rowCount ?? 0;
      },
    };
  }

  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]> {
    return PostgresDatabase.sql(this.pool).query<T>(sql, params);
  }

  run(sql: string, params?: readonly unknown[], options: TransactionOptions = {}): Promise<number> {
    return PostgresDatabase.sql(options.durable === false ? this.relaxed : this.pool).run(sql, params);
  }

  async transaction<T>(fn: (tx: Sql) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    const client = await (options.durable === false ? this.relaxed : this.pool).connect().catch(wrap);
    let broken = false;
    try {
      await client.query('BEGIN');
      const result = await fn(PostgresDatabase.sql(client));
      await client.query('COMMIT');
      return result;
    } catch (err) {
      broken = isUnavailable(err) || isUnavailable((err as { cause?: unknown })?.cause);
      if (!broken) await client.query('ROLLBACK').catch(() => (broken = true));
      if (isUnavailable(err)) wrap(err);
      throw err;
    } finally {
      // A connection that failed or timed out is destroyed, not returned to the pool.
      client.release(broken);
    }
  }

  async ping(timeoutMs = 2000): Promise<void> {
    await this.pool.query({ text: 'SELECT 1', query_timeout: timeoutMs } as pg.QueryConfig).catch(wrap);
  }

  async close(): Promise<void> {
    await Promise.all([this.pool.end(), this.relaxed.end()]);
  }
}
