// Answers of server-API calls made with an Idempotency-Key (http/idempotency.ts).
import type { Kysely } from 'kysely';
import type { DB } from '../storage/schema.ts';

/** Takes the key for a request being answered; a unique violation when it is taken already. */
export async function claimKey(db: Kysely<DB>, k: { projectId: string; key: string; requestHash: string; now: number }): Promise<void> {
  await db
    .insertInto('idempotency_keys')
    .values({ project_id: k.projectId, key: k.key, request_hash: k.requestHash, status: 0, body: '', created_at: k.now })
    .execute();
}

export async function findKey(db: Kysely<DB>, projectId: string, key: string) {
  const row = await db.selectFrom('idempotency_keys').selectAll().where('project_id', '=', projectId).where('key', '=', key).executeTakeFirst();
  return row === undefined ? undefined : { requestHash: row.request_hash, status: row.status, body: row.body, createdAt: row.created_at };
}

export async function storeAnswer(db: Kysely<DB>, projectId: string, key: string, status: number, body: string): Promise<void> {
  await db.updateTable('idempotency_keys').set({ status, body }).where('project_id', '=', projectId).where('key', '=', key).execute();
}

/** Forgets the key (an answer not worth keeping, or an expired one: `createdAt` guards against a fresh claim). */
export async function deleteKey(db: Kysely<DB>, projectId: string, key: string, createdAt?: number): Promise<void> {
  let query = db.deleteFrom('idempotency_keys').where('project_id', '=', projectId).where('key', '=', key);
  if (createdAt !== undefined) query = query.where('created_at', '=', createdAt);
  await query.execute();
}
