// Blocks between users of a project: `userId` blocked `blockedUserId` (one-sided, like contacts).
import type { Kysely } from 'kysely';
import type { DB } from '../storage/schema.ts';
import { type User, toUser } from './users.ts';

/** Adds the block unless it is there already; true when it was added. */
export async function addBlock(db: Kysely<DB>, projectId: string, userId: number, blockedUserId: number, now: number): Promise<boolean> {
  const rows = await db
    .insertInto('user_blocks')
    .values({ project_id: projectId, user_id: userId, blocked_user_id: blockedUserId, created_at: now })
    .onConflict((oc) => oc.columns(['project_id', 'user_id', 'blocked_user_id']).doNothing())
    .returning('user_id')
    .execute();
  return rows.length > 0;
}

/** True when there was a block to remove. */
export async function removeBlock(db: Kysely<DB>, projectId: string, userId: number, blockedUserId: number): Promise<boolean> {
  const result = await db
    .deleteFrom('user_blocks')
    .where('project_id', '=', projectId)
    .where('user_id', '=', userId)
    .where('blocked_user_id', '=', blockedUserId)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** The users `userId` blocked, most recent block first. */
export async function listBlockedUsers(db: Kysely<DB>, projectId: string, userId: number): Promise<User[]> {
  const rows = await db
    .selectFrom('user_blocks as b')
    .innerJoin('users as u', (j) => j.onRef('u.project_id', '=', 'b.project_id').onRef('u.id', '=', 'b.blocked_user_id'))
    .selectAll('u')
    .where('b.project_id', '=', projectId)
    .where('b.user_id', '=', userId)
    .orderBy('b.created_at', 'desc')
    .orderBy('u.id')
    .execute();
  return rows.map(toUser);
}

/** Of `userIds`, those who blocked `userId`. */
export async function findBlockersOf(db: Kysely<DB>, projectId: string, userId: number, userIds: number[]): Promise<number[]> {
  if (userIds.length === 0) return [];
  const rows = await db
    .selectFrom('user_blocks')
    .select('user_id')
    .where('project_id', '=', projectId)
    .where('blocked_user_id', '=', userId)
    .where('user_id', 'in', userIds)
    .execute();
  return rows.map((r) => Number(r.user_id));
}

/** Of the two users of a personal room, those who blocked the other. */
export async function findBlockersInPair(db: Kysely<DB>, projectId: string, pair: [number, number]): Promise<number[]> {
  const [a, b] = pair;
  if (a === b) return [];
  const rows = await db
    .selectFrom('user_blocks')
    .select('user_id')
    .where('project_id', '=', projectId)
    .where((eb) => eb.or([eb.and([eb('user_id', '=', a), eb('blocked_user_id', '=', b)]), eb.and([eb('user_id', '=', b), eb('blocked_user_id', '=', a)])]))
    .execute();
  return rows.map((r) => Number(r.user_id));
}
