// Backups of a SQLite database that keep it serving: SQLite's online backup copies the pages through
// a connection of its own, restarting the pages a concurrent write changes, so the copy is one
// consistent state (a file copy of a database in WAL mode is not). PostgreSQL has its own tools
// (pg_dump / pg_restore, docs/operations.md).
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { OperatorError } from '../errors.ts';
import { LATEST_MIGRATION } from './migrate.ts';

/** Copies the live database at `path` to `out` (replaced atomically when it exists). Returns its pages. */
export async function backupSqlite(path: string, out: string): Promise<{ pages: number }> {
  if (!existsSync(path)) throw new OperatorError(`no database at ${path}`);
  const source = new BetterSqlite3(path, { fileMustExist: true });
  const partial = `${out}.partial`;
  try {
    source.pragma('busy_timeout = 5000');
    mkdirSync(dirname(out), { recursive: true });
    rmSync(partial, { force: true });
    const { totalPages } = await source.backup(partial);
    // A backup file is one file: no WAL beside it.
    const copy = new BetterSqlite3(partial);
    copy.pragma('journal_mode = DELETE');
    copy.close();
    renameSync(partial, out);
    return { pages: totalPages };
  } finally {
    source.close();
    rmSync(partial, { force: true });
  }
}

/**
 * Writes the backup `from` into the database at `path`, through SQLite's backup API (so a WAL beside
 * the target is handled). The backup is checked first: a whole file, of Parley, not of a newer version.
 * Refuses to replace a database holding data unless `force`. Parley must not be serving from `path`.
 */
export async function restoreSqlite(from: string, path: string, force: boolean): Promise<{ pages: number }> {
  if (!existsSync(from)) throw new OperatorError(`no backup at ${from}`);
  const backup = new BetterSqlite3(from, { readonly: true, fileMustExist: true });
  try {
    const check = backup.pragma('quick_check(1)', { simple: true });
    if (check !== 'ok') throw new OperatorError(`${from} is damaged: ${String(check)}`);
    const migrations = backup.prepare("select name from sqlite_master where type = 'table' and name = 'kysely_migration'").get();
    if (migrations === undefined) throw new OperatorError(`${from} is not a Parley database`);
    const newest = backup.prepare('select max(name) as name from kysely_migration').get() as { name: string | null };
    if (newest.name !== null && newest.name > LATEST_MIGRATION) {
      throw new OperatorError(`${from} comes from a newer Parley (migration ${newest.name}); upgrade Parley first`);
    }
    if (existsSync(path) && !force && holdsData(path)) {
      throw new OperatorError(`${path} holds data; stop Parley and pass --force to replace it`);
    }
    mkdirSync(dirname(path), { recursive: true });
    const { totalPages } = await backup.backup(path);
    return { pages: totalPages };
  } finally {
    backup.close();
  }
}

function holdsData(path: string): boolean {
  const db = new BetterSqlite3(path, { readonly: true });
  try {
    return db.prepare("select 1 from sqlite_master where type = 'table' and name = 'projects'").get() !== undefined;
  } finally {
    db.close();
  }
}
