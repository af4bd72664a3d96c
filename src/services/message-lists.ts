// The message lists the SDKs load (spec §7.3, §7.4): a room's history, and the room list with what
// changed since a session last asked, bounded whatever was sent to the user.
import type { MessageView, RoomView } from '../chat/views.ts';
import { messageView, personalRoomUsers } from '../chat/views.ts';
import type { Deps } from '../deps.ts';
import * as lists from '../repos/message-lists.ts';
import * as messages from '../repos/messages.ts';
import * as states from '../repos/room-user-states.ts';
import type { StoredMessage } from '../repos/messages.ts';
import * as sessions from '../repos/sessions.ts';
import { roomViewsFor } from './delivery.ts';
import { type ChatActor, roomOfMember, roomStateIfExists, userViews } from './room-state.ts';
import { unknownUser } from './user-view.ts';

/** Messages as `viewer` sees them, in the given order. */
export async function viewsFor(deps: Deps, actor: ChatActor, list: StoredMessage[]): Promise<MessageView[]> {
  const senders = await userViews(
    deps,
    actor.projectId,
    list.map((m) => m.senderId),
  );
  const roomViews = new Map<string, RoomView | undefined>();
  const own = await ownReceipts(deps, actor, list);
  const out: MessageView[] = [];
  for (const listed of list) {
    const m = own(listed);
    if (!roomViews.has(m.roomId)) {
      const state = await roomStateIfExists(deps, actor.projectId, m.roomId);
      roomViews.set(m.roomId, state === undefined ? undefined : (await roomViewsFor(deps, state, [actor.userId])).get(actor.userId));
    }
    const view = roomViews.get(m.roomId);
    if (view !== undefined) out.push(messageView(m, view, senders.get(m.senderId) ?? unknownUser(m.senderId, actor.projectId)));
  }
  return out;
}

export async function listBefore(deps: Deps, actor: ChatActor, roomId: string, maxCreated: number, limit: number) {
  await roomOfMember(deps, actor, roomId);
  const page = await messages.listBefore(deps.db, actor.projectId, roomId, actor.userId, maxCreated, limit + 1);
  return { messages: await viewsFor(deps, actor, page.slice(0, limit)), hasMore: page.length > limit };
}

export async function listAfter(deps: Deps, actor: ChatActor, roomId: string, minCreated: number, lastUpdated: number) {
  await roomOfMember(deps, actor, roomId);
  const list = await messages.listAfter(deps.db, actor.projectId, roomId, actor.userId, minCreated, lastUpdated, deps.chat.limits.listMax);
  return { messages: await viewsFor(deps, actor, list) };
}

/**
 * In a group, a member sees their own receipt of others' messages (read up to their watermark); the
 * sender sees whether anyone got or read it, as in a personal room (docs/chat-state.md).
 */
async function ownReceipts(deps: Deps, actor: ChatActor, list: StoredMessage[]): Promise<(m: StoredMessage) => StoredMessage> {
  const inGroup = list.filter((m) => personalRoomUsers(m.roomId) === undefined);
  const theirs = [...new Set(inGroup.filter((m) => m.senderId !== actor.userId).map((m) => m.roomId))];
  const mine = [...new Set(inGroup.filter((m) => m.senderId === actor.userId).map((m) => m.roomId))];
  const own = new Map((await states.statesOfUser(deps.db, actor.projectId, actor.userId, theirs)).map((s) => [s.roomId, s]));
  const others = await states.othersWatermarks(deps.db, actor.projectId, actor.userId, mine);
  return (m) => {
    if (personalRoomUsers(m.roomId) !== undefined) return m;
    if (m.senderId === actor.userId) {
      const o = others.get(m.roomId);
      const isRead = m.isRead || (o !== undefined && o.readUpto >= m.created);
      return { ...m, isRead, isDelivered: isRead || m.isDelivered || (o !== undefined && o.deliveredUpto >= m.created) };
    }
    const s = own.get(m.roomId);
    const isRead = s !== undefined && s.readUpto >= m.created;
    return { ...m, isRead, isDelivered: isRead || (s !== undefined && s.deliveredUpto >= m.created) };
  };
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
  const newest = await lists.newestPerRoom(deps.db, actor.projectId, actor.userId, roomListRooms);
  const rooms = withinBudget(newest, roomListChars);
  const listed = new Set(rooms.taken.map((c) => c.id));
  const unread = (await lists.unreadFromOthers(deps.db, actor.projectId, actor.userId, roomListUnreadPerRoom)).filter((c) => !listed.has(c.id));
  const extra = withinBudget(unread, roomListChars, rooms.used);
  const ids = [...rooms.taken, ...extra.taken].map((c) => c.id);
  const list = await lists.findMessagesNewestFirst(deps.db, actor.projectId, ids);
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
  await deps.chat.cursorWrites.get(sessionId)?.catch(() => undefined); // its failure is logged where it was made
  const cursor = await sessions.findSyncCursor(deps.db, sessionId);
  const max = deps.chat.limits.listMax;
  const changed = await lists.changedBetween(deps.db, actor.projectId, actor.userId, cursor, upTo, max + 1);
  let { taken } = withinBudget(changed, deps.chat.limits.roomListChars);
  let syncedUpTo = upTo;
  if (taken.length > max) taken = taken.slice(0, max);
  if (taken.length < changed.length) {
    const next = changed[taken.length] as lists.ChangeCandidate;
    const whole = taken.filter((c) => c.updated < next.updated);
    // Everything left changed at one instant: it goes out whole rather than never.
    taken = whole.length > 0 ? whole : changed.filter((c) => c.updated === next.updated);
    syncedUpTo = (taken.at(-1) as lists.ChangeCandidate).updated;
  }
  const list = await lists.findMessagesNewestFirst(
    deps.db,
    actor.projectId,
    taken.map((c) => c.id),
  );
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
