// Stars (each user's own) and pins (the room's, told to it by `message/pin` and `message/unpin`
// system messages the SDKs act on). Only messages of a room the caller is in, not deleted, can be
// marked; lists leave out what was deleted since, or what the caller no longer sees (docs/chat-state.md).
import type { MessageView } from '../chat/views.ts';
import type { Deps } from '../deps.ts';
import { ApiError } from '../errors.ts';
import { findMessagesNewestFirst } from '../repos/message-lists.ts';
import * as marks from '../repos/message-marks.ts';
import * as messages from '../repos/messages.ts';
import type { StoredMessage } from '../repos/messages.ts';
import { statesOfUser } from '../repos/room-user-states.ts';
import { viewsFor } from './message-lists.ts';
import { type ChatActor, refuseLockedRoom, roomOfMember, userViews } from './room-state.ts';
import { sendServerMessage } from './server-messages.ts';

const SYSTEM_MESSAGE = 9001;

/** The named messages of the room, all of them, or a refusal: 40002 none named, 40403 one not there. */
async function markable(deps: Deps, actor: ChatActor, roomId: string, ids: number[], pin = false): Promise<StoredMessage[]> {
  const state = await roomOfMember(deps, actor, roomId);
  // A pin is the room's (and said in it), a star the caller's own: only pins are refused in a locked room.
  if (pin) refuseLockedRoom(state);
  if (ids.length === 0) throw new ApiError('ParamValidationFailed', { field: 'messageIDs', message: 'messageIDs must name at least one message' });
  const found = (await messages.findMessagesByIds(deps.db, actor.projectId, ids)).filter((m) => m.roomId === roomId && !m.isDeleted);
  if (found.length !== ids.length) throw new ApiError('MessageNotFound', { field: 'messageIDs' });
  return found;
}

/** Of marked ids (newest first), the messages the caller still sees. */
async function stillSeen(deps: Deps, actor: ChatActor, roomId: string, ids: number[]): Promise<StoredMessage[]> {
  const hidden = await marks.hiddenAmong(deps.db, actor.projectId, actor.userId, ids);
  const clearedAt = (await statesOfUser(deps.db, actor.projectId, actor.userId, [roomId]))[0]?.clearedAt ?? 0;
  return (await findMessagesNewestFirst(deps.db, actor.projectId, ids)).filter((m) => !m.isDeleted && !hidden.has(m.id) && m.created > clearedAt);
}

export interface Page {
  messages: MessageView[];
  hasMore: boolean;
  pageNumber: number;
  totalItems: number;
  totalPages: number;
}

async function page(deps: Deps, actor: ChatActor, list: StoredMessage[], pageNumber: number, pageSize: number): Promise<Page> {
  const size = Math.min(pageSize, deps.chat.limits.listMax);
  const slice = list.slice((pageNumber - 1) * size, pageNumber * size);
  const totalPages = Math.max(1, Math.ceil(list.length / size));
  return { messages: await viewsFor(deps, actor, slice), hasMore: pageNumber < totalPages, pageNumber, totalItems: list.length, totalPages };
}

export async function starMessages(deps: Deps, actor: ChatActor, roomId: string, ids: number[]): Promise<string[]> {
  const found = await markable(deps, actor, roomId, ids);
  await marks.addUserMarks(
    deps.db,
    'message_stars',
    actor.projectId,
    actor.userId,
    roomId,
    found.map((m) => m.id),
    deps.clock.now(),
  );
  return found.map((m) => String(m.id));
}

/** Unstarring what is not starred succeeds: the answer names what is unstarred now. */
export async function unstarMessages(deps: Deps, actor: ChatActor, roomId: string, ids: number[]): Promise<string[]> {
  await roomOfMember(deps, actor, roomId);
  if (ids.length === 0) throw new ApiError('ParamValidationFailed', { field: 'messageIDs', message: 'messageIDs must name at least one message' });
  await marks.removeUserMarks(deps.db, 'message_stars', actor.projectId, actor.userId, roomId, ids);
  return ids.map(String);
}

async function starred(deps: Deps, actor: ChatActor, roomId: string): Promise<StoredMessage[]> {
  await roomOfMember(deps, actor, roomId);
  return stillSeen(deps, actor, roomId, await marks.userMarkIds(deps.db, 'message_stars', actor.projectId, actor.userId, roomId));
}

export async function starredIds(deps: Deps, actor: ChatActor, roomId: string): Promise<string[]> {
  return (await starred(deps, actor, roomId)).map((m) => String(m.id));
}

export async function starredPage(deps: Deps, actor: ChatActor, roomId: string, pageNumber: number, pageSize: number): Promise<Page> {
  return page(deps, actor, await starred(deps, actor, roomId), pageNumber, pageSize);
}

/** The caller's name, for the text of a system message. */
async function nameOf(deps: Deps, actor: ChatActor): Promise<string> {
  return (await userViews(deps, actor.projectId, [actor.userId])).get(actor.userId)?.fullname ?? '';
}

/** Pins for the whole room; each newly pinned message is told to the room by a `message/pin` system message. */
export async function pinMessages(deps: Deps, actor: ChatActor, roomId: string, ids: number[]): Promise<string[]> {
  const found = await markable(deps, actor, roomId, ids, true);
  const added = new Set(
    await marks.addPins(
      deps.db,
      actor.projectId,
      roomId,
      actor.userId,
      found.map((m) => m.id),
      deps.clock.now(),
    ),
  );
  const name = await nameOf(deps, actor);
  for (const m of found.filter((f) => added.has(f.id))) {
    // The pinned message as the SDKs rebuild it: its own ciphertext, under its own localID.
    const data = { messageID: String(m.id), localID: m.localID, type: m.type, body: m.body, data: m.data, createdTime: m.created };
    await sendServerMessage(deps, actor.projectId, roomId, actor.userId, {
      type: SYSTEM_MESSAGE,
      text: `${name} pinned a message`,
      action: 'message/pin',
      data,
    });
  }
  return found.map((m) => String(m.id));
}

export async function unpinMessages(deps: Deps, actor: ChatActor, roomId: string, ids: number[]): Promise<string[]> {
  refuseLockedRoom(await roomOfMember(deps, actor, roomId));
  if (ids.length === 0) throw new ApiError('ParamValidationFailed', { field: 'messageIDs', message: 'messageIDs must name at least one message' });
  const removed = await marks.removePins(deps.db, actor.projectId, roomId, ids);
  const name = await nameOf(deps, actor);
  for (const m of await findMessagesNewestFirst(deps.db, actor.projectId, removed)) {
    const data = { messageID: String(m.id), localID: m.localID, type: m.type, createdTime: m.created };
    await sendServerMessage(deps, actor.projectId, roomId, actor.userId, {
      type: SYSTEM_MESSAGE,
      text: `${name} unpinned a message`,
      action: 'message/unpin',
      data,
    });
  }
  return ids.map(String);
}

async function pinned(deps: Deps, actor: ChatActor, roomId: string): Promise<StoredMessage[]> {
  await roomOfMember(deps, actor, roomId);
  return stillSeen(deps, actor, roomId, await marks.pinIds(deps.db, actor.projectId, roomId));
}

export async function pinnedIds(deps: Deps, actor: ChatActor, roomId: string): Promise<string[]> {
  return (await pinned(deps, actor, roomId)).map((m) => String(m.id));
}

export async function pinnedPage(deps: Deps, actor: ChatActor, roomId: string, pageNumber: number, pageSize: number): Promise<Page> {
  return page(deps, actor, await pinned(deps, actor, roomId), pageNumber, pageSize);
}
