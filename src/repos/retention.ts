// Deleting what has expired, a bounded batch per statement, so no statement holds the database long.
import { type Kysely, sql } from 'kysely';
import type { DB } from '../storage/schema.ts';

export interface Cutoffs {
  /** Ticket records of tickets expired before this (epoch ms). */
  tickets: number;
  /** Sessions revoked before this, or last refreshed before `sessionsIdle` (their refresh token expired). */
  sessionsRevoked: number;
  sessionsIdle: number;
  /** Refresh tokens expired before this (a session's used ones pile up, one per refresh). */
  refreshTokens: number;
  /** Webhook deliveries delivered or given up before this. */
  webhookDeliveries: number;
  /** Idempotency-Key answers older than this. */
  idempotencyKeys: number;
}

export type RetainedTable = 'tickets' | 'sessions' | 'refresh_tokens' | 'webhook_deliveries' | 'idempotency_keys';

/** Deletes up to `limit` expired rows of `table`; returns how many went. */
export async function purgeBatch(db: Kysely<DB>, table: RetainedTable, c: Cutoffs, limit: number): Promise<number> {
  const expired = {
    tickets: sql`select jti from tickets where expires_at < ${c.tickets} limit ${limit}`,
    sessions: sql`select id from sessions where revoked_at < ${c.sessionsRevoked} union select id from sessions where refreshed_at < ${c.sessionsIdle} limit ${limit}`,
    refresh_tokens: sql`select id from refresh_tokens where expires_at < ${c.refreshTokens} limit ${limit}`,
    webhook_deliveries: sql`select id from webhook_deliveries where finished_at < ${c.webhookDeliveries} limit ${limit}`,
    idempotency_keys: sql`select project_id, key from idempotency_keys where created_at < ${c.idempotencyKeys} limit ${limit}`,
  }[table];
  const key = { tickets: sql`jti`, sessions: sql`id`, refresh_tokens: sql`id`, webhook_deliveries: sql`id`, idempotency_keys: sql`(project_id, key)` }[table];
  const result = await sql`delete from ${sql.table(table)} where ${key} in (${expired})`.execute(db);
  return Number(result.numAffectedRows ?? 0n);
}

/**
 * Runs `work` only if no other node runs it now (PostgreSQL: a session advisory lock on one pinned
 * connection); false when another node holds it. SQLite has one process writing: it always runs.
 */
export async function aloneAmongNodes(db: Kysely<DB>, dialect: 'sqlite' | 'postgres', work: (db: Kysely<DB>) => Promise<void>): Promise<boolean> {
  if (dialect === 'sqlite') {
    await work(db);
    return true;
  }
  return db.connection().execute(async (conn) => {
    const { rows } = await sql<{ locked: boolean }>`select pg_try_advisory_lock(hashtext('parley.retention')) as locked`.execute(conn);
    if (rows[0]?.locked !== true) return false;
    try {
      await work(conn);
    } finally {
      await sql`select pg_advisory_unlock(hashtext('parley.retention'))`.execute(conn);
    }
    return true;
  });
}
