// Scheduled messages as their sender sees them (client API chat/scheduled_message/*; docs/people.md):
// create, list, change the time or the content, send now, delete. A scheduled message is a row until
// it is due (services/scheduler.ts sends it); each change is told to the sender's devices
// (room/scheduleMessage). Only the sender sees or touches their scheduled messages.
import { type ClientMessage, readClientMessage } from '../chat/message-input.ts';
import { messageView } from '../chat/views.ts';
import type { Deps } from '../deps.ts';
import { ApiError, ERRORS, type ErrorName } from '../errors.ts';
import { findMessageByLocalId } from '../repos/messages.ts';
import * as scheduled from '../repos/scheduled-messages.ts';
import type { Scheduled } from '../repos/scheduled-messages.ts';
import { refuseBlockedSender } from './blocks.ts';
import { roomViewsFor } from './delivery.ts';
import { type ChatActor, type RoomState, refuseLockedRoom, roomOfMember, roomStateIfExists, userView } from './room-state.ts';
import { announceSchedule, deliverScheduled, storeScheduled } from './scheduler.ts';

/** How far ahead a message may be scheduled. */
export const MAX_AHEAD_MS = 365 * 86_400_000;
/** Scheduled messages one sender may have waiting in one room. */
export const MAX_PENDING_PER_ROOM = 100;

const notFound = () => new ApiError('MessageNotFound', { field: 'id', message: 'Scheduled message not found' });

/** The time, or 40002: in the future, and at most MAX_AHEAD_MS ahead. */
function checkTime(deps: Deps, at: number): number {
  const now = deps.clock.now();
  if (at <= now) throw new ApiError('ParamValidationFailed', { field: 'scheduledTime', message: 'scheduledTime must be in the future' });
  if (at > now + MAX_AHEAD_MS) throw new ApiError('ParamValidationFailed', { field: 'scheduledTime', message: 'scheduledTime must be at most 365 days ahead' });
  return at;
}

/** The message as on the socket (system types refused, sizes bounded), its fields named inside `message`. */
function readMessage(deps: Deps, raw: unknown): ClientMessage {
  if (raw === undefined || raw === null) throw new ApiError('ParamValidationFailed', { field: 'message', message: "Param 'message' is required" });
  try {
    return readClientMessage(raw, deps.chat.limits);
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    const name = (Object.keys(ERRORS) as ErrorName[]).find((n) => ERRORS[n].code === err.code) ?? 'ParamValidationFailed';
    throw new ApiError(name, { field: err.field === '' || err.field === 'data' ? 'message' : `message.${err.field}`, message: err.message });
  }
}

/** The list item the SDKs read (TapScheduledMessageModel): the message as it will be sent. */
async function itemOf(deps: Deps, actor: ChatActor, state: RoomState, s: Scheduled) {
  const room = (await roomViewsFor(deps, state, [actor.userId])).get(actor.userId);
  const sender = await userView(deps, actor.projectId, actor.userId);
  const m = { id: 0, projectId: s.projectId, roomId: s.roomId, senderId: s.senderId, ...s.content };
  const fresh = { isDelivered: false, isRead: false, isDeleted: false, isEdited: false, created: s.scheduledAt, updated: s.updatedAt, deleted: 0 };
  return {
    id: s.id,
    scheduledTime: s.scheduledAt,
    createdTime: s.createdAt,
    updatedTime: s.updatedAt,
    message: messageView({ ...m, ...fresh }, room as NonNullable<typeof room>, sender),
  };
}

/** The room, as a participant whom nobody there blocked may write to it (and not locked). */
async function writableRoom(deps: Deps, actor: ChatActor, roomId: string, field = 'roomID'): Promise<RoomState> {
  const state = await roomOfMember(deps, actor, roomId).catch((err: unknown) => {
    throw err instanceof ApiError
      ? new ApiError(err.code === ERRORS.RoomNotFound.code ? 'RoomNotFound' : 'PermissionDenied', { field, message: err.message })
      : err;
  });
  refuseBlockedSender(state, actor);
  refuseLockedRoom(state, field);
  return state;
}

export async function createScheduled(deps: Deps, actor: ChatActor, raw: unknown, at: number) {
  const input = readMessage(deps, raw);
  checkTime(deps, at);
  const state = await writableRoom(deps, actor, input.roomID, 'message.room.roomID');
  const { roomID, ...content } = input;
  // The same localID again is the client retrying: the row it made the first time is the answer.
  let row = await scheduled.findScheduledByLocalId(deps.db, actor.projectId, actor.userId, content.localID);
  if (row === undefined) {
    if ((await findMessageByLocalId(deps.db, actor.projectId, actor.userId, content.localID)) !== undefined) {
      throw new ApiError('ParamValidationFailed', { field: 'message.localID', message: 'A message with this localID was sent already' });
    }
    if ((await scheduled.countPending(deps.db, actor.projectId, actor.userId, roomID)) >= MAX_PENDING_PER_ROOM) {
      throw new ApiError('PermissionDenied', { field: 'message', message: `At most ${MAX_PENDING_PER_ROOM} scheduled messages per room` });
    }
    const now = deps.clock.now();
    await scheduled.insertScheduled(deps.db, { projectId: actor.projectId, roomId: roomID, senderId: actor.userId, content, scheduledAt: at, now });
    row = await scheduled.findScheduledByLocalId(deps.db, actor.projectId, actor.userId, content.localID);
    if (row === undefined) throw notFound(); // sent or deleted between the two statements
    await announceSchedule(deps, actor, state);
  }
  return { success: true, message: 'Scheduled message created', createdItem: await itemOf(deps, actor, state, row) };
}

export async function listScheduled(deps: Deps, actor: ChatActor, roomId: string) {
  const state = await roomOfMember(deps, actor, roomId);
  const rows = await scheduled.listPending(deps.db, actor.projectId, actor.userId, roomId);
  const items = [];
  for (const row of rows) items.push(await itemOf(deps, actor, state, row));
  return { items };
}

/** A pending row of the caller, and its room (still one the caller may write to), or 40403. */
async function ownPending(deps: Deps, actor: ChatActor, id: number): Promise<{ row: Scheduled; state: RoomState }> {
  const row = await scheduled.findPending(deps.db, actor.projectId, actor.userId, id);
  if (row === undefined) throw notFound();
  return { row, state: await writableRoom(deps, actor, row.roomId) };
}

export async function editScheduledTime(deps: Deps, actor: ChatActor, id: number, at: number) {
  checkTime(deps, at);
  const { state } = await ownPending(deps, actor, id);
  if (!(await scheduled.updatePending(deps.db, actor.projectId, actor.userId, id, { scheduledAt: at }, deps.clock.now()))) throw notFound();
  await announceSchedule(deps, actor, state);
  return { success: true, message: 'Scheduled time updated' };
}

export async function editScheduledContent(deps: Deps, actor: ChatActor, id: number, raw: unknown) {
  const input = readMessage(deps, raw);
  const { row, state } = await ownPending(deps, actor, id);
  const { roomID, ...content } = input;
  if (roomID !== row.roomId) throw new ApiError('ParamValidationFailed', { field: 'message.room.roomID', message: 'A scheduled message stays in its room' });
  const other = await scheduled.findScheduledByLocalId(deps.db, actor.projectId, actor.userId, content.localID);
  const sent = other === undefined ? await findMessageByLocalId(deps.db, actor.projectId, actor.userId, content.localID) : undefined;
  if ((other !== undefined && other.id !== id) || sent !== undefined) {
    throw new ApiError('ParamValidationFailed', { field: 'message.localID', message: 'This localID is used by another message' });
  }
  if (!(await scheduled.updatePending(deps.db, actor.projectId, actor.userId, id, { content }, deps.clock.now()))) throw notFound();
  await announceSchedule(deps, actor, state);
  return { success: true, message: 'Scheduled message updated' };
}

/** send_now: stored and delivered at once; answers the ids sent (a row another node is sending is not among them). */
export async function sendScheduledNow(deps: Deps, actor: ChatActor, roomId: string, ids: number[]) {
  await writableRoom(deps, actor, roomId);
  const rows = [];
  for (const id of ids) {
    const row = await scheduled.findPending(deps.db, actor.projectId, actor.userId, id);
    if (row !== undefined && row.roomId === roomId) rows.push(row);
  }
  const stored = await storeScheduled(deps, rows);
  await deliverScheduled(deps, stored);
  return { ids: stored.map((s) => s.row.id).sort((a, b) => a - b) };
}

/** delete: the caller's pending rows among `ids`; unknown ids and others' are left out of the answer. */
export async function deleteScheduledMessages(deps: Deps, actor: ChatActor, roomId: string, ids: number[]) {
  const deleted = await scheduled.deletePending(deps.db, actor.projectId, actor.userId, roomId, ids);
  const state = deleted.length === 0 ? undefined : await roomStateIfExists(deps, actor.projectId, roomId);
  if (state !== undefined) await announceSchedule(deps, actor, state);
  return { ids: deleted };
}
