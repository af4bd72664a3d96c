// Blocking (client API contact/block, unblock and the blocked lists; docs/people.md). A block is
// one-sided: the blocked user can no longer write to the blocker in their personal room, nor add the
// blocker to a group or to their contacts. The blocker's devices hear of every change (user/block,
// user/unblock); the blocked user is told nothing until they try.
import { eventFrame, personalRoomUsers } from '../chat/views.ts';
import type { Deps } from '../deps.ts';
import { ApiError } from '../errors.ts';
import * as blocks from '../repos/blocks.ts';
import { removeContact } from '../repos/user-contacts.ts';
import { findUserById } from '../repos/users.ts';
import type { ChatActor, RoomState } from './room-state.ts';
import { type ClientUser, toClientUser } from './user-view.ts';
import { parseId } from '../numeric-id.ts';

/** The other user of a block request, or 40401; oneself is refused (40002). */
async function otherUser(deps: Deps, actor: ChatActor, userID: string, verb: string): Promise<ClientUser> {
  const id = parseId(userID);
  const row = id === undefined ? undefined : await findUserById(deps.db, actor.projectId, id);
  if (row === undefined) throw new ApiError('UserNotFound', { field: 'userID' });
  if (row.id === actor.userId) throw new ApiError('ParamValidationFailed', { field: 'userID', message: `You cannot ${verb} yourself` });
  return toClientUser(row);
}

/** The personal room of two users: its cached state holds the blocks, and must be read again. */
function forgetPersonalRoom(deps: Deps, projectId: string, a: number, b: number): void {
  deps.chat.hub.roomChanged(projectId, a < b ? `${a}-${b}` : `${b}-${a}`);
}

/** user/block and user/unblock to every device of the blocker, on every node. */
function tellBlocker(deps: Deps, actor: ChatActor, eventName: 'user/block' | 'user/unblock', user: ClientUser): void {
  deps.chat.hub.ephemeral(actor.projectId, [{ users: [actor.userId], frame: eventFrame(eventName, { user }) }]);
}

/**
 * contact/block: also removes the user from the blocker's contacts, as the web SDK does in its own
 * list. Blocking someone blocked already succeeds again (and tells the devices again).
 */
export async function blockUser(deps: Deps, actor: ChatActor, userID: string): Promise<{ success: boolean; message: string; user: ClientUser }> {
  const user = await otherUser(deps, actor, userID, 'block');
  const other = Number(user.userID);
  await deps.db.transaction().execute(async (trx) => {
    await blocks.addBlock(trx, actor.projectId, actor.userId, other, deps.clock.now());
    await removeContact(trx, actor.projectId, actor.userId, other);
  });
  forgetPersonalRoom(deps, actor.projectId, actor.userId, other);
  tellBlocker(deps, actor, 'user/block', user);
  return { success: true, message: 'User blocked', user };
}

/** contact/unblock: unblocking someone not blocked succeeds too. */
export async function unblockUser(deps: Deps, actor: ChatActor, userID: string): Promise<{ success: boolean; message: string; user: ClientUser }> {
  const user = await otherUser(deps, actor, userID, 'unblock');
  const other = Number(user.userID);
  await blocks.removeBlock(deps.db, actor.projectId, actor.userId, other);
  forgetPersonalRoom(deps, actor.projectId, actor.userId, other);
  tellBlocker(deps, actor, 'user/unblock', user);
  return { success: true, message: 'User unblocked', user };
}

export async function blockedUsers(deps: Deps, actor: ChatActor): Promise<ClientUser[]> {
  return (await blocks.listBlockedUsers(deps.db, actor.projectId, actor.userId)).map(toClientUser);
}

/**
 * Refuses (40301) to put the actor's name next to someone who blocked the actor: adding them to a
 * group or to the actor's contacts.
 */
export async function refuseBlockers(deps: Deps, actor: ChatActor, userIds: number[], field: string): Promise<void> {
  const blockers = await blocks.findBlockersOf(deps.db, actor.projectId, actor.userId, userIds);
  if (blockers.length > 0) throw new ApiError('PermissionDenied', { field, message: 'This user has blocked you' });
}

/** Of `userIds`, those who did not block the actor (contacts found by phone skip the others). */
export async function withoutBlockers(deps: Deps, actor: ChatActor, userIds: number[]): Promise<number[]> {
  const blockers = new Set(await blocks.findBlockersOf(deps.db, actor.projectId, actor.userId, userIds));
  return userIds.filter((id) => !blockers.has(id));
}

/** A message from the actor into a personal room whose other participant blocked the actor: 40301. */
export function refuseBlockedSender(state: RoomState, actor: ChatActor): void {
  if (state.blockers === undefined || personalRoomUsers(state.room.id) === undefined) return;
  if (state.blockers.some((id) => id !== actor.userId)) {
    throw new ApiError('PermissionDenied', { field: 'roomID', message: 'This user has blocked you' });
  }
}
