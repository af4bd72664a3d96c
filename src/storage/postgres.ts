// The PostgreSQL pool, bounded in time everywhere: a connection that breaks (a terminated backend, a
// failover, a reset) never crashes the process and never goes back to the pool, and a database that
// stops answering fails each query within its limits instead of holding requests forever.
import { Kysely, type LogConfig, PostgresDialect, type PostgresPool, type PostgresPoolClient } from 'kysely';
import pg from 'pg';
import { isPgClientSideFault } from './dialect.ts';
import type { PgLimits } from './pg-limits.ts';
import type { DB } from './schema.ts';

export interface PostgresOptions {
  poolSize: number;
  limits: PgLimits;
  /** Told when a connection breaks (the pool replaces it). */
  onConnectionLost?(err: Error): void;
  /** Kysely's query log (tracing spans); none by default. */
  log?: LogConfig;
}

/** The pool's clients right now (the metrics of metrics.ts). */
export interface PoolStats {
  /** Open connections, idle or lent out. */
  total: number;
  idle: number;
  /** Queries waiting for a connection. */
  waiting: number;
  max: number;
}

// int8 (bigint) columns hold epoch milliseconds and user ids, all below 2^53.
const INT8_OID = 20;
const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

/**
 * Kysely releases every client as healthy. A client whose connection broke on the client side (reset,
 * terminated, or a query that timed out and may still be running on a stream now out of step) is
 * released with its error instead, so the pool ends it and opens a fresh one; its later queries (the
 * rollback Kysely sends after a failure) fail at once rather than waiting behind the stuck one.
 */
function discardingBrokenClients(pool: pg.Pool): PostgresPool {
  return {
    async connect() {
      const client = await pool.connect();
      let broken: Error | undefined;
      const query = async (sql: string, parameters: readonly unknown[]) => {
        if (broken !== undefined) throw broken;
        try {
          return await client.query(sql, parameters as unknown[]);
        } catch (err) {
          if (isPgClientSideFault(err)) broken = err as Error;
          throw err;
        }
      };
      // Parley never streams (no cursor), so the cursor overload of Kysely's type is never called.
      return { query: query as unknown as PostgresPoolClient['query'], release: () => client.release(broken) };
    },
    end: () => pool.end(),
  };
}

export function openPostgres(url: string, options: PostgresOptions): { db: Kysely<DB>; pool: () => PoolStats; close(): Promise<void> } {
  const { limits } = options;
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize,
    types: pgTypes,
    connectionTimeoutMillis: limits.connect,
    keepAlive: true,
    keepAliveInitialDelayMillis: limits.keepAliveDelay,
    // Falsy values are not sent: the server's own setting stays.
    statement_timeout: limits.statement || undefined,
    idle_in_transaction_session_timeout: limits.idleInTransaction || undefined,
    query_timeout: limits.query || undefined,
  });
  // Every client gets a listener for its whole life: pg-pool listens only while a client is idle, and
  // an 'error' on a checked-out client (its backend terminated between two queries) would otherwise
  // crash the process. The client is then unusable and the pool drops it when it is released.
  pool.on('connect', (client) => client.on('error', (err: Error) => options.onConnectionLost?.(err)));
  // The same error again, from the pool, for an idle client (already reported and dropped).
  pool.on('error', () => {});
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool: discardingBrokenClients(pool) }), log: options.log });
  const stats = () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, max: options.poolSize });
  return { db, pool: stats, close: () => db.destroy() };
}
