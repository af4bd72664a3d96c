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
  if (typeof err !== 'object' || err === null) return false;
  const code = (err as { code?: unknown }).code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** PostgreSQL serialization failures and deadlocks, which are safe to retry. */
export function isRetryableConflict(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const code = (err as { code?: unknown }).code;
  return code === '40001' || code === '40P01' || code === 'SQLITE_BUSY';
}
