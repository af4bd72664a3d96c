// Room state: who is in a room, and the users and rooms that deliveries name. Both are cached
// briefly in each process (a name in a delivery may lag a profile change by a few seconds); a room's
// cached state is dropped on every node when its members or details change (hub.roomChanged).
import { ROOM_PERSONAL, personalRoomUsers } from '../chat/views.ts';
import type { Deps } from '../deps.ts';
import { ApiError, ERRORS } from '../errors.ts';
import { findBlockersInPair } from '../repos/blocks.ts';
import * as rooms from '../repos/rooms.ts';
import type { Room, RoomState } from '../repos/rooms.ts';
import { findUsersByIds } from '../repos/users.ts';
import { type ClientUser, toClientUser } from './user-view.ts';

export type { RoomState };

/** Who is acting: a PowerTalk user of a project. */
export interface ChatActor {
  projectId: string;
  userId: number;
}

/** The client user objects of these ids when every one is cached (nothing to wait for); undefined otherwise. */
export function cachedUserViews(deps: Deps, projectId: string, ids: number[]): Map<number, ClientUser> | undefined {
  const found = new Map<number, ClientUser>();
  for (const id of ids) {
    const cached = deps.chat.users.get(`${projectId}\0${id}`);
    if (cached === undefined) return undefined;
    found.set(id, cached);
  }
  return found;
}

/** The client user objects of these ids (those that exist). */
export async function userViews(deps: Deps, projectId: string, ids: number[]): Promise<Map<number, ClientUser>> {
  const found = new Map<number, ClientUser>();
  const missing: number[] = [];
  for (const id of new Set(ids)) {
    const cached = deps.chat.users.get(`${projectId}\0${id}`);
    if (cached === undefined) missing.push(id);
    else found.set(id, cached);
  }
  for (const row of await findUsersByIds(deps.db, projectId, missing)) {
    const view = toClientUser(row);
    deps.chat.users.set(`${projectId}\0${row.id}`, view);
    found.set(row.id, view);
  }
  return found;
}

/** A user's client object, or 40401. */
export async function userView(deps: Deps, projectId: string, id: number): Promise<ClientUser> {
  const view = (await userViews(deps, projectId, [id])).get(id);
  if (view === undefined) throw new ApiError('UserNotFound');
  return view;
}

/** The row a personal room gets with its first message. */
function personalRoom(projectId: string, roomId: string, now: number): Room {
  return {
    projectId,
    id: roomId,
    type: ROOM_PERSONAL,
    name: '',
    xcRoomID: '',
    imageThumbnail: '',
    imageFullsize: '',
    color: '',
    isDeleted: false,
    deletedAt: 0,
    isLocked: false,
    lockedAt: 0,
    seq: 0,
    createdAt: now,
    updatedAt: now,
  };
}

/**
 * The room and its members. A personal room exists implicitly for any two users of the project
 * (spec §6): its first message creates the row. Throws 40402 for an unknown or deleted room.
 */
export async function roomState(deps: Deps, projectId: string, roomId: string): Promise<RoomState> {
  const key = `${projectId}\0${roomId}`;
  const cached = deps.chat.rooms.get(key);
  if (cached !== undefined) return cached;
  const pair = personalRoomUsers(roomId);
  let state: RoomState;
  if (pair !== undefined) {
    const users = await userViews(deps, projectId, pair);
    if (!users.has(pair[0]) || !users.has(pair[1])) throw new ApiError('RoomNotFound', { field: 'roomID' });
    const room = (await rooms.findRoom(deps.db, projectId, roomId)) ?? personalRoom(projectId, roomId, deps.clock.now());
    const members = pair[0] === pair[1] ? [{ userId: pair[0], isAdmin: false }] : pair.map((userId) => ({ userId, isAdmin: false }));
    // Read with the room and cached with it, so a message costs no look-up of blocks.
    state = { room, members, blockers: await findBlockersInPair(deps.db, projectId, pair) };
  } else {
    const room = await rooms.findRoom(deps.db, projectId, roomId);
    if (room === undefined || room.isDeleted) throw new ApiError('RoomNotFound', { field: 'roomID' });
    state = { room, members: await rooms.listMembers(deps.db, projectId, roomId) };
  }
  deps.chat.rooms.set(key, state);
  return state;
}

/** The room state, or 40301 when the actor is not in it. */
export async function roomOfMember(deps: Deps, actor: ChatActor, roomId: string): Promise<RoomState> {
  return memberOf(await roomState(deps, actor.projectId, roomId), actor);
}

/**
 * roomOfMember without waiting, when the room's state is cached (as it is while the room is busy);
 * undefined when it is not. A message's way from its frame to its commit queue then has no wait in it.
 */
export function cachedRoomOfMember(deps: Deps, actor: ChatActor, roomId: string): RoomState | undefined {
  const state = deps.chat.rooms.get(`${actor.projectId}\0${roomId}`);
  return state === undefined ? undefined : memberOf(state, actor);
}

function memberOf(state: RoomState, actor: ChatActor): RoomState {
  if (!state.members.some((m) => m.userId === actor.userId))
    throw new ApiError('PermissionDenied', { field: 'roomID', message: 'Not a participant of this room' });
  return state;
}

/**
 * 409 / 40910 when the room is locked (a closed case's room): its chat users write nothing into it.
 * Read from the cached state, so a message costs no query; close and reopen drop it on every node.
 */
export function refuseLockedRoom(state: RoomState, field = 'roomID'): void {
  if (state.room.isLocked) throw new ApiError('RoomLocked', { field });
}

/**
 * The room state, or undefined when the room does not exist (any more): for reads over many rooms,
 * where a deleted room is skipped. Anything else (the database failing) still fails the call.
 */
export async function roomStateIfExists(deps: Deps, projectId: string, roomId: string): Promise<RoomState | undefined> {
  try {
    return await roomState(deps, projectId, roomId);
  } catch (err) {
    if (err instanceof ApiError && err.code === ERRORS.RoomNotFound.code) return undefined;
    throw err;
  }
}
