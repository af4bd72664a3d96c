// Push tokens, one row per session (client API push_notification/update). Kept for delivery, which
// Parley does not do yet; a token is a credential of the device and is never logged.
import type { Kysely } from 'kysely';
import type { DB } from '../storage/schema.ts';

export interface PushToken {
  sessionId: string;
  projectId: string;
  userId: number;
  fcmToken: string | null;
  apnToken: string | null;
  updatedAt: number;
}

/** Sets the session's tokens (replacing what it had); a session with neither token has no row. */
export async function savePushToken(db: Kysely<DB>, t: PushToken): Promise<void> {
  if (t.fcmToken === null && t.apnToken === null) {
    await db.deleteFrom('push_tokens').where('session_id', '=', t.sessionId).execute();
    return;
  }
  const row = {
    session_id: t.sessionId,
    project_id: t.projectId,
    user_id: t.userId,
    fcm_token: t.fcmToken,
    apn_token: t.apnToken,
    updated_at: t.updatedAt,
  };
  await db
    .insertInto('push_tokens')
    .values(row)
    .onConflict((oc) => oc.column('session_id').doUpdateSet({ fcm_token: t.fcmToken, apn_token: t.apnToken, updated_at: t.updatedAt }))
    .execute();
}

/** The push tokens of a user's sessions that are not revoked (what a delivery would address). */
export async function listPushTokens(db: Kysely<DB>, projectId: string, userId: number): Promise<PushToken[]> {
  const rows = await db
    .selectFrom('push_tokens as p')
    .innerJoin('sessions as s', 's.id', 'p.session_id')
    .selectAll('p')
    .where('p.project_id', '=', projectId)
    .where('p.user_id', '=', userId)
    .where('s.revoked_at', 'is', null)
    .orderBy('p.updated_at', 'desc')
    .execute();
  return rows.map((r) => ({
    sessionId: r.session_id,
    projectId: r.project_id,
    userId: Number(r.user_id),
    fcmToken: r.fcm_token,
    apnToken: r.apn_token,
    updatedAt: Number(r.updated_at),
  }));
}
