// chat/message/get_details and get_total_read: who got and who read a message, per member, from the
// members' watermarks (services/receipts.ts; docs/chat-state.md).
import { personalRoomUsers } from '../chat/views.ts';
import type { MessageView } from '../chat/views.ts';
import type { Deps } from '../deps.ts';
import { ApiError } from '../errors.ts';
import * as messages from '../repos/messages.ts';
import type { StoredMessage } from '../repos/messages.ts';
import { statesOfRoom } from '../repos/room-user-states.ts';
import { viewsFor } from './message-lists.ts';
import { type ChatActor, type RoomState, roomOfMember, userViews } from './room-state.ts';

export interface Recipient {
  userID: string;
  xcUserID: string;
  fullname: string;
  userImageURL: { thumbnail: string; fullsize: string };
  deliveredTime: number;
  readTime: number;
}

/** The message, if it is of a room the caller is in; any other id answers 40403 (ids reveal nothing). */
async function messageOfMember(deps: Deps, actor: ChatActor, id: number): Promise<{ m: StoredMessage; state: RoomState }> {
  const [m] = await messages.findMessagesByIds(deps.db, actor.projectId, [id]);
  if (m === undefined) throw new ApiError('MessageNotFound', { field: 'messageID' });
  const state = await roomOfMember(deps, actor, m.roomId).catch((err: unknown) => {
    throw err instanceof ApiError ? new ApiError('MessageNotFound', { field: 'messageID' }) : err;
  });
  return { m, state };
}

/**
 * The other members who got the message but have not read it (`deliveredTo`) and who read it
 * (`readBy`). A member counts from their watermark; in a personal room the message's own flags count
 * too (they are the other user's receipt, and are older than watermarks). Times are those of the
 * receipt that last moved the member's watermark: for an older message, the latest it can have been.
 */
async function recipients(deps: Deps, m: StoredMessage, state: RoomState): Promise<{ deliveredTo: Recipient[]; readBy: Recipient[] }> {
  const marks = new Map((await statesOfRoom(deps.db, m.projectId, m.roomId)).map((s) => [s.userId, s]));
  const others = state.members.map((x) => x.userId).filter((id) => id !== m.senderId);
  const users = await userViews(deps, m.projectId, others);
  const personal = personalRoomUsers(m.roomId) !== undefined;
  const deliveredTo: Recipient[] = [];
  const readBy: Recipient[] = [];
  for (const id of others) {
    const s = marks.get(id);
    const user = users.get(id);
    if (user === undefined) continue;
    const read = (s !== undefined && s.readUpto >= m.created) || (personal && m.isRead);
    const delivered = read || (s !== undefined && s.deliveredUpto >= m.created) || (personal && m.isDelivered);
    if (!delivered) continue;
    const entry = {
      userID: user.userID,
      xcUserID: user.xcUserID,
      fullname: user.fullname,
      userImageURL: user.imageURL,
      deliveredTime: s?.deliveredAt ?? 0,
      readTime: read ? (s?.readAt ?? 0) : 0,
    };
    (read ? readBy : deliveredTo).push(entry);
  }
  return { deliveredTo, readBy };
}

export async function messageDetails(
  deps: Deps,
  actor: ChatActor,
  id: number,
): Promise<{ message: MessageView; deliveredTo: Recipient[]; readBy: Recipient[] }> {
  const { m, state } = await messageOfMember(deps, actor, id);
  const [message] = await viewsFor(deps, actor, [m]);
  if (message === undefined) throw new ApiError('MessageNotFound', { field: 'messageID' });
  return { message, ...(await recipients(deps, m, state)) };
}

export async function totalRead(deps: Deps, actor: ChatActor, id: number): Promise<number> {
  const { m, state } = await messageOfMember(deps, actor, id);
  return (await recipients(deps, m, state)).readBy.length;
}
