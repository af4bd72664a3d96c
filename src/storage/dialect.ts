// The few places where SQLite and PostgreSQL really differ. Everything else is plain Kysely.
export type DialectName = 'sqlite' | 'postgres';

export type DatabaseTarget = { dialect: 'sqlite'; path: string } | { dialect: 'postgres'; url: string };

/** Accepts `sqlite:PATH`, `sqlite://PATH`, a plain path, `postgres://…` and `postgresql://…`. */
export function parseDatabaseUrl(url: string): DatabaseTarget {
  const value = url.trim();
  if (value === '') throw new Error('database URL is empty');
  if (/^postgres(ql)?:\/\//i.test(value)) return { dialect: 'postgres', url: value };
  if (/^sqlite:/i.test(value)) {
    const path = value.replace(/^sqlite:(\/\/)?/i, '');
    if (path === '') throw new Error(`database URL "${url}" names no file`);
    return { dialect: 'sqlite', path };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    throw new Error(`unsupported database URL scheme in "${value.split('://')[0]}://…" (use sqlite:PATH or postgres://…)`);
  }
  return { dialect: 'sqlite', path: value };
}

/** A unique or primary-key violation, as each driver reports it. */
export function isUniqueViolation(err: unknown): boolean {
  const code = codeOf(err);
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/**
 * Serialization failures and deadlocks (PostgreSQL) and a stale WAL snapshot (SQLite), which are safe
 * to retry at once. A plain SQLITE_BUSY is not: it comes after the whole busy timeout, so another
 * writer has held the lock that long and retrying only multiplies the wait (it answers 503 instead).
 */
export function isRetryableConflict(err: unknown): boolean {
  const code = codeOf(err);
  return code === '40001' || code === '40P01' || code === 'SQLITE_BUSY_SNAPSHOT';
}

/**
 * What a database error says about the database rather than the query: `unavailable` (unreachable,
 * hung, restarting, overloaded, out of disk, locked: the same request may succeed later) or `damaged`
 * (the SQLite file is corrupt: nothing will succeed until an operator restores it). Undefined for
 * anything else (a constraint violation, a bug), which stays a 500.
 */
export type DatabaseFault = 'unavailable' | 'damaged';

// SQLSTATE classes and codes, https://www.postgresql.org/docs/current/errcodes-appendix.html
const PG_UNAVAILABLE_CLASSES = new Set([
  '08', // connection exception
  '53', // insufficient resources: disk full, out of memory, too many connections
  '58', // system error: I/O error
]);
const PG_UNAVAILABLE_CODES = new Set([
  '57P01', // admin_shutdown (pg_terminate_backend, a fast shutdown)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, in recovery)
  '57P05', // idle_session_timeout
  '57014', // query_canceled (statement_timeout)
  '55P03', // lock_not_available (lock_timeout)
  '25P03', // idle_in_transaction_session_timeout
  'XX001', // data_corrupted: the server's problem, reported like an outage (other nodes may be fine)
  'XX002', // index_corrupted
]);
// Node's socket errors, from connecting or from a connection that broke.
const NET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
// node-postgres and pg-pool raise these without a code.
const PG_CLIENT_MESSAGES =
  /^(Connection terminated|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error and is not queryable|Client was closed and is not queryable|Cannot use a pool after calling end on the pool)/;
// better-sqlite3 reports extended result codes (SQLITE_IOERR_SHORT_READ, SQLITE_BUSY_SNAPSHOT, …).
const SQLITE_DAMAGED = /^SQLITE_(CORRUPT|NOTADB)/;
const SQLITE_UNAVAILABLE = /^SQLITE_(BUSY|LOCKED|FULL|IOERR|CANTOPEN|READONLY|NOMEM|PROTOCOL|NOLFS|PERM)/;

export function databaseFault(err: unknown): DatabaseFault | undefined {
  const code = codeOf(err);
  if (code !== undefined) {
    if (SQLITE_DAMAGED.test(code)) return 'damaged';
    if (SQLITE_UNAVAILABLE.test(code) || NET_CODES.has(code) || PG_UNAVAILABLE_CODES.has(code)) return 'unavailable';
    if (/^[0-9A-Z]{5}$/.test(code) && PG_UNAVAILABLE_CLASSES.has(code.slice(0, 2))) return 'unavailable';
    return undefined;
  }
  if (err instanceof Error && PG_CLIENT_MESSAGES.test(err.message)) return 'unavailable';
  return undefined;
}

/** True for an error raised by the client side of a PostgreSQL connection (no SQLSTATE): the connection is unusable. */
export function isPgClientSideFault(err: unknown): boolean {
  const code = codeOf(err);
  return databaseFault(err) === 'unavailable' && (code === undefined || NET_CODES.has(code));
}

function codeOf(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Locks the rows a select finds for the rest of the transaction, skipping rows another transaction
 * holds, so that nodes claiming work from one table each take different rows (PostgreSQL's `FOR
 * UPDATE SKIP LOCKED`). SQLite has no row locks and needs none: one process writes, one transaction
 * at a time.
 */
export function lockSkippingLocked<Q extends { forUpdate(): Q; skipLocked(): Q }>(query: Q, dialect: DialectName): Q {
  return dialect === 'postgres' ? query.forUpdate().skipLocked() : query;
}
