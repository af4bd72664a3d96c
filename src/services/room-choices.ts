// What a user chooses for their rooms (client API room/mute, unmute, pin, unpin, mark_as_unread,
// clear_chat, and the id lists apps read at start-up): kept per user and room, told to the user's
// other devices. Semantics: docs/chat-state.md.
import { personalRoomUsers } from '../chat/views.ts';
import type { Deps } from '../deps.ts';
import { ApiError, ERRORS } from '../errors.ts';
import * as marks from '../repos/message-marks.ts';
import * as states from '../repos/room-user-states.ts';
import { roomIdsOfUser, unreadRoomIdsOfUser } from '../repos/rooms.ts';
import { type ChatActor, type RoomState, roomOfMember } from './room-state.ts';
import { type RoomUserEvent, tellOwnDevices } from './room-user-events.ts';

/** Each room the actor is in, or the first refusal (40402 unknown, 40301 not a member) on `roomIDs`. */
async function roomsOfMember(deps: Deps, actor: ChatActor, roomIds: string[]): Promise<RoomState[]> {
  const out: RoomState[] = [];
  for (const id of roomIds) {
    try {
      out.push(await roomOfMember(deps, actor, id));
    } catch (err) {
      if (!(err instanceof ApiError) || (err.code !== ERRORS.RoomNotFound.code && err.code !== ERRORS.PermissionDenied.code)) throw err;
      throw new ApiError(err.code === ERRORS.RoomNotFound.code ? 'RoomNotFound' : 'PermissionDenied', { field: 'roomIDs', message: err.message });
    }
  }
  return out;
}

async function choose(
  deps: Deps,
  actor: ChatActor,
  roomIds: string[],
  choice: states.Choice,
  event: RoomUserEvent,
  extra: Record<string, unknown> = {},
): Promise<string[]> {
  const rooms = await roomsOfMember(deps, actor, roomIds);
  await states.setChoice(deps.db, actor.projectId, actor.userId, roomIds, choice);
  for (const state of rooms) await tellOwnDevices(deps, actor, state, event, extra);
  return roomIds;
}

/** room/mute: `expiredAt` 0 mutes until unmuted; a time (epoch ms) mutes until then. */
export const muteRooms = (deps: Deps, actor: ChatActor, roomIds: string[], expiredAt: number) =>
  choose(deps, actor, roomIds, { muted_until: expiredAt }, 'room/mute', { expiredAt });
export const unmuteRooms = (deps: Deps, actor: ChatActor, roomIds: string[]) => choose(deps, actor, roomIds, { muted_until: null }, 'room/unmute');
export const pinRooms = (deps: Deps, actor: ChatActor, roomIds: string[]) => choose(deps, actor, roomIds, { pinned_at: deps.clock.now() }, 'room/pin');
export const unpinRooms = (deps: Deps, actor: ChatActor, roomIds: string[]) => choose(deps, actor, roomIds, { pinned_at: null }, 'room/unpin');
export const markRoomsUnread = (deps: Deps, actor: ChatActor, roomIds: string[]) =>
  choose(deps, actor, roomIds, { marked_unread_at: deps.clock.now() }, 'room/markAsUnread');

/**
 * room/clear_chat: every message of the room created until now is gone for the caller (others keep
 * theirs); the caller's stars there and the room's "marked unread" go with them.
 */
export async function clearRooms(deps: Deps, actor: ChatActor, roomIds: string[]): Promise<string[]> {
  const rooms = await roomsOfMember(deps, actor, roomIds);
  await deps.db.transaction().execute(async (trx) => {
    await states.setChoice(trx, actor.projectId, actor.userId, roomIds, { cleared_at: deps.clock.now(), marked_unread_at: null });
    for (const id of roomIds) await marks.removeUserMarks(trx, 'message_stars', actor.projectId, actor.userId, id);
  });
  for (const state of rooms) await tellOwnDevices(deps, actor, state, 'room/clearChat');
  return roomIds;
}

/** What get_room_ids_with_state answers (the Android SDK's start-up read); the other lists are parts of it. */
export interface RoomIdsWithState {
  clearedRooms: Array<{ roomID: string; clearTime: number }>;
  pinnedRoomIDs: string[];
  mutedRooms: Array<{ roomID: string; expiredAt: number }>;
  unreadRoomIDs: string[];
}

export async function roomIdsWithState(deps: Deps, actor: ChatActor): Promise<RoomIdsWithState> {
  const now = deps.clock.now();
  // A group left or deleted since keeps its row, but is no longer the user's to list (the web SDK
  // expects every pinned room in its room list). A personal room is always the user's.
  const mine = await roomIdsOfUser(deps.db, actor.projectId, actor.userId);
  const rows = (await states.statesOfUser(deps.db, actor.projectId, actor.userId)).filter(
    (s) => mine.has(s.roomId) || personalRoomUsers(s.roomId) !== undefined,
  );
  const marked = rows.filter((s) => s.markedUnreadAt !== null).map((s) => s.roomId);
  const holding = await unreadRoomIdsOfUser(deps.db, actor.projectId, actor.userId);
  return {
    clearedRooms: rows.filter((s) => s.clearedAt > 0).map((s) => ({ roomID: s.roomId, clearTime: s.clearedAt })),
    // Most recently pinned first, as the SDKs put a newly pinned room on top.
    pinnedRoomIDs: rows
      .filter((s) => s.pinnedAt !== null)
      .sort((a, b) => (b.pinnedAt as number) - (a.pinnedAt as number) || a.roomId.localeCompare(b.roomId))
      .map((s) => s.roomId),
    // An expired mute is no mute: left out (the row stays until the user mutes or unmutes again).
    mutedRooms: rows
      .filter((s) => s.mutedUntil !== null && (s.mutedUntil === 0 || s.mutedUntil > now))
      .map((s) => ({ roomID: s.roomId, expiredAt: s.mutedUntil as number })),
    unreadRoomIDs: [...new Set([...marked, ...holding])].sort(),
  };
}
