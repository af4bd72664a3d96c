// Messages: sending, changing, delivered and read state, deleting, and the messages the server writes
// itself (spec §4.4, §7.3). Every change is stored first, as the room's next event (sequence number
// and time), then delivered.
import type { Kysely } from 'kysely';
import { type ClientMessage, isServerType, readClientMessage } from '../chat/message-input.ts';
import { ROOM_PERSONAL } from '../chat/views.ts';
import type { Deps } from '../deps.ts';
import { ApiError } from '../errors.ts';
import * as marks from '../repos/message-marks.ts';
import * as messages from '../repos/messages.ts';
import type { MessageChange, StoredMessage } from '../repos/messages.ts';
import * as rooms from '../repos/rooms.ts';
import type { RoomEvent } from '../repos/rooms.ts';
import type { WebhookEndpoint } from '../repos/webhooks.ts';
import { runsAtOnce } from '../storage/precompiled.ts';
import type { DB } from '../storage/schema.ts';
import { refuseBlockedSender } from './blocks.ts';
import { type Changed, storeChange } from './message-changes.ts';
import { markMessages } from './receipts.ts';
import { cachedTargetsFor, targetsFor } from './delivery.ts';
import { announceNewMessage, announcesFromTable, wakeAnnouncer } from './message-announcements.ts';
import { messageSnapshot } from './webhook-payloads.ts';
import { announce, cachedSubscribers, subscribers } from './webhooks.ts';
import { type ChatActor, type RoomState, cachedRoomOfMember, refuseLockedRoom, roomOfMember } from './room-state.ts';
import { parseId } from '../numeric-id.ts';

/** A new message as stored: no flag set yet, created (and last changed) at its event's time. */
export function freshMessage(
  content: Omit<messages.NewMessage, 'isDelivered' | 'isRead' | 'isDeleted' | 'isEdited' | 'created' | 'updated' | 'deleted'>,
  at: number,
): messages.NewMessage {
  // Field by field rather than spread: this is on every message's way.
  return {
    projectId: content.projectId,
    roomId: content.roomId,
    senderId: content.senderId,
    localID: content.localID,
    type: content.type,
    body: content.body,
    data: content.data,
    extra: content.extra,
    isHidden: content.isHidden,
    isDelivered: false,
    isRead: false,
    isDeleted: false,
    isEdited: false,
    created: at,
    updated: at,
    deleted: 0,
  };
}

/** The room's next event for a new message; a personal room's first message creates its row. */
export async function nextMessageEvent(trx: Kysely<DB>, state: RoomState, now: number): Promise<RoomEvent> {
  const { projectId, id } = state.room;
  let event = await rooms.nextRoomEvent(trx, projectId, id, now);
  if (event === undefined && state.room.type === ROOM_PERSONAL) {
    await rooms.insertRoom(trx, { ...state.room, now });
    await rooms.addMembers(trx, projectId, id, state.members, now);
    event = await rooms.nextRoomEvent(trx, projectId, id, now);
  }
  if (event === undefined) throw new ApiError('RoomNotFound', { field: 'roomID' });
  return event;
}

/**
 * chat/sendMessage (spec §4.4): persist, then echo to every socket of every participant. Resolves
 * once the message is checked and queued for storage, so a client's next messages can join the
 * same commit; `done` settles after it is stored and delivered (or refused).
 */
export async function sendMessage(deps: Deps, actor: ChatActor, raw: unknown): Promise<{ done: Promise<void> }> {
  const input: ClientMessage = readClientMessage(raw, deps.chat.limits);
  // What a busy room needs is cached: then nothing is waited for between the frame and the commit queue.
  const state = cachedRoomOfMember(deps, actor, input.roomID) ?? (await roomOfMember(deps, actor, input.roomID));
  refuseBlockedSender(state, actor);
  refuseLockedRoom(state);
  const hooks = cachedSubscribers(deps, actor.projectId, 'message.sent') ?? (await subscribers(deps, actor.projectId, 'message.sent'));
  const m: MessageToStore = { deps, hooks, actor, state, input, now: deps.clock.now() };
  const written = deps.writes.run((trx) => storeClientMessageNow(trx, m) ?? storeClientMessage(trx, m));
  return { done: written.then((outcome) => deliverSent(deps, actor, state, input.roomID, outcome)) };
}

/** A stored message to every socket of every participant; a replay's echo to the sender's only. */
function deliverSent(deps: Deps, actor: ChatActor, state: RoomState, roomId: string, outcome: StoredClientMessage): Promise<void> | undefined {
  const { hub } = deps.chat;
  if (outcome.replay) {
    deps.metrics.messages.inc({ event: 'replayed' });
    // The event number was taken: keep the room's sequence whole for other nodes.
    hub.roomEvent(actor.projectId, roomId, outcome.event, []);
    return targetsFor(deps, state, outcome.stored, 'chat/sendMessage', [actor.userId]).then((targets) => hub.ephemeral(actor.projectId, targets, false));
  }
  deps.metrics.messageSent();
  // The users the frames name are cached while they chat: the frames are made without a wait.
  const targets = cachedTargetsFor(deps, state, outcome.stored, 'chat/sendMessage');
  if (targets === undefined) {
    return targetsFor(deps, state, outcome.stored, 'chat/sendMessage').then((found) => hub.roomEvent(actor.projectId, roomId, outcome.event, found));
  }
  hub.roomEvent(actor.projectId, roomId, outcome.event, targets);
}

/** A client's message to store, and what storing it needs besides its transaction. */
export interface MessageToStore {
  deps: Deps;
  /** The endpoints subscribed to message.sent (found before the transaction began). */
  hooks: WebhookEndpoint[];
  actor: ChatActor;
  state: RoomState;
  input: ClientMessage;
  /** When it was sent: its event's time, unless the room's previous event is as late. */
  now: number;
}

/** A client's message as stored: `replay` when its localID was used already (what is stored then is the first). */
interface StoredClientMessage {
  stored: StoredMessage;
  event: RoomEvent;
  replay: boolean;
}

/**
 * Stores a client's message as its room's next event (a personal room's row comes with its first
 * message). A localID the sender used already is a replay (a client's queue after a reconnect, a
 * scheduled message sent by hand first): what is stored is answered, and the event number taken
 * must still be announced, to keep the room's sequence whole. Runs inside a (possibly shared) transaction.
 */
export async function storeClientMessage(trx: Kysely<DB>, m: MessageToStore): Promise<StoredClientMessage> {
  const { deps, hooks, actor, state, input, now } = m;
  const event = await nextMessageEvent(trx, state, now);
  const message = newClientMessage(actor, input, event.at);
  const id = await messages.insertMessage(trx, message);
  if (id !== undefined) {
    await announceNewMessage(trx, deps, hooks, { projectId: actor.projectId, roomId: input.roomID, id });
    return { stored: messages.withId(message, id), event, replay: false };
  }
  // The client replayed its queue after a reconnect: answer with what is stored.
  return replayOf(await messages.findMessageByLocalId(trx, actor.projectId, actor.userId, input.localID), event);
}

/**
 * storeClientMessage without a promise per statement, on every message's way: where statements run at
 * once (inside SQLite's shared transaction, storage/precompiled.ts) and messages are announced from
 * their table. Undefined, having written nothing, anywhere else or when the room has no row yet (a
 * personal room's first message): storeClientMessage then.
 */
export function storeClientMessageNow(trx: Kysely<DB>, m: MessageToStore): StoredClientMessage | undefined {
  const { deps, hooks, actor, state, input, now } = m;
  if (!runsAtOnce(trx) || !announcesFromTable(deps)) return undefined;
  const event = rooms.nextRoomEventNow(trx, state.room.projectId, state.room.id, now);
  if (event === undefined) return undefined;
  const message = newClientMessage(actor, input, event.at);
  const id = messages.insertMessageNow(trx, message);
  if (id !== undefined) {
    wakeAnnouncer(deps, hooks);
    return { stored: messages.withId(message, id), event, replay: false };
  }
  return replayOf(messages.findMessageByLocalIdNow(trx, actor.projectId, actor.userId, input.localID), event);
}

function newClientMessage(actor: ChatActor, input: ClientMessage, at: number): messages.NewMessage {
  const { localID, type, body, data, extra, isHidden } = input;
  return freshMessage({ projectId: actor.projectId, roomId: input.roomID, senderId: actor.userId, localID, type, body, data, extra, isHidden }, at);
}

function replayOf(stored: StoredMessage | undefined, event: RoomEvent): StoredClientMessage {
  if (stored === undefined) throw new ApiError('MessageNotFound', { field: 'localID' });
  return { stored, event, replay: true };
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
    // A receipt: per member in groups (services/receipts.ts).
    if (m.isRead === true || m.isDelivered === true) await markMessages(deps, actor, [stored.id], m.isRead === true);
    return;
  }
  if (Object.keys(change).length === 0) return;
  // Receipts (above) still pass: reading a closed case's last messages is no write into it.
  refuseLockedRoom(state);
  const announced = change.isDeleted ? 'message.deleted' : change.body !== undefined ? 'message.updated' : undefined;
  const hooks = announced === undefined ? [] : await subscribers(deps, actor.projectId, announced);
  const { message: updated, event } = await deps.writes.run(async (trx) => {
    const changed = await storeChange(trx, stored, change, now);
    if (announced !== undefined)
      await announce(trx, deps, hooks, { event: announced, orderKey: `room:${stored.roomId}`, payload: messageSnapshot(changed.message) });
    return changed;
  });
  deps.metrics.messages.inc({ event: change.isDeleted ? 'deleted' : change.body !== undefined ? 'edited' : 'status' });
  deps.chat.hub.roomEvent(actor.projectId, updated.roomId, event, await targetsFor(deps, state, updated, 'chat/updateMessage'));
}

async function findTargetMessage(deps: Deps, actor: ChatActor, m: Record<string, unknown>): Promise<StoredMessage> {
  const messageID = typeof m.messageID === 'string' ? parseId(m.messageID) : undefined;
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
    const id = parseId(v);
    if (id !== undefined) ids.add(id);
  }
  return [...ids];
}

/**
 * message/delete: the sender (or a group admin) deletes for everyone. `forEveryone: false` hides any
 * message of the room for the caller only (kept per user, docs/chat-state.md): the caller's own
 * sockets get the `isDeleted` update and the caller's lists leave it out from then on.
 */
export async function deleteMessages(deps: Deps, actor: ChatActor, roomId: string, ids: number[], forEveryone: boolean): Promise<string[]> {
  const state = await roomOfMember(deps, actor, roomId);
  if (forEveryone) refuseLockedRoom(state);
  const isAdmin = state.members.some((m) => m.userId === actor.userId && m.isAdmin);
  const found = (await messages.findMessagesByIds(deps.db, actor.projectId, ids)).filter(
    (m) => m.roomId === roomId && !m.isDeleted && (!forEveryone || m.senderId === actor.userId || isAdmin),
  );
  if (found.length === 0) return [];
  const now = deps.clock.now();
  if (!forEveryone) {
    const ids = found.map((m) => m.id);
    await marks.addUserMarks(deps.db, 'message_hides', actor.projectId, actor.userId, roomId, ids, now);
    for (const m of found) {
      const hidden = { ...m, isDeleted: true, deleted: now, updated: now };
      deps.chat.hub.ephemeral(actor.projectId, await targetsFor(deps, state, hidden, 'chat/updateMessage', [actor.userId]));
    }
    return found.map((m) => String(m.id));
  }
  const hooks = await subscribers(deps, actor.projectId, 'message.deleted');
  const updated = await deps.writes.run(async (trx) => {
    const out: Changed[] = [];
    for (const m of found) {
      const changed = await storeChange(trx, m, { isDeleted: true, deleted: now }, now);
      await announce(trx, deps, hooks, { event: 'message.deleted', orderKey: `room:${roomId}`, payload: messageSnapshot(changed.message) });
      out.push(changed);
    }
    return out;
  });
  deps.metrics.messages.inc({ event: 'deleted' }, updated.length);
  for (const { message: m, event } of updated) deps.chat.hub.roomEvent(actor.projectId, roomId, event, await targetsFor(deps, state, m, 'chat/updateMessage'));
  return updated.map(({ message }) => String(message.id));
}
