import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, type SqliteDatabase } from 'kysely';
import pg from 'pg';
import { startCheckpointer } from './checkpointer.ts';
import { type DatabaseTarget, type DialectName, parseDatabaseUrl } from './dialect.ts';
import { migrateToLatest } from './migrate.ts';
import type { DB } from './schema.ts';

export interface Database {
  db: Kysely<DB>;
  dialect: DialectName;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** SQLite `synchronous`: NORMAL survives a process crash, FULL also a power loss. */
  sqliteSynchronous?: 'NORMAL' | 'FULL';
  /** Size of the PostgreSQL connection pool. */
  poolSize?: number;
  migrate?: boolean;
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
 * Kysely prepares every query anew; preparing costs more than running a small indexed query. The
 * SQL texts Parley issues are prepared once and reused (statements run synchronously, so one
 * statement is never used by two queries at a time). Least recently used first out: queries with a
 * varying number of parameters (`in (…)`, multi-row inserts) make many one-off texts, and they must
 * not crowd out the hot ones.
 */
function withStatementCache(sqlite: BetterSqlite3.Database, capacity = 500): SqliteDatabase {
  const statements = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string) {
      let stmt = statements.get(sql);
      if (stmt !== undefined) {
        // Maps keep insertion order: re-inserting marks it as the most recently used.
        statements.delete(sql);
      } else {
        stmt = sqlite.prepare(sql);
        if (statements.size >= capacity) statements.delete(statements.keys().next().value as string);
      }
      statements.set(sql, stmt);
      return stmt;
    },
  };
}

export async function openDatabase(url: string, options: DatabaseOptions = {}): Promise<Database> {
  const target: DatabaseTarget = parseDatabaseUrl(url);
  let database: Database;
  if (target.dialect === 'sqlite') {
    if (target.path !== ':memory:') mkdirSync(dirname(target.path), { recursive: true });
    const sqlite = new BetterSqlite3(target.path);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma(`synchronous = ${options.sqliteSynchronous ?? 'NORMAL'}`);
    sqlite.pragma('busy_timeout = 5000');
    sqlite.pragma('foreign_keys = ON');
    const checkpointer = target.path === ':memory:' ? undefined : startCheckpointer(target.path);
    if (checkpointer !== undefined) {
      // The worker copies frames in the background; the main connection still checkpoints (now mostly
      // an fsync, the copying done) every ~16 MB, which also lets the WAL restart from its beginning.
      sqlite.pragma('wal_autocheckpoint = 4000');
      // Once checkpointed, the WAL file is cut back to 16 MB when it is reused.
      sqlite.pragma('journal_size_limit = 16777216');
    }
    const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
    database = {
      db,
      dialect: 'sqlite',
      close: async () => {
        await checkpointer?.stop();
        await db.destroy();
      },
    };
  } else {
    const pool = new pg.Pool({ connectionString: target.url, max: options.poolSize ?? 10, types: pgTypes });
    // An idle client losing its connection must not crash the process; the pool replaces it.
    pool.on('error', () => {});
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
    database = { db, dialect: 'postgres', close: () => db.destroy() };
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
