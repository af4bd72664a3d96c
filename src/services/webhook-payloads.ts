// The bodies webhooks carry. Message events carry TapTalk's documented message payload: one message,
// its body and data decrypted, with its room and its sender, made when it is sent. For a new message
// the outbox keeps only its id (a few bytes written with each message, not a copy of it); for a change
// it keeps the message as stored then (ciphertext). Other events are stored as sent:
// `{type, timestamp, data}` (the Standard Webhooks shape).
import { decryptContent } from '../chat/cipher.ts';
import { ROOM_PERSONAL, personalRoomUsers } from '../chat/views.ts';
import type { Deps } from '../deps.ts';
import { type StoredMessage, findMessagesByIds } from '../repos/messages.ts';
import { roomStateIfExists, userViews } from './room-state.ts';
import { type ClientUser, unknownUser } from './user-view.ts';
import type { WebhookEvent } from './webhooks.ts';

/** What the outbox keeps of a message event: the message as it was, or (a new message) its id. */
export type MessageSnapshot = { render: 'message'; message: StoredMessage } | { render: 'message'; projectId: string; id: number };

/** A change of a message: the message as it is now, since it may change again before the delivery. */
export function messageSnapshot(message: StoredMessage): MessageSnapshot {
  return { render: 'message', message };
}

/** A new message: read back from the messages table when delivered (docs/webhooks.md). */
export function messageReference(message: { projectId: string; id: number }): MessageSnapshot {
  return { render: 'message', projectId: message.projectId, id: message.id };
}

/** A non-message event's body, as stored and sent. */
export function eventBody(event: WebhookEvent, at: number, data: unknown) {
  return { type: event, timestamp: at, data };
}

const TYPE_NAMES: Record<number, string> = {
  1001: 'text',
  1002: 'image',
  1003: 'video',
  1004: 'file',
  1005: 'location',
  1006: 'contact',
  1007: 'sticker',
  1008: 'voice',
  1009: 'audio',
  1010: 'link',
  2001: 'product',
  2002: 'category',
  2004: 'payment confirmation',
  9001: 'system',
};

const typeName = (type: number) => TYPE_NAMES[type] ?? (type >= 3000 && type <= 3999 ? 'custom' : String(type));
const plain = (text: string, localID: string) => (text === '' ? '' : (decryptContent(text, localID) ?? ''));
const brief = (u: ClientUser) => ({ userID: u.userID, xcUserID: u.xcUserID, fullname: u.fullname, imageURL: u.imageURL });

/** The body a delivery sends: its payload as stored, or a message snapshot made into the documented payload. */
export async function renderPayload(deps: Deps, stored: string): Promise<string> {
  const parsed = JSON.parse(stored) as MessageSnapshot | Record<string, unknown>;
  if (parsed.render !== 'message') return stored;
  const snapshot = parsed as MessageSnapshot;
  const m = 'message' in snapshot ? snapshot.message : (await findMessagesByIds(deps.db, snapshot.projectId, [snapshot.id]))[0];
  // Messages are never removed but with their project, whose deliveries go with it.
  if (m === undefined) throw new Error(`message ${String((snapshot as { id?: unknown }).id)} of a delivery is gone`);
  const state = await roomStateIfExists(deps, m.projectId, m.roomId);
  const ids = [m.senderId, ...(state?.members.map((x) => x.userId) ?? [])];
  const users = await userViews(deps, m.projectId, ids);
  const sender = users.get(m.senderId) ?? unknownUser(m.senderId, m.projectId);
  const room = state?.room;
  // A personal room has no name of its own: both participants', as TapTalk's payload shows.
  const personalName = () => (personalRoomUsers(m.roomId) ?? []).map((id) => users.get(id)?.fullname ?? '').join(', ');
  const quote = m.extra.quote;
  return JSON.stringify({
    messageID: String(m.id),
    localID: m.localID,
    type: m.type,
    typeName: typeName(m.type),
    body: plain(m.body, m.localID),
    data: plain(m.data, m.localID),
    filterID: m.extra.filterID,
    isHidden: m.isHidden,
    quote: { ...quote, content: typeof quote.content === 'string' ? plain(quote.content, m.localID) : '' },
    replyTo: m.extra.replyTo,
    forwardFrom: m.extra.forwardFrom,
    room: {
      roomID: m.roomId,
      xcRoomID: room?.xcRoomID ?? '',
      name: room === undefined || room.type === ROOM_PERSONAL ? personalName() : room.name,
      type: room?.type ?? ROOM_PERSONAL,
      imageURL: { thumbnail: room?.imageThumbnail ?? '', fullsize: room?.imageFullsize ?? '' },
      isLocked: room?.isLocked ?? false,
      lockedTime: room?.lockedAt ?? 0,
      deleted: room?.deletedAt ?? 0,
      isDeleted: room?.isDeleted ?? false,
    },
    user: brief(sender),
    recipientID: m.extra.recipientID,
    action: m.extra.action,
    target: m.extra.target,
    isDelivered: m.isDelivered,
    isRead: m.isRead,
    isDeleted: m.isDeleted,
    created: m.created,
    updated: m.updated,
    deleted: m.deleted,
  });
}
