import type { Tracer } from '@opentelemetry/api';
import type { Kysely } from 'kysely';
import { querySpans } from '../tracing/queries.ts';
import { type DatabaseTarget, type DialectName, parseDatabaseUrl } from './dialect.ts';
import { migrateToLatest } from './migrate.ts';
import { DEFAULT_PG_LIMITS, type PgLimits } from './pg-limits.ts';
import type { PoolStats } from './postgres.ts';
import type { DB } from './schema.ts';
import { type DatabaseHealth, type SqliteStartupCheck, openSqlite } from './sqlite.ts';

export type { DatabaseHealth } from './sqlite.ts';

export interface Database {
  db: Kysely<DB>;
  dialect: DialectName;
  health: DatabaseHealth;
  /** PostgreSQL: the connection pool's clients (SQLite has one connection, no pool). */
  pool?: () => PoolStats;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** SQLite `synchronous`: NORMAL survives a process crash, FULL also a power loss. */
  sqliteSynchronous?: 'NORMAL' | 'FULL';
  /** Milliseconds a SQLite statement waits for another connection's lock (5000). */
  sqliteBusyTimeout?: number;
  /** Check the SQLite file before use (`off` unless asked: the server asks for it through its config). */
  sqliteStartupCheck?: SqliteStartupCheck;
  /** Size of the PostgreSQL connection pool. */
  poolSize?: number;
  /** PostgreSQL time limits (DEFAULT_PG_LIMITS for those not given). */
  pgLimits?: Partial<PgLimits>;
  migrate?: boolean;
  /** Told when a PostgreSQL connection breaks (the pool replaces it). */
  onConnectionLost?(err: Error): void;
  /** Told once, when a query first finds the SQLite file damaged. */
  onDamaged?(reason: string): void;
  /** A span per statement (tracing on); none when unset. */
  tracer?: Tracer;
}

/** PostgreSQL has no file of its own to be damaged: its faults are outages, reported per query. */
const HEALTHY: DatabaseHealth = Object.freeze({ damaged: undefined });

export async function openDatabase(url: string, options: DatabaseOptions = {}): Promise<Database> {
  const target: DatabaseTarget = parseDatabaseUrl(url);
  let database: Database;
  if (target.dialect === 'sqlite') {
    const sqlite = openSqlite(target.path, {
      synchronous: options.sqliteSynchronous ?? 'NORMAL',
      busyTimeout: options.sqliteBusyTimeout ?? 5000,
      startupCheck: options.sqliteStartupCheck ?? 'off',
      onDamaged: options.onDamaged,
      log: options.tracer === undefined ? undefined : querySpans(options.tracer, 'sqlite'),
    });
    database = { ...sqlite, dialect: 'sqlite' };
  } else {
    // The driver is loaded only for PostgreSQL (a SQLite process is smaller without it).
    const { openPostgres } = await import('./postgres.ts');
    const postgres = openPostgres(target.url, {
      poolSize: options.poolSize ?? 10,
      limits: { ...DEFAULT_PG_LIMITS, ...options.pgLimits },
      onConnectionLost: options.onConnectionLost,
      log: options.tracer === undefined ? undefined : querySpans(options.tracer, 'postgresql'),
    });
    database = { ...postgres, dialect: 'postgres', health: HEALTHY };
  }
  if (options.migrate !== false) {
    try {
      await migrateToLatest(database.db);
    } catch (err) {
      await database.close();
      throw err;
    }
  }
  return database;
}
