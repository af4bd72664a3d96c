// POST /v1/server/room/create_or_update: a backend's rooms, found by its own id (xcRoomID). A new room
// gets its participants by xcUserID and by user role; an existing one keeps its type and participants
// (new role codes admit more users) and takes the new name, pictures and tags. Participants see the
// room appear live through the same system messages as a client-made group, sent on behalf of the
// first participant (a backend has no user of its own).
import { ulid } from 'ulid';
import { roomView } from '../chat/views.ts';
import type { Deps } from '../deps.ts';
import { ApiError } from '../errors.ts';
import * as rooms from '../repos/rooms.ts';
import type { Room } from '../repos/rooms.ts';
import { setRoomRoles, setRoomTags } from '../repos/server-rooms.ts';
import { findUsersByRoles, findUsersByXcUserIds } from '../repos/users.ts';
import { isUniqueViolation } from '../storage/dialect.ts';
import { announceRoom } from './room-events.ts';
import { roomState, userViews } from './room-state.ts';
import { sendServerMessage } from './server-messages.ts';
import type { ClientUser } from './user-view.ts';
import { subscribers } from './webhooks.ts';

export const ROOM_TRANSACTION = 4;
/** The same bound as client-made groups. */
const MAX_PARTICIPANTS = 100;

export interface ServerRoomInput {
  xcRoomID: string;
  type: number;
  name: string;
  photoThumbnailURL: string | undefined;
  photoFullsizeURL: string | undefined;
  tags: string[] | undefined;
  participantXCUserIDs: string[] | undefined;
  participantUserRoles: string[] | undefined;
}

export interface ServerRoom {
  room: Omit<ReturnType<typeof roomView>, 'unreadCount' | 'admins'>;
  participants: ClientUser[];
}

export async function createOrUpdateRoom(deps: Deps, projectId: string, input: ServerRoomInput): Promise<ServerRoom> {
  const existing = await rooms.findRoomByXcRoomId(deps.db, projectId, input.xcRoomID);
  if (existing !== undefined && !existing.isDeleted) return updateRoom(deps, projectId, existing, input);
  try {
    return await createRoom(deps, projectId, input);
  } catch (err) {
    // Another call created it a moment ago: this one is an update of it.
    if (!isUniqueViolation(err)) throw err;
    const created = await rooms.findRoomByXcRoomId(deps.db, projectId, input.xcRoomID);
    if (created === undefined) throw err;
    return updateRoom(deps, projectId, created, input);
  }
}

async function participantsOf(deps: Deps, projectId: string, input: ServerRoomInput): Promise<number[]> {
  const xcIds = [...new Set(input.participantXCUserIDs ?? [])];
  const named = await findUsersByXcUserIds(deps.db, projectId, xcIds);
  const unknown = xcIds.find((xc) => !named.some((u) => u.xcUserID === xc));
  if (unknown !== undefined) throw new ApiError('UserNotFound', { field: '107', message: `User not found (xcUserID ${unknown})` });
  const byRole = await findUsersByRoles(deps.db, projectId, input.participantUserRoles ?? []);
  const ids = [...new Set([...named, ...byRole].map((u) => u.id))];
  if (ids.length > MAX_PARTICIPANTS)
    throw new ApiError('ParamValidationFailed', { field: '107', message: `A room can have at most ${MAX_PARTICIPANTS} participants` });
  return ids;
}

async function createRoom(deps: Deps, projectId: string, input: ServerRoomInput): Promise<ServerRoom> {
  const members = await participantsOf(deps, projectId, input);
  const hooks = await subscribers(deps, projectId, 'room.created');
  const id = ulid().toLowerCase();
  const now = deps.clock.now();
  await deps.db.transaction().execute(async (trx) => {
    await rooms.insertRoom(trx, {
      projectId,
      id,
      type: input.type,
      name: input.name,
      xcRoomID: input.xcRoomID,
      imageThumbnail: input.photoThumbnailURL ?? '',
      imageFullsize: input.photoFullsizeURL ?? '',
      color: '',
      now,
    });
    await rooms.addMembers(
      trx,
      projectId,
      id,
      members.map((userId) => ({ userId, isAdmin: false })),
      now,
    );
    await setRoomTags(trx, projectId, id, input.tags ?? []);
    await setRoomRoles(trx, projectId, id, input.participantUserRoles ?? []);
    await announceRoom(trx, deps, hooks, 'room.created', projectId, id);
  });
  const first = members[0];
  if (first !== undefined) await sendServerMessage(deps, projectId, id, first, { type: 9001, text: `${input.name} was created`, action: 'room/create' });
  return answer(deps, projectId, id);
}

async function updateRoom(deps: Deps, projectId: string, room: Room, input: ServerRoomInput): Promise<ServerRoom> {
  if (room.type !== input.type) {
    throw new ApiError('ParamValidationFailed', { field: '102', message: `The room's type is ${room.type}; it cannot change` });
  }
  const before = await roomState(deps, projectId, room.id);
  const admitted = input.participantUserRoles === undefined ? [] : await findUsersByRoles(deps.db, projectId, input.participantUserRoles);
  const added = [...new Set(admitted.map((u) => u.id))].filter((id) => !before.members.some((m) => m.userId === id));
  if (before.members.length + added.length > MAX_PARTICIPANTS) {
    throw new ApiError('ParamValidationFailed', { field: '108', message: `A room can have at most ${MAX_PARTICIPANTS} participants` });
  }
  const details = {
    name: input.name,
    imageThumbnail: input.photoThumbnailURL ?? room.imageThumbnail,
    imageFullsize: input.photoFullsizeURL ?? room.imageFullsize,
  };
  const renamed = details.name !== room.name || details.imageThumbnail !== room.imageThumbnail || details.imageFullsize !== room.imageFullsize;
  const hooks = await subscribers(deps, projectId, 'room.updated');
  const now = deps.clock.now();
  await deps.db.transaction().execute(async (trx) => {
    await rooms.updateRoom(trx, projectId, room.id, details, now);
    await rooms.addMembers(
      trx,
      projectId,
      room.id,
      added.map((userId) => ({ userId, isAdmin: false })),
      now,
    );
    if (input.tags !== undefined) await setRoomTags(trx, projectId, room.id, input.tags);
    if (input.participantUserRoles !== undefined) await setRoomRoles(trx, projectId, room.id, input.participantUserRoles);
    await announceRoom(trx, deps, hooks, 'room.updated', projectId, room.id);
  });
  deps.chat.hub.roomChanged(projectId, room.id);
  const speaker = before.members[0]?.userId ?? added[0];
  if (speaker !== undefined) {
    if (renamed) await sendServerMessage(deps, projectId, room.id, speaker, { type: 9001, text: `The room is now ${details.name}`, action: 'room/update' });
    const names = await userViews(deps, projectId, added);
    for (const id of added) {
      const user = names.get(id);
      const target = { targetType: 'user', targetID: String(id), targetXCID: user?.xcUserID ?? '', targetName: user?.fullname ?? '' };
      await sendServerMessage(deps, projectId, room.id, speaker, { type: 9001, text: `${target.targetName} joined`, action: 'room/addParticipant', target });
    }
  }
  return answer(deps, projectId, room.id);
}

async function answer(deps: Deps, projectId: string, roomId: string): Promise<ServerRoom> {
  deps.chat.rooms.delete(`${projectId}\0${roomId}`);
  const state = await roomState(deps, projectId, roomId);
  const users = await userViews(
    deps,
    projectId,
    state.members.map((m) => m.userId),
  );
  const { unreadCount: _, admins: __, ...room } = roomView(state.room, undefined);
  return { room, participants: state.members.flatMap((m) => users.get(m.userId) ?? []) };
}
