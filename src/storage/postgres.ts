import pg from 'pg';
import { StoreUnavailableError, type Database, type Sql, type TransactionOptions } from './database.js';

/** Connection-level failures (server down, restarting, unreachable) as opposed to SQL errors. */
function isConnectionError(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  if (!e) return false;
  if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', '57P01', '57P02', '57P03', '08006', '08001', '08003'].includes(e.code ?? '')) {
    return true;
  }
  return /Connection terminated|connection timeout|Client has encountered a connection error/i.test(e.message ?? '');
}

function wrap(err: unknown): never {
  if (isConnectionError(err)) throw new StoreUnavailableError(`database unavailable: ${(err as Error).message}`);
  throw err;
}

/**
 * PostgreSQL through a pg pool, for several server processes sharing one store.
 * Connection failures surface as StoreUnavailableError; the pool reconnects by itself
 * when the server is back, so no restart is needed.
 */
export class PostgresDatabase implements Database {
  readonly kind = 'postgres' as const;
  private readonly pool: pg.Pool;

  constructor(connectionString: string, options: { schema?: string; max?: number } = {}) {
    this.pool = new pg.Pool({
      connectionString,
      max: options.max ?? 10,
      connectionTimeoutMillis: 5000,
      idleTimeoutMillis: 30_000,
      options: options.schema ? `-c search_path=${options.schema}` : undefined,
    });
    // An idle client losing its connection must not crash the process.
    this.pool.on('error', () => undefined);
  }

  private static sql(client: pg.Pool | pg.PoolClient): Sql {
    return {
      query: async <T>(sql: string, params: readonly unknown[] = []) =>
        (await client.query(sql, params as unknown[]).catch(wrap)).rows as T[],
      run: async (sql: string, params: readonly unknown[] = []) =>
        (await client.query(sql, params as unknown[]).catch(wrap)).rowCount ?? 0,
    };
  }

  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]> {
    return PostgresDatabase.sql(this.pool).query<T>(sql, params);
  }

  run(sql: string, params?: readonly unknown[]): Promise<number> {
    return PostgresDatabase.sql(this.pool).run(sql, params);
  }

  async transaction<T>(fn: (tx: Sql) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    const client = await this.pool.connect().catch(wrap);
    let broken = false;
    try {
      await client.query('BEGIN');
      if (options.durable === false) await client.query('SET LOCAL synchronous_commit TO OFF');
      const result = await fn(PostgresDatabase.sql(client));
      await client.query('COMMIT');
      return result;
    } catch (err) {
      broken = isConnectionError(err) || err instanceof StoreUnavailableError;
      if (!broken) await client.query('ROLLBACK').catch(() => (broken = true));
      if (isConnectionError(err)) wrap(err);
      throw err;
    } finally {
      client.release(broken);
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
