// Messages: sending, changing, delivery and read state, and the lists the SDKs load (spec §4.4, §7.3,
// §7.4). Every change is stored first, as the room's next event (sequence number and time), then
// delivered.
import type { Kysely } from 'kysely';
import type { Target } from '../chat/hub.ts';
import { encryptContent, newLocalId } from '../chat/cipher.ts';
import { type ClientMessage, isServerType, readClientMessage } from '../chat/message-input.ts';
import { type MessageView, ROOM_PERSONAL, type RoomView, eventFrame, messageFrames, messageView, personalRoomUsers, roomView } from '../chat/views.ts';
import type { Deps } from '../deps.ts';
import { ApiError } from '../errors.ts';
import * as messages from '../repos/messages.ts';
import type { MessageChange, StoredMessage } from '../repos/messages.ts';
import * as rooms from '../repos/rooms.ts';
import * as sessions from '../repos/sessions.ts';
import type { Member, Room, RoomEvent } from '../repos/rooms.ts';
import { findUsersByIds } from '../repos/users.ts';
import type { DB } from '../storage/schema.ts';
import { type ClientUser, toClientUser } from './user-view.ts';

/** Who is acting: a PowerTalk user of a project. */
export interface ChatActor {
  projectId: string;
  userId: number;
}

export interface RoomState {
  room: Room;
  members: Member[];
}

// ---------------------------------------------------------------------------------------------
// Users and rooms, cached briefly (names in deliveries may lag a profile change by a few seconds)

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

async function userView(deps: Deps, projectId: string, id: number): Promise<ClientUser> {
  const view = (await userViews(deps, projectId, [id])).get(id);
  if (view === undefined) throw new ApiError('UserNotFound');
  return view;
}

/** A user who no longer exists still appears on old messages. */
function unknownUser(id: number): ClientUser {
  return { ...toClientUser({ id, xc_user_id: '', fullname: '' } as Parameters<typeof toClientUser>[0]) };
}

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
    state = { room, members };
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
  const state = await roomState(deps, actor.projectId, roomId);
  if (!state.members.some((m) => m.userId === actor.userId)) throw new ApiError('PermissionDenied', { field: 'roomID', message: 'Not a participant of this room' });
  return state;
}

/** The room as each member sees it (personal rooms are named after the other participant). */
async function roomViewsFor(deps: Deps, state: RoomState, viewers: number[]): Promise<Map<number, RoomView>> {
  const views = new Map<number, RoomView>();
  if (state.room.type === ROOM_PERSONAL) {
    const pair = personalRoomUsers(state.room.id) as [number, number];
    const users = await userViews(deps, state.room.projectId, pair);
    for (const viewer of viewers) {
      const other = viewer === pair[0] ? pair[1] : pair[0];
      views.set(viewer, roomView(state.room, users.get(other) ?? unknownUser(other)));
    }
  } else {
    const view = roomView(state.room, undefined, state.members.filter((m) => m.isAdmin).map((m) => String(m.userId)));
    for (const viewer of viewers) views.set(viewer, view);
  }
  return views;
}

/** Frames of one event about `m` for `users` (default: every member of its room). */
async function targetsFor(deps: Deps, state: RoomState, m: StoredMessage, eventName: string, users?: number[]): Promise<Target[]> {
  const recipients = users ?? state.members.map((member) => member.userId);
  if (recipients.length === 0) return [];
  const sender = (await userViews(deps, state.room.projectId, [m.senderId])).get(m.senderId) ?? unknownUser(m.senderId);
  const views = await roomViewsFor(deps, state, recipients);
  if (state.room.type !== ROOM_PERSONAL) {
    return [{ users: recipients, frame: messageFrames(eventName, m, sender, [views.get(recipients[0] as number) as RoomView])[0] as string }];
  }
  const frames = messageFrames(eventName, m, sender, recipients.map((userId) => views.get(userId) as RoomView));
  return recipients.map((userId, i) => ({ users: [userId], frame: frames[i] as string }));
}

// ---------------------------------------------------------------------------------------------
// Writes

/** A stored message with the room event that last changed it. */
interface Changed {
  message: StoredMessage;
  event: RoomEvent;
}

/** Stores a change as the room's next event. Runs inside a (possibly shared) transaction. */
async function storeChange(trx: Kysely<DB>, m: StoredMessage, change: MessageChange, now: number): Promise<Changed> {
  const event = await rooms.nextRoomEvent(trx, m.projectId, m.roomId, now);
  if (event === undefined) throw new ApiError('RoomNotFound', { field: 'roomID' });
  await messages.updateMessage(trx, m.id, change, event.at);
  return { message: { ...m, ...change, updated: event.at }, event };
}

/** A new message as stored: no flag set yet, created (and last changed) at its event's time. */
function freshMessage(content: Omit<messages.NewMessage, 'isDelivered' | 'isRead' | 'isDeleted' | 'isEdited' | 'created' | 'updated' | 'deleted'>, at: number): messages.NewMessage {
  return { ...content, isDelivered: false, isRead: false, isDeleted: false, isEdited: false, created: at, updated: at, deleted: 0 };
}

/**
 * chat/sendMessage (spec §4.4): persist, then echo to every socket of every participant. Resolves
 * once the message is checked and queued for storage, so a client's next messages can join the
 * same commit; `done` settles after it is stored and delivered (or refused).
 */
export async function sendMessage(deps: Deps, actor: ChatActor, raw: unknown): Promise<{ done: Promise<void> }> {
  const input: ClientMessage = readClientMessage(raw, deps.chat.limits);
  const state = await roomOfMember(deps, actor, input.roomID);
  const now = deps.clock.now();
  const written = deps.writes.run(async (trx) => {
    let event = await rooms.nextRoomEvent(trx, actor.projectId, input.roomID, now);
    if (event === undefined && state.room.type === ROOM_PERSONAL) {
      await rooms.insertRoom(trx, { ...state.room, now });
      await rooms.addMembers(trx, actor.projectId, input.roomID, state.members, now);
      event = await rooms.nextRoomEvent(trx, actor.projectId, input.roomID, now);
    }
    if (event === undefined) throw new ApiError('RoomNotFound', { field: 'roomID' });
    const { at } = event;
    const { roomID: _, ...content } = input;
    const message = freshMessage({ projectId: actor.projectId, roomId: input.roomID, senderId: actor.userId, ...content }, at);
    const id = await messages.insertMessage(trx, message);
    if (id !== undefined) return { stored: { ...message, id }, event, replay: false };
    // The client replayed its queue after a reconnect: answer with what is stored.
    const stored = await messages.findMessageByLocalId(trx, actor.projectId, actor.userId, input.localID);
    if (stored === undefined) throw new ApiError('MessageNotFound', { field: 'localID' });
    return { stored, event, replay: true };
  });
  const done = written.then(async (outcome) => {
    deps.metrics.messages.inc({ event: outcome.replay ? 'replayed' : 'sent' });
    if (outcome.replay) {
      // The event number was taken: keep the room's sequence whole for other nodes.
      deps.chat.hub.roomEvent(actor.projectId, input.roomID, outcome.event, []);
      deps.chat.hub.ephemeral(actor.projectId, await targetsFor(deps, state, outcome.stored, 'chat/sendMessage', [actor.userId]), false);
      return;
    }
    deps.chat.hub.roomEvent(actor.projectId, input.roomID, outcome.event, await targetsFor(deps, state, outcome.stored, 'chat/sendMessage'));
  });
  return { done };
}

/**
 * chat/updateMessage from a client: the sender may edit content or delete; others may only mark
 * delivered or read (trying to edit or delete someone else's message is refused with 40301).
 * Anything else in the message is ignored; a message that ends up unchanged produces no event.
 */
export async function updateMessageFromClient(deps: Deps, actor: ChatActor, raw: unknown): Promise<void> {
  if (typeof raw !== 'object' || raw === null) throw new ApiError('ParamValidationFailed', { field: 'data', message: 'data must be a message object' });
  const m = raw as Record<string, unknown>;
  const stored = await findTargetMessage(deps, actor, m);
  // A message of a room the caller is not in answers exactly as an unknown id: ids reveal nothing.
  const state = await roomOfMember(deps, actor, stored.roomId).catch((err: unknown) => {
    throw err instanceof ApiError ? new ApiError('MessageNotFound', { field: 'messageID' }) : err;
  });
  const now = deps.clock.now();
  const change: MessageChange = {};
  if (stored.senderId === actor.userId) {
    if (m.isDeleted === true && !stored.isDeleted) Object.assign(change, { isDeleted: true, deleted: now });
    else if (!stored.isDeleted && !isServerType(stored.type)) {
      const input = readClientMessage({ ...m, localID: stored.localID, type: stored.type, room: { roomID: stored.roomId } }, deps.chat.limits);
      const quoteChanged = JSON.stringify(input.extra.quote) !== JSON.stringify(stored.extra.quote);
      if (input.body !== stored.body || input.data !== stored.data || quoteChanged) {
        Object.assign(change, { body: input.body, data: input.data, extra: { ...stored.extra, quote: input.extra.quote }, isEdited: true });
      }
    }
  } else {
    const touchesContent = (typeof m.body === 'string' && m.body !== stored.body) || (typeof m.data === 'string' && m.data !== stored.data);
    if (touchesContent || (m.isDeleted === true && !stored.isDeleted)) {
      throw new ApiError('PermissionDenied', { field: 'messageID', message: 'Only the sender can edit or delete a message' });
    }
    if (m.isRead === true && !stored.isRead) Object.assign(change, { isRead: true, isDelivered: true });
    else if (m.isDelivered === true && !stored.isDelivered) Object.assign(change, { isDelivered: true });
  }
  if (Object.keys(change).length === 0) return;
  const { message: updated, event } = await deps.writes.run((trx) => storeChange(trx, stored, change, now));
  deps.metrics.messages.inc({ event: change.isDeleted ? 'deleted' : change.body !== undefined ? 'edited' : 'status' });
  deps.chat.hub.roomEvent(actor.projectId, updated.roomId, event, await targetsFor(deps, state, updated, 'chat/updateMessage'));
}

async function findTargetMessage(deps: Deps, actor: ChatActor, m: Record<string, unknown>): Promise<StoredMessage> {
  const messageID = typeof m.messageID === 'string' && /^[1-9][0-9]{0,15}$/.test(m.messageID) ? Number(m.messageID) : undefined;
  let stored: StoredMessage | undefined;
  if (messageID !== undefined) [stored] = await messages.findMessagesByIds(deps.db, actor.projectId, [messageID]);
  else if (typeof m.localID === 'string') stored = await messages.findMessageByLocalId(deps.db, actor.projectId, actor.userId, m.localID);
  const room = m.room as { roomID?: unknown } | undefined;
  if (stored === undefined || (typeof room?.roomID === 'string' && room.roomID !== stored.roomId)) {
    throw new ApiError('MessageNotFound', { field: 'messageID' });
  }
  return stored;
}

/** Message ids as the SDKs send them (strings); anything else is ignored, as the spec asks. */
export function messageIdsOf(value: unknown, field = 'messageIDs'): number[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new ApiError('ParamValidationFailed', { field, message: `${field} must be an array` });
  if (value.length > 1000) throw new ApiError('ParamValidationFailed', { field, message: `${field} can hold at most 1000 IDs` });
  const ids = new Set<number>();
  for (const v of value) {
    const text = typeof v === 'number' ? String(v) : v;
    if (typeof text === 'string' && /^[1-9][0-9]{0,15}$/.test(text)) ids.add(Number(text));
  }
  return [...ids];
}

/**
 * feedback/delivered and feedback/read (spec §7.3): IDs that are unknown, the caller's own, of
 * rooms the caller is not in, or already marked are ignored. Each real change is one room event,
 * delivered to every participant (the reader too) in ascending `created` order.
 */
export async function markMessages(deps: Deps, actor: ChatActor, ids: number[], read: boolean): Promise<string[]> {
  const found = await messages.findMessagesByIds(deps.db, actor.projectId, ids);
  const states = new Map<string, RoomState>();
  const todo: StoredMessage[] = [];
  for (const m of found) {
    if (m.senderId === actor.userId || (read ? m.isRead : m.isDelivered)) continue;
    let state = states.get(m.roomId);
    if (state === undefined) {
      state = await roomState(deps, actor.projectId, m.roomId).catch(() => undefined);
      if (state === undefined) continue;
      states.set(m.roomId, state);
    }
    if (state.members.some((member) => member.userId === actor.userId)) todo.push(m);
  }
  if (todo.length === 0) return [];
  const now = deps.clock.now();
  const change: MessageChange = read ? { isRead: true, isDelivered: true } : { isDelivered: true };
  const updated = await deps.writes.run(async (trx) => {
    const out: Changed[] = [];
    for (const m of todo) out.push(await storeChange(trx, m, change, now));
    return out;
  });
  deps.metrics.messages.inc({ event: read ? 'read' : 'delivered' }, updated.length);
  for (const { message: m, event } of updated) {
    deps.chat.hub.roomEvent(actor.projectId, m.roomId, event, await targetsFor(deps, states.get(m.roomId) as RoomState, m, 'chat/updateMessage'));
  }
  return updated.map(({ message }) => String(message.id));
}

/**
 * message/delete: the sender (or a group admin) deletes for everyone. `forEveryone: false` changes
 * nothing stored: only the caller's own sockets hear of it (see docs/decisions.md).
 */
export async function deleteMessages(deps: Deps, actor: ChatActor, roomId: string, ids: number[], forEveryone: boolean): Promise<string[]> {
  const state = await roomOfMember(deps, actor, roomId);
  const isAdmin = state.members.some((m) => m.userId === actor.userId && m.isAdmin);
  const found = (await messages.findMessagesByIds(deps.db, actor.projectId, ids)).filter(
    (m) => m.roomId === roomId && !m.isDeleted && (m.senderId === actor.userId || isAdmin),
  );
  if (found.length === 0) return [];
  const now = deps.clock.now();
  if (!forEveryone) {
    for (const m of found) {
      const hidden = { ...m, isDeleted: true, deleted: now, updated: now };
      deps.chat.hub.ephemeral(actor.projectId, await targetsFor(deps, state, hidden, 'chat/updateMessage', [actor.userId]));
    }
    return found.map((m) => String(m.id));
  }
  const updated = await deps.writes.run(async (trx) => {
    const out: Changed[] = [];
    for (const m of found) out.push(await storeChange(trx, m, { isDeleted: true, deleted: now }, now));
    return out;
  });
  deps.metrics.messages.inc({ event: 'deleted' }, updated.length);
  for (const { message: m, event } of updated) deps.chat.hub.roomEvent(actor.projectId, roomId, event, await targetsFor(deps, state, m, 'chat/updateMessage'));
  return updated.map(({ message }) => String(message.id));
}

export interface ServerMessage {
  /** 9001 for system messages (room changes), or any other type. */
  type: number;
  /** Plain text; encrypted here under a fresh localID (spec §5.3). */
  text: string;
  /** Optional object, sent as encrypted JSON text in `data`. */
  data?: Record<string, unknown>;
  action?: string;
  target?: { targetType: string; targetID: string; targetXCID: string; targetName: string };
}

/**
 * A message the server writes itself (system messages about room changes), on behalf of
 * `senderId`: encrypted the way the SDKs decrypt (spec §5.3), stored, and delivered to the room's
 * members as they are after the change, plus `alsoTo` (e.g. someone just removed).
 */
export async function sendServerMessage(deps: Deps, projectId: string, roomId: string, senderId: number, message: ServerMessage, alsoTo: number[] = []): Promise<void> {
  deps.chat.rooms.delete(`${projectId}\0${roomId}`);
  const state = await roomState(deps, projectId, roomId);
  const localID = newLocalId();
  const now = deps.clock.now();
  const stored = await deps.writes.run(async (trx) => {
    const event = await rooms.nextRoomEvent(trx, projectId, roomId, now);
    if (event === undefined) throw new ApiError('RoomNotFound', { field: 'roomID' });
    const { at } = event;
    const m = freshMessage(
      {
        projectId,
        roomId,
        senderId,
        localID,
        type: message.type,
        body: encryptContent(message.text, localID),
        data: message.data === undefined ? '' : encryptContent(JSON.stringify(message.data), localID),
        extra: readClientMessage({ localID, type: message.type, room: { roomID: roomId }, action: message.action ?? '', target: message.target }, deps.chat.limits, 'server').extra,
        isHidden: false,
      },
      at,
    );
    const id = await messages.insertMessage(trx, m);
    if (id === undefined) throw new Error('a fresh localID collided');
    return { stored: { ...m, id }, event };
  });
  deps.metrics.messages.inc({ event: 'system' });
  const users = [...new Set([...state.members.map((m) => m.userId), ...alsoTo])];
  deps.chat.hub.roomEvent(projectId, roomId, stored.event, await targetsFor(deps, state, stored.stored, 'chat/sendMessage', users));
}

// ---------------------------------------------------------------------------------------------
// Reads

/** Messages as `viewer` sees them, in the given order. */
export async function viewsFor(deps: Deps, actor: ChatActor, list: StoredMessage[]): Promise<MessageView[]> {
  const senders = await userViews(deps, actor.projectId, list.map((m) => m.senderId));
  const roomViews = new Map<string, RoomView | undefined>();
  const out: MessageView[] = [];
  for (const m of list) {
    if (!roomViews.has(m.roomId)) {
      const state = await roomState(deps, actor.projectId, m.roomId).catch(() => undefined);
      roomViews.set(m.roomId, state === undefined ? undefined : (await roomViewsFor(deps, state, [actor.userId])).get(actor.userId));
    }
    const view = roomViews.get(m.roomId);
    if (view !== undefined) out.push(messageView(m, view, senders.get(m.senderId) ?? unknownUser(m.senderId)));
  }
  return out;
}

export async function listBefore(deps: Deps, actor: ChatActor, roomId: string, maxCreated: number, limit: number) {
  await roomOfMember(deps, actor, roomId);
  const page = await messages.listBefore(deps.db, actor.projectId, roomId, maxCreated, limit + 1);
  return { messages: await viewsFor(deps, actor, page.slice(0, limit)), hasMore: page.length > limit };
}

export async function listAfter(deps: Deps, actor: ChatActor, roomId: string, minCreated: number, lastUpdated: number) {
  await roomOfMember(deps, actor, roomId);
  const list = await messages.listAfter(deps.db, actor.projectId, roomId, minCreated, lastUpdated, deps.chat.limits.listMax);
  return { messages: await viewsFor(deps, actor, list) };
}

/** A list answer, and where this session's `new_and_updated` starts once the client has it. */
export interface SyncedList {
  messages: MessageView[];
  syncedUpTo: number;
}

/**
 * Takes candidates in order while their content fits `budget` characters (the first always fits):
 * one user's list must never be able to take the server's memory, whatever was sent to them.
 */
function withinBudget<T extends { size: number }>(candidates: T[], budget: number, used = 0): { taken: T[]; used: number } {
  const taken: T[] = [];
  for (const c of candidates) {
    if (used + c.size > budget && (taken.length > 0 || used > 0)) break;
    taken.push(c);
    used += c.size;
  }
  return { taken, used };
}

/**
 * room_list_and_unread (spec §7.4): the newest visible message of each room, then the unread
 * messages from others, newest first, at most `roomListUnreadPerRoom` per room and
 * `roomListChars` of content in all (rooms first, so every recent room is listed).
 */
export async function roomListAndUnread(deps: Deps, actor: ChatActor): Promise<SyncedList> {
  const now = deps.clock.now();
  const { roomListRooms, roomListUnreadPerRoom, roomListChars } = deps.chat.limits;
  const newest = await messages.newestPerRoom(deps.db, actor.projectId, actor.userId, roomListRooms);
  const rooms = withinBudget(newest, roomListChars);
  const listed = new Set(rooms.taken.map((c) => c.id));
  const unread = (await messages.unreadFromOthers(deps.db, actor.projectId, actor.userId, roomListUnreadPerRoom)).filter((c) => !listed.has(c.id));
  const extra = withinBudget(unread, roomListChars, rooms.used);
  const ids = [...rooms.taken, ...extra.taken].map((c) => c.id);
  const list = await messages.findMessagesNewestFirst(deps.db, actor.projectId, ids);
  // A change stored later in this same millisecond gets this time too: leave it to new_and_updated.
  return { messages: await viewsFor(deps, actor, list), syncedUpTo: now - 1 };
}

/**
 * new_and_updated: what changed since this session last asked (spec §7.4), oldest change first up to
 * the list's bounds; the cursor then stops after the last change included (never inside a group of
 * changes made at the same time), so what did not fit comes with the next call. Newest first.
 */
export async function newAndUpdated(deps: Deps, actor: ChatActor, sessionId: string): Promise<SyncedList> {
  // Changes of this very millisecond may still be coming: they are left to the next call.
  const upTo = deps.clock.now() - 1;
  // The client may ask again as soon as it has the last answer, before its cursor is saved.
  await deps.chat.cursorWrites.get(sessionId)?.catch(() => undefined);
  const cursor = await sessions.findSyncCursor(deps.db, sessionId);
  const max = deps.chat.limits.listMax;
  const changed = await messages.changedBetween(deps.db, actor.projectId, actor.userId, cursor, upTo, max + 1);
  let { taken } = withinBudget(changed, deps.chat.limits.roomListChars);
  let syncedUpTo = upTo;
  if (taken.length > max) taken = taken.slice(0, max);
  if (taken.length < changed.length) {
    const next = changed[taken.length] as messages.ChangeCandidate;
    const whole = taken.filter((c) => c.updated < next.updated);
    // Everything left changed at one instant: it goes out whole rather than never.
    taken = whole.length > 0 ? whole : changed.filter((c) => c.updated === next.updated);
    syncedUpTo = (taken.at(-1) as messages.ChangeCandidate).updated;
  }
  const list = await messages.findMessagesNewestFirst(deps.db, actor.projectId, taken.map((c) => c.id));
  return { messages: await viewsFor(deps, actor, list), syncedUpTo };
}

/** The client has the list: its next `new_and_updated` starts after it. */
export async function listDelivered(deps: Deps, sessionId: string, syncedUpTo: number): Promise<void> {
  const write = sessions.advanceSyncCursor(deps.db, sessionId, syncedUpTo);
  deps.chat.cursorWrites.set(sessionId, write);
  try {
    await write;
  } finally {
    if (deps.chat.cursorWrites.get(sessionId) === write) deps.chat.cursorWrites.delete(sessionId);
  }
}

// ---------------------------------------------------------------------------------------------
// Hub callbacks

/**
 * The frames of a room's events between two it delivered (times exclusive), for a node that missed
 * them: a message created in the gap is new to its clients; one changed in it is an update.
 */
export async function refillTargets(deps: Deps, projectId: string, roomId: string, after: number, before: number): Promise<Target[]> {
  const missed = await messages.listChangedBetween(deps.db, projectId, roomId, after, before);
  if (missed.length === 0) return [];
  const state = await roomState(deps, projectId, roomId);
  const targets: Target[] = [];
  for (const m of missed) targets.push(...(await targetsFor(deps, state, m, m.created > after ? 'chat/sendMessage' : 'chat/updateMessage')));
  return targets;
}

/** user/status to everyone who shares a room with the user. */
export async function announcePresence(deps: Deps, projectId: string, userId: number, online: boolean): Promise<void> {
  const peers = await rooms.roomPeersOfUser(deps.db, projectId, userId);
  if (peers.length === 0) return;
  const user = await userView(deps, projectId, userId);
  const frame = eventFrame('user/status', { user, isOnline: online, lastActive: deps.clock.now() });
  deps.chat.hub.ephemeral(projectId, [{ users: peers, frame }]);
}

/** chat/startTyping and chat/stopTyping: forwarded to the other participants. */
export async function forwardTyping(deps: Deps, actor: ChatActor, sender: ClientUser, eventName: string, roomId: string): Promise<void> {
  const state = await roomOfMember(deps, actor, roomId);
  const others = state.members.map((m) => m.userId).filter((id) => id !== actor.userId);
  if (others.length === 0) return;
  deps.chat.hub.ephemeral(actor.projectId, [{ users: others, frame: eventFrame(eventName, { roomID: roomId, user: sender }) }]);
}
