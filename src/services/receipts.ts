// Delivered and read receipts (spec §7.3; docs/chat-state.md). Each member of a room has two
// watermarks there: the created time of the newest message they received and of the newest they
// read. A receipt moves the reader's watermark (one row per member, never one per message) and, the
// first time a message is received or read by anyone, its isDelivered/isRead flags, which the sender
// sees (in a personal room they are exactly the other user's receipt). Group members see their own
// state of each message: the per-member details come from the watermarks.
import type { Deps } from '../deps.ts';
import * as messages from '../repos/messages.ts';
import type { MessageChange, StoredMessage } from '../repos/messages.ts';
import * as states from '../repos/room-user-states.ts';
import { targetsFor } from './delivery.ts';
import { type Changed, storeChange } from './message-changes.ts';
import { type ChatActor, type RoomState, roomStateIfExists } from './room-state.ts';
import { tellOwnDevices } from './room-user-events.ts';

/**
 * feedback/delivered and feedback/read (spec §7.3): IDs that are unknown, the caller's own, of
 * rooms the caller is not in, or already covered by the caller's watermark are ignored. A message
 * whose flag changes is one room event, told to its sender and to the reader (in a group the others
 * keep their own state of it). Answers the ids whose state changed for the caller.
 */
export async function markMessages(deps: Deps, actor: ChatActor, ids: number[], read: boolean): Promise<string[]> {
  const found = await messages.findMessagesByIds(deps.db, actor.projectId, ids);
  const roomStates = new Map<string, RoomState>();
  const todo: StoredMessage[] = [];
  for (const m of found) {
    if (m.senderId === actor.userId) continue;
    let state = roomStates.get(m.roomId);
    if (state === undefined) {
      state = await roomStateIfExists(deps, actor.projectId, m.roomId);
      if (state === undefined) continue;
      roomStates.set(m.roomId, state);
    }
    if (state.members.some((member) => member.userId === actor.userId)) todo.push(m);
  }
  if (todo.length === 0) return [];
  const mine = new Map((await states.statesOfUser(deps.db, actor.projectId, actor.userId, [...roomStates.keys()])).map((s) => [s.roomId, s]));
  const fresh = todo.filter((m) => {
    const s = mine.get(m.roomId);
    return s === undefined || (read ? s.readUpto : s.deliveredUpto) < m.created || (read ? !m.isRead : !m.isDelivered);
  });
  if (fresh.length === 0) return [];
  const now = deps.clock.now();
  const change: MessageChange = read ? { isRead: true, isDelivered: true } : { isDelivered: true };
  const upto = new Map<string, number>();
  for (const m of fresh) upto.set(m.roomId, Math.max(upto.get(m.roomId) ?? 0, m.created));
  const updated = await deps.writes.run(async (trx) => {
    for (const [roomId, created] of upto) await states.advanceWatermark(trx, actor.projectId, actor.userId, roomId, created, read, now);
    const out: Changed[] = [];
    for (const m of fresh) if (read ? !m.isRead : !m.isDelivered) out.push(await storeChange(trx, m, change, now));
    return out;
  });
  deps.metrics.messages.inc({ event: read ? 'read' : 'delivered' }, fresh.length);
  for (const { message: m, event } of updated) {
    const state = roomStates.get(m.roomId) as RoomState;
    deps.chat.hub.roomEvent(actor.projectId, m.roomId, event, await targetsFor(deps, state, m, 'chat/updateMessage', [...new Set([m.senderId, actor.userId])]));
  }
  if (read) {
    // Reading a room drops its "marked unread" mark: the user's other devices hear of it.
    for (const roomId of upto.keys()) {
      if (typeof mine.get(roomId)?.markedUnreadAt === 'number') await tellOwnDevices(deps, actor, roomStates.get(roomId) as RoomState, 'room/markAsRead');
    }
  }
  return fresh.map((m) => String(m.id));
}
