// The PowerTalk server API on users: user/update (create or update a profile by xcUserID) and
// contact/sync (one-way contacts in bulk). A profile change reaches the clients that show it: every
// node forgets the cached user, and a hidden `user/update` system message in each of the user's
// personal rooms makes the peers' SDKs take the room's new name and picture (web SDK handleNewMessage).
import type { Deps } from '../deps.ts';
import { ApiError } from '../errors.ts';
import { findRoomsAdmittingRole, personalRoomsOfUser } from '../repos/server-rooms.ts';
import { addContact, removeContact } from '../repos/user-contacts.ts';
import { upsertUser } from '../repos/user-upsert.ts';
import { type UserProfile, findUserProfile, findUsersByXcUserIds, profileDiffers } from '../repos/users.ts';
import { addMembers } from '../repos/rooms.ts';
import { sendServerMessage } from './server-messages.ts';
import { announceUser } from './user-events.ts';
import { subscribers } from './webhooks.ts';

/** Personal rooms told of a profile change (the most recently active ones). */
const PEER_ROOMS = 500;

export async function updateUser(deps: Deps, projectId: string, profile: UserProfile): Promise<{ userID: string }> {
  const existing = await findUserProfile(deps.db, projectId, profile.xcUserID);
  if (existing !== undefined && !profileDiffers(existing, profile)) return { userID: String(existing.id) };
  const hooks = await subscribers(deps, projectId, 'user.updated');
  const now = deps.clock.now();
  const { user, joined } = await deps.db.transaction().execute(async (trx) => {
    const id = await upsertUser(trx, projectId, profile, undefined, now);
    // A role code the user did not have before makes them a participant of the rooms admitting it.
    const joined =
      profile.userRoleCode !== undefined && profile.userRoleCode !== existing?.user_role_code
        ? await findRoomsAdmittingRole(trx, projectId, profile.userRoleCode)
        : [];
    for (const roomId of joined) await addMembers(trx, projectId, roomId, [{ userId: id, isAdmin: false }], now);
    const view = await announceUser(trx, deps, hooks, projectId, id, now);
    return { user: view, joined };
  });
  const id = Number(user.userID);
  deps.authCache.invalidate({ kind: 'user', project: projectId, id });
  for (const roomId of joined) {
    deps.chat.hub.roomChanged(projectId, roomId);
    const target = { targetType: 'user', targetID: user.userID, targetXCID: user.xcUserID, targetName: user.fullname };
    await sendServerMessage(deps, projectId, roomId, id, { type: 9001, text: `${user.fullname} joined`, action: 'room/addParticipant', target });
  }
  if (existing !== undefined) await tellPeers(deps, projectId, id, user.fullname);
  return { userID: user.userID };
}

export async function tellPeers(deps: Deps, projectId: string, userId: number, name: string): Promise<void> {
  for (const roomId of await personalRoomsOfUser(deps.db, projectId, userId, PEER_ROOMS)) {
    await sendServerMessage(deps, projectId, roomId, userId, { type: 9001, text: `${name} updated their profile`, action: 'user/update', isHidden: true });
  }
}

export interface ContactPair {
  owner: string;
  contact: string;
  isDeleted: boolean;
}

/**
 * contact/sync: every pair's users must exist (404 / 40401 naming the first unknown one); inserts
 * first, deletions last, so a pair both added and deleted ends deleted; all or nothing.
 */
export async function syncContacts(deps: Deps, projectId: string, pairs: ContactPair[]): Promise<{ countInserted: number; countDeleted: number }> {
  const xcIds = [...new Set(pairs.flatMap((p) => [p.owner, p.contact]))];
  const users = new Map((await findUsersByXcUserIds(deps.db, projectId, xcIds)).map((u) => [u.xcUserID, u.id]));
  for (const p of pairs) {
    for (const [xc, field] of [
      [p.owner, '102'],
      [p.contact, '103'],
    ] as const) {
      if (!users.has(xc)) throw new ApiError('UserNotFound', { field, message: `User not found (xcUserID ${xc})` });
    }
  }
  const key = (p: ContactPair) => `${p.owner}\0${p.contact}`;
  const deleted = new Set(pairs.filter((p) => p.isDeleted).map(key));
  const now = deps.clock.now();
  return deps.db.transaction().execute(async (trx) => {
    let countInserted = 0;
    let countDeleted = 0;
    for (const p of pairs) {
      if (deleted.has(key(p))) continue;
      if (await addContact(trx, projectId, users.get(p.owner) as number, users.get(p.contact) as number, now)) countInserted++;
    }
    for (const p of pairs) {
      if (!p.isDeleted) continue;
      if (await removeContact(trx, projectId, users.get(p.owner) as number, users.get(p.contact) as number)) countDeleted++;
    }
    return { countInserted, countDeleted };
  });
}
