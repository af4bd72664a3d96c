// A PowerTalk user's own contact list (client API contact/*): pairs of user ids.
import type { Kysely } from 'kysely';
import type { DB } from '../storage/schema.ts';
import { type User, toUser } from './users.ts';

/** The user's contacts, ordered by name (case-insensitively), then id. */
export async function listContactUsers(db: Kysely<DB>, projectId: string, userId: number): Promise<User[]> {
  const rows = await db
    .selectFrom('user_contacts as c')
    .innerJoin('users as u', (j) => j.onRef('u.project_id', '=', 'c.project_id').onRef('u.id', '=', 'c.contact_user_id'))
    .selectAll('u')
    .where('c.project_id', '=', projectId)
    .where('c.user_id', '=', userId)
    .orderBy((eb) => eb.fn('lower', ['u.fullname']))
    .orderBy('u.id')
    .execute();
  return rows.map(toUser);
}

/** Adds the contact unless it is there already; true when it was added. */
export async function addContact(db: Kysely<DB>, projectId: string, userId: number, contactUserId: number, now: number): Promise<boolean> {
  const result = await db
    .insertInto('user_contacts')
    .values({ project_id: projectId, user_id: userId, contact_user_id: contactUserId, created_at: now })
    .onConflict((oc) => oc.columns(['project_id', 'user_id', 'contact_user_id']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
}

/** Removes the contact; true when there was one. */
export async function removeContact(db: Kysely<DB>, projectId: string, userId: number, contactUserId: number): Promise<boolean> {
  const result = await db
    .deleteFrom('user_contacts')
    .where('project_id', '=', projectId)
    .where('user_id', '=', userId)
    .where('contact_user_id', '=', contactUserId)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
