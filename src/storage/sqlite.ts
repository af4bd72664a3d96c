// The embedded database: one better-sqlite3 connection in WAL mode, a statement cache, a checkpointer,
// a check of the file before serving, and a sticky note once a query finds the file damaged.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, type LogConfig, SqliteDialect, type SqliteDatabase, type SqliteStatement } from 'kysely';
import { startCheckpointer } from './checkpointer.ts';
import { databaseFault } from './dialect.ts';
import { runDirectlyInTransactions } from './precompiled.ts';
import { RawRows } from './sqlite-rows.ts';
import type { DB } from './schema.ts';

export type SqliteStartupCheck = 'quick' | 'full' | 'off';

export interface SqliteOptions {
  /** `synchronous`: NORMAL survives a process crash, FULL also a power loss. */
  synchronous: 'NORMAL' | 'FULL';
  /** Milliseconds a statement waits for another connection's lock before failing with SQLITE_BUSY. */
  busyTimeout: number;
  /** Before serving: `quick` (PRAGMA quick_check), `full` (integrity_check, also compares indexes with their tables) or `off`. */
  startupCheck: SqliteStartupCheck;
  /** Told once, when a query first finds the file damaged. */
  onDamaged?(reason: string): void;
  /** Kysely's query log (tracing spans); none by default. */
  log?: LogConfig;
}

export interface DatabaseHealth {
  /** Why the database file is known to be damaged; set by the first query that found it, kept until restart. */
  readonly damaged: string | undefined;
}

/** Statements that change the schema (Kysely's migrations write them in lower case; others may not). */
const SCHEMA_CHANGE = /^\s*(create|alter|drop)\s/i;

/** Driver messages can span lines (quick_check's do); the CLI's answer and the logs want one. */
const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim();

/** Refused at start: the message is the whole answer the operator gets (main prints it on one line). */
function damagedFile(path: string, detail: string): Error {
  return new Error(`the SQLite database ${path} is damaged (${oneLine(detail)}): restore it from a backup (docs/operations.md, "Damaged SQLite file")`);
}

function checkFile(sqlite: BetterSqlite3.Database, path: string, check: SqliteStartupCheck): void {
  if (check === 'off') return;
  // One problem is enough to refuse; the argument stops the scan there.
  const pragma = check === 'full' ? 'integrity_check' : 'quick_check';
  const first = sqlite.pragma(`${pragma}(1)`, { simple: true });
  if (first !== 'ok') throw damagedFile(path, `${pragma}: ${String(first)}`);
}

/**
 * Kysely prepares every query anew; preparing costs more than running a small indexed query. The
 * SQL texts Parley issues are prepared once and reused (statements run synchronously, so one
 * statement is never used by two queries at a time). Least recently used first out: queries with a
 * varying number of parameters (`in (…)`, multi-row inserts) make many one-off texts, and they must
 * not crowd out the hot ones. Every error passes `note` on its way out (it looks for damage).
 */
function withStatementCache(sqlite: BetterSqlite3.Database, note: (err: unknown) => void, wrote: () => void, capacity = 500): SqliteDatabase {
  const statements = new Map<string, SqliteStatement>();
  return {
    close: () => sqlite.close(),
    prepare(query: string) {
      // Kysely opens every transaction with a plain (deferred) BEGIN. A deferred transaction that reads
      // and then writes while another process holds the write lock fails at once with SQLITE_BUSY: the
      // busy timeout cannot help it. Parley's transactions write, so they take the lock up front and
      // wait for it like any single write does.
      const sql = query === 'begin' ? 'begin immediate' : query;
      let stmt = statements.get(sql);
      if (stmt !== undefined) {
        // Maps keep insertion order: re-inserting marks it as the most recently used.
        statements.delete(sql);
      } else {
        try {
          stmt = watched(sqlite.prepare(sql), sql, note, wrote);
        } catch (err) {
          note(err);
          throw err;
        }
        // A change of schema (a migration): the statements cached before it are prepared again, so
        // that each row's object is made from the columns as they are after it (storage/sqlite-rows.ts).
        if (SCHEMA_CHANGE.test(sql)) {
          statements.clear();
          return stmt;
        }
        if (statements.size >= capacity) statements.delete(statements.keys().next().value as string);
      }
      statements.set(sql, stmt);
      return stmt;
    },
  };
}

/** Statements that end a transaction: SQLite calls them read-only, but their commit writes the WAL. */
const TRANSACTION_END = /^\s*(commit|end|release)\b/i;

/**
 * `wrote` is told after each statement that wrote (or committed) finished, for the checkpointer
 * (storage/checkpointer.ts): a statement inside a transaction, before its frames reach the WAL, and
 * the commit after, so the last word comes once they are there.
 */
function watched(stmt: BetterSqlite3.Statement, sql: string, note: (err: unknown) => void, wrote: () => void): SqliteStatement {
  // Rows made in JavaScript from raw arrays (storage/sqlite-rows.ts); the statement as it is otherwise.
  const rows = RawRows.of(stmt) ?? stmt;
  const writes = !stmt.readonly || TRANSACTION_END.test(sql);
  // Plain try/catch in each method: no closure per query on the hot path.
  return {
    reader: stmt.reader,
    all(parameters) {
      try {
        const all = rows.all(parameters);
        if (writes) wrote();
        return all;
      } catch (err) {
        note(err);
        throw err;
      }
    },
    run(parameters) {
      try {
        const result = stmt.run(parameters);
        if (writes) wrote();
        return result;
      } catch (err) {
        note(err);
        throw err;
      }
    },
    iterate(parameters) {
      try {
        return rows.iterate(parameters);
      } catch (err) {
        note(err);
        throw err;
      }
    },
  };
}

export function openSqlite(path: string, options: SqliteOptions): { db: Kysely<DB>; health: DatabaseHealth; close(): Promise<void> } {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  let sqlite: BetterSqlite3.Database | undefined;
  try {
    sqlite = new BetterSqlite3(path);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma(`synchronous = ${options.synchronous}`);
    sqlite.pragma(`busy_timeout = ${options.busyTimeout}`);
    sqlite.pragma('foreign_keys = ON');
    checkFile(sqlite, path, options.startupCheck);
  } catch (err) {
    sqlite?.close();
    // A header too damaged to open ("file is not a database") is refused like a failed check.
    if (databaseFault(err) === 'damaged') throw damagedFile(path, (err as Error).message);
    throw err;
  }
  const health: { damaged: string | undefined } = { damaged: undefined };
  const note = (err: unknown) => {
    if (health.damaged !== undefined || databaseFault(err) !== 'damaged') return;
    health.damaged = oneLine((err as Error).message);
    options.onDamaged?.(health.damaged);
  };
  const checkpointer = path === ':memory:' ? undefined : startCheckpointer(path);
  if (checkpointer !== undefined) {
    // The worker copies frames in the background; the main connection still checkpoints (now mostly
    // an fsync, the copying done) every ~16 MB, which also lets the WAL restart from its beginning.
    sqlite.pragma('wal_autocheckpoint = 4000');
    // Once checkpointed, the WAL file is cut back to 16 MB when it is reused.
    sqlite.pragma('journal_size_limit = 16777216');
  }
  const statements = withStatementCache(sqlite, note, checkpointer?.wrote ?? (() => {}));
  const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: statements }), log: options.log });
  if (options.log === undefined) runDirectlyInTransactions(db, statements);
  return {
    db,
    health,
    close: async () => {
      await checkpointer?.stop();
      await db.destroy();
    },
  };
}
