// Group rooms (spec §6, §7.2, §7.5): create, read, rename, delete, leave, participants and admins.
// A change is committed first, announced to every node (hub.roomChanged, so no node keeps stale
// members), then told to the room as a type-9001 system message (spec §5.3). Personal rooms exist
// implicitly (spec §6) and cannot be changed. Choices: docs/decisions-chat-rooms.md.
import type { Transaction } from 'kysely';
import { ulid } from 'ulid';
import { ROOM_GROUP, type RoomView, personalRoomUsers, roomView } from '../chat/views.ts';
import type { Deps } from '../deps.ts';
import { ApiError } from '../errors.ts';
import * as rooms from '../repos/rooms.ts';
import type { DB } from '../storage/schema.ts';
import { refuseBlockers } from './blocks.ts';
import { sendServerMessage } from './server-messages.ts';
import { announceRoom } from './room-events.ts';
import { subscribers } from './webhooks.ts';
import { type ChatActor, type RoomState, refuseLockedRoom, roomOfMember, roomState, userViews } from './room-state.ts';
import type { ClientUser } from './user-view.ts';

export const SYSTEM_MESSAGE = 9001;
/** The creator included; the same number as `groupMaxParticipants` in project_configs. */
export const GROUP_MAX_PARTICIPANTS = 100;

/** What room/get and every change answer (TAPCreateRoomResponse; the web SDK reads `room`). */
export interface RoomDetails {
  room: RoomView;
  participants: ClientUser[];
  adminUserIDs: string[];
}

async function details(deps: Deps, actor: ChatActor, state: RoomState): Promise<RoomDetails> {
  const ids = state.members.map((m) => m.userId);
  const users = await userViews(deps, actor.projectId, ids);
  const adminUserIDs = state.members.filter((m) => m.isAdmin).map((m) => String(m.userId));
  const pair = personalRoomUsers(state.room.id);
  // A personal room is named after the other participant, as the caller sees it.
  const other = pair === undefined ? undefined : users.get(pair[0] === actor.userId ? pair[1] : pair[0]);
  return {
    room: roomView(state.room, other, adminUserIDs),
    participants: ids.flatMap((id) => users.get(id) ?? []),
    adminUserIDs,
  };
}

const denied = (message: string, field = 'roomID') => new ApiError('PermissionDenied', { field, message });

/**
 * Runs `work` on the group's state as committed, under the room's row lock, so concurrent changes
 * of one group queue up (two admins demoting each other cannot leave it without an admin).
 * Refuses personal rooms, non-members, when `adminOnly` members who are not admins, and locked rooms.
 */
export async function changeGroup<T>(
  deps: Deps,
  actor: ChatActor,
  roomId: string,
  adminOnly: boolean,
  work: (trx: Transaction<DB>, state: RoomState) => Promise<T>,
): Promise<T> {
  if (personalRoomUsers(roomId) !== undefined) {
    await roomOfMember(deps, actor, roomId); // unknown → 40402, not mine → 40301, like any room
    throw denied('A personal room cannot be changed');
  }
  const now = deps.clock.now();
  const hooks = await subscribers(deps, actor.projectId, 'room.updated');
  return deps.db.transaction().execute(async (trx) => {
    // Writing the row first takes its lock (PostgreSQL) or the write lock (SQLite).
    await rooms.updateRoom(trx, actor.projectId, roomId, {}, now);
    const room = await rooms.findRoom(trx, actor.projectId, roomId);
    if (room === undefined || room.isDeleted) throw new ApiError('RoomNotFound', { field: 'roomID' });
    const members = await rooms.listMembers(trx, actor.projectId, roomId);
    const me = members.find((m) => m.userId === actor.userId);
    if (me === undefined) throw denied('Not a participant of this room');
    if (adminOnly && !me.isAdmin) throw denied('Only a group admin can do this');
    refuseLockedRoom({ room, members });
    const result = await work(trx, { room, members });
    await announceRoom(trx, deps, hooks, 'room.updated', actor.projectId, roomId);
    return result;
  });
}

/** The users, all of them existing users of the project, or 40401. */
async function existingUsers(deps: Deps, projectId: string, ids: number[]): Promise<Map<number, ClientUser>> {
  const users = await userViews(deps, projectId, ids);
  if (ids.some((id) => !users.has(id))) throw new ApiError('UserNotFound', { field: 'userIDs' });
  return users;
}

export async function nameOf(deps: Deps, projectId: string, userId: number): Promise<string> {
  return (await userViews(deps, projectId, [userId])).get(userId)?.fullname ?? '';
}

/**
 * A system message from the actor. The body is plain English with the names filled in: the web SDK
 * substitutes no placeholders (see docs/decisions-chat-rooms.md).
 */
async function announce(deps: Deps, actor: ChatActor, roomId: string, action: string, text: string, target?: ClientUser, alsoTo: number[] = []): Promise<void> {
  const about = target === undefined ? undefined : { targetType: 'user', targetID: target.userID, targetXCID: target.xcUserID, targetName: target.fullname };
  await sendServerMessage(
    deps,
    actor.projectId,
    roomId,
    actor.userId,
    { type: SYSTEM_MESSAGE, text, action, ...(about === undefined ? {} : { target: about }) },
    alsoTo,
  );
}

function checkSize(count: number): void {
  if (count > GROUP_MAX_PARTICIPANTS) {
    throw new ApiError('ParamValidationFailed', { field: 'userIDs', message: `A group can have at most ${GROUP_MAX_PARTICIPANTS} participants` });
  }
}

// ---------------------------------------------------------------------------------------------
// Reads

export async function getRoom(deps: Deps, actor: ChatActor, roomId: string): Promise<RoomDetails> {
  return details(deps, actor, await roomOfMember(deps, actor, roomId));
}

export async function getRoomByXcRoomId(deps: Deps, actor: ChatActor, xcRoomID: string): Promise<RoomDetails> {
  const room = await rooms.findRoomByXcRoomId(deps.db, actor.projectId, xcRoomID);
  if (room === undefined) throw new ApiError('RoomNotFound', { field: 'xcRoomID' });
  return getRoom(deps, actor, room.id);
}

// ---------------------------------------------------------------------------------------------
// Changes

/** room/create: the creator becomes admin; everyone named must be a user of the project. */
export async function createGroup(deps: Deps, actor: ChatActor, input: { name: string; userIDs: number[] }): Promise<RoomDetails> {
  const others = input.userIDs.filter((id) => id !== actor.userId);
  checkSize(others.length + 1);
  await existingUsers(deps, actor.projectId, others);
  await refuseBlockers(deps, actor, others, 'userIDs');
  // No '-' in a group id, so it can never read as a personal room (spec §6).
  const id = ulid().toLowerCase();
  const now = deps.clock.now();
  const hooks = await subscribers(deps, actor.projectId, 'room.created');
  await deps.db.transaction().execute(async (trx) => {
    await rooms.insertRoom(trx, {
      projectId: actor.projectId,
      id,
      type: ROOM_GROUP,
      name: input.name,
      xcRoomID: '',
      imageThumbnail: '',
      imageFullsize: '',
      color: '',
      now,
    });
    await rooms.addMembers(trx, actor.projectId, id, [{ userId: actor.userId, isAdmin: true }, ...others.map((userId) => ({ userId, isAdmin: false }))], now);
    await announceRoom(trx, deps, hooks, 'room.created', actor.projectId, id);
  });
  await announce(deps, actor, id, 'room/create', `${await nameOf(deps, actor.projectId, actor.userId)} created this group`);
  return getRoom(deps, actor, id);
}

/** room/update: rename (admins). */
export async function renameGroup(deps: Deps, actor: ChatActor, roomId: string, name: string): Promise<RoomDetails> {
  const changed = await changeGroup(deps, actor, roomId, true, async (trx, state) => {
    if (state.room.name === name) return false;
    await rooms.updateRoom(trx, actor.projectId, roomId, { name }, deps.clock.now());
    return true;
  });
  if (changed) {
    deps.chat.hub.roomChanged(actor.projectId, roomId);
    await announce(deps, actor, roomId, 'room/update', `${await nameOf(deps, actor.projectId, actor.userId)} renamed the group to ${name}`);
  }
  return getRoom(deps, actor, roomId);
}

/** room/delete (admins): members hear of it first, since a deleted room delivers nothing. */
export async function deleteGroup(deps: Deps, actor: ChatActor, roomId: string): Promise<{ success: boolean; message: string }> {
  await changeGroup(deps, actor, roomId, true, async () => undefined);
  await announce(deps, actor, roomId, 'room/delete', `${await nameOf(deps, actor.projectId, actor.userId)} deleted this group`);
  const now = deps.clock.now();
  const hooks = await subscribers(deps, actor.projectId, 'room.updated');
  await deps.db.transaction().execute(async (trx) => {
    await rooms.updateRoom(trx, actor.projectId, roomId, { deleted: true }, now);
    await announceRoom(trx, deps, hooks, 'room.updated', actor.projectId, roomId);
  });
  deps.chat.hub.roomChanged(actor.projectId, roomId);
  return { success: true, message: 'Group deleted' };
}

/**
 * room/leave: the last admin leaving hands the role to the longest-standing member; the last
 * member leaving ends the room. The leaver receives the room/leave message too: it is what makes
 * the web SDK drop the room from the leaver's list.
 */
export async function leaveGroup(deps: Deps, actor: ChatActor, roomId: string): Promise<{ success: boolean; message: string }> {
  const outcome = await changeGroup(deps, actor, roomId, false, async (trx, state) => {
    const rest = state.members.filter((m) => m.userId !== actor.userId);
    await rooms.removeMembers(trx, actor.projectId, roomId, [actor.userId]);
    const heir = rest.some((m) => m.isAdmin) ? undefined : rest[0];
    if (heir !== undefined) await rooms.setAdmins(trx, actor.projectId, roomId, [heir.userId], true);
    return { heir: heir?.userId, empty: rest.length === 0 };
  });
  deps.chat.hub.roomChanged(actor.projectId, roomId);
  await announce(deps, actor, roomId, 'room/leave', `${await nameOf(deps, actor.projectId, actor.userId)} left the group`, undefined, [actor.userId]);
  if (outcome.heir !== undefined) {
    const heir = (await existingUsers(deps, actor.projectId, [outcome.heir])).get(outcome.heir) as ClientUser;
    await announce(deps, actor, roomId, 'room/promoteAdmin', `${heir.fullname} is now an admin`, heir);
  }
  if (outcome.empty) {
    const now = deps.clock.now();
    await rooms.updateRoom(deps.db, actor.projectId, roomId, { deleted: true }, now);
    deps.chat.hub.roomChanged(actor.projectId, roomId);
  }
  return { success: true, message: 'You have left the group' };
}

/** participants/add (admins): users already in the group are skipped. */
export async function addParticipants(deps: Deps, actor: ChatActor, roomId: string, userIds: number[]): Promise<RoomDetails> {
  const users = await existingUsers(deps, actor.projectId, userIds);
  await refuseBlockers(deps, actor, userIds, 'userIDs');
  const added = await changeGroup(deps, actor, roomId, true, async (trx, state) => {
    const fresh = userIds.filter((id) => !state.members.some((m) => m.userId === id));
    checkSize(state.members.length + fresh.length);
    await rooms.addMembers(
      trx,
      actor.projectId,
      roomId,
      fresh.map((userId) => ({ userId, isAdmin: false })),
      deps.clock.now(),
    );
    return fresh;
  });
  return tell(deps, actor, roomId, added, users, 'room/addParticipant', (me, target) => `${me} added ${target}`);
}

/** participants/remove (admins): each removed user also receives the message about it. */
export async function removeParticipants(deps: Deps, actor: ChatActor, roomId: string, userIds: number[]): Promise<RoomDetails> {
  const removed = await changeGroup(deps, actor, roomId, true, async (trx, state) => {
    if (userIds.includes(actor.userId)) throw new ApiError('ParamValidationFailed', { field: 'userIDs', message: 'Use room/leave to leave a group' });
    requireMembers(state, userIds);
    await rooms.removeMembers(trx, actor.projectId, roomId, userIds);
    return userIds;
  });
  const users = await userViews(deps, actor.projectId, removed);
  return tell(deps, actor, roomId, removed, users, 'room/removeParticipant', (me, target) => `${me} removed ${target}`, true);
}

/** admins/promote (admins): members who are admins already are skipped. */
export async function promoteAdmins(deps: Deps, actor: ChatActor, roomId: string, userIds: number[]): Promise<RoomDetails> {
  const promoted = await changeGroup(deps, actor, roomId, true, async (trx, state) => {
    requireMembers(state, userIds);
    const todo = userIds.filter((id) => !state.members.some((m) => m.userId === id && m.isAdmin));
    await rooms.setAdmins(trx, actor.projectId, roomId, todo, true);
    return todo;
  });
  const users = await userViews(deps, actor.projectId, promoted);
  return tell(deps, actor, roomId, promoted, users, 'room/promoteAdmin', (me, target) => `${me} made ${target} an admin`);
}

/** admins/demote (admins): members who are not admins are skipped; a group keeps one admin at least. */
export async function demoteAdmins(deps: Deps, actor: ChatActor, roomId: string, userIds: number[]): Promise<RoomDetails> {
  const demoted = await changeGroup(deps, actor, roomId, true, async (trx, state) => {
    requireMembers(state, userIds);
    const todo = userIds.filter((id) => state.members.some((m) => m.userId === id && m.isAdmin));
    if (!state.members.some((m) => m.isAdmin && !todo.includes(m.userId))) throw denied('A group needs at least one admin', 'userIDs');
    await rooms.setAdmins(trx, actor.projectId, roomId, todo, false);
    return todo;
  });
  const users = await userViews(deps, actor.projectId, demoted);
  return tell(deps, actor, roomId, demoted, users, 'room/demoteAdmin', (me, target) => `${me} removed ${target} as admin`);
}

function requireMembers(state: RoomState, userIds: number[]): void {
  if (userIds.some((id) => !state.members.some((m) => m.userId === id))) {
    throw new ApiError('UserNotFound', { field: 'userIDs', message: 'User is not a participant of this room' });
  }
}

/** After a change about some users: every node forgets the room, then one message per user. */
async function tell(
  deps: Deps,
  actor: ChatActor,
  roomId: string,
  targets: number[],
  users: Map<number, ClientUser>,
  action: string,
  text: (me: string, target: string) => string,
  targetListens = false,
): Promise<RoomDetails> {
  if (targets.length > 0) {
    deps.chat.hub.roomChanged(actor.projectId, roomId);
    const me = await nameOf(deps, actor.projectId, actor.userId);
    for (const id of targets) {
      const target = users.get(id);
      if (target === undefined) continue;
      await announce(deps, actor, roomId, action, text(me, target.fullname), target, targetListens ? [id] : []);
    }
  }
  return details(deps, actor, await roomState(deps, actor.projectId, roomId));
}
