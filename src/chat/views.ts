// The room and message objects clients receive (spec §5.1, §6). Every field present, never null:
// the SDKs dereference them freely.
import type { StoredMessage } from '../repos/messages.ts';
import type { Room } from '../repos/rooms.ts';
import type { ClientUser } from '../services/user-view.ts';
import { frozenJson } from './frozen-json.ts';
import { subObjectJson } from './message-extra.ts';

const str = JSON.stringify;

export const ROOM_PERSONAL = 1;
export const ROOM_GROUP = 2;

/** `"<a>-<b>"` with a ≤ b: the two user ids of a personal room (spec §6), or undefined. */
export function personalRoomUsers(roomId: string): [number, number] | undefined {
  const match = /^([1-9][0-9]{0,15})-([1-9][0-9]{0,15})$/.exec(roomId);
  if (!match) return undefined;
  const a = Number(match[1]);
  const b = Number(match[2]);
  return Number.isSafeInteger(a) && Number.isSafeInteger(b) && a <= b ? [a, b] : undefined;
}

/** The personal room of two users. */
export function personalRoomId(a: number, b: number): string {
  return a <= b ? `${a}-${b}` : `${b}-${a}`;
}

/**
 * The room as `viewer` sees it. A personal room is named after the other participant (the viewer
 * itself for saved messages `me-me`), whose user object the caller passes as `other`.
 */
export function roomView(room: Room, other: ClientUser | undefined, admins: string[] = []) {
  const personal = room.type === ROOM_PERSONAL;
  return {
    roomID: room.id,
    xcRoomID: room.xcRoomID,
    name: personal ? (other?.fullname ?? '') : room.name,
    type: room.type,
    imageURL: personal ? { ...(other?.imageURL ?? { thumbnail: '', fullsize: '' }) } : { thumbnail: room.imageThumbnail, fullsize: room.imageFullsize },
    color: room.color,
    isLocked: room.isLocked,
    lockedTime: room.lockedAt,
    isDeleted: room.isDeleted,
    deleted: room.deletedAt,
    unreadCount: 0,
    admins,
  };
}

export type RoomView = ReturnType<typeof roomView>;

/** The fields of a message view before its room and sender, in the order the view has them. */
function messageHead(m: StoredMessage) {
  return {
    messageID: String(m.id),
    localID: m.localID,
    type: m.type,
    body: m.body,
    data: m.data,
    filterID: m.extra.filterID,
    isHidden: m.isHidden,
    quote: m.extra.quote,
    replyTo: m.extra.replyTo,
    forwardFrom: m.extra.forwardFrom,
  };
}

/** The fields of a message view after its room and sender. */
function messageTail(m: StoredMessage) {
  return {
    recipientID: m.extra.recipientID,
    action: m.extra.action,
    target: m.extra.target,
    isSending: false,
    isFailedSend: false,
    isDelivered: m.isDelivered,
    isRead: m.isRead,
    isDeleted: m.isDeleted,
    isMessageEdited: m.isEdited,
    created: m.created,
    updated: m.updated,
    deleted: m.deleted,
  };
}

/**
 * The message as delivered or listed: the stored client fields verbatim, server fields filled. Assigned
 * onto its head rather than spread into a new object: Node 20's V8 gives each object spread and then
 * extended a hidden class of its own (docs/performance.md, "2026-12-06, evening").
 */
export function messageView(m: StoredMessage, room: RoomView, sender: ClientUser) {
  return Object.assign(messageHead(m), { room, user: sender }, messageTail(m));
}

export type MessageView = ReturnType<typeof messageView>;

/**
 * JSON as text and as its UTF-8 bytes: a frame (its text travels between nodes, its bytes go to the
 * sockets here), or a room view's JSON kept with the cached room state (services/delivery.ts).
 */
export interface Encoded {
  text: string;
  bytes: Buffer;
}

/**
 * The frames of one message event, one per room view (given as its JSON), with the message serialised
 * once: the views differ only in `room` (a personal room is named per viewer), and the sender's JSON is
 * kept with its cached view (`frozenJson`). Each frame's bytes are the message's two halves, encoded
 * once, around the room's own bytes. Each frame is exactly
 * `eventFrame(eventName, messageView(m, room, sender))`, field for field in messageView's order.
 */
export function messageFrames(eventName: string, m: StoredMessage, sender: ClientUser, rooms: Encoded[]): Encoded[] {
  // messageHead's and messageTail's JSON, field for field (chat-views.test.ts holds them to it): the
  // sub-objects' JSON is made once where they are the SDK's shared defaults (chat/message-extra.ts).
  const x = m.extra;
  const before =
    `{"eventName":${str(eventName)},"data":{"messageID":"${m.id}","localID":${str(m.localID)},"type":${m.type},"body":${str(m.body)},` +
    `"data":${str(m.data)},"filterID":${str(x.filterID)},"isHidden":${m.isHidden},"quote":${subObjectJson(x.quote)},` +
    `"replyTo":${subObjectJson(x.replyTo)},"forwardFrom":${subObjectJson(x.forwardFrom)},"room":`;
  const after =
    `,"user":${frozenJson(sender)},"recipientID":${str(x.recipientID)},"action":${str(x.action)},"target":${subObjectJson(x.target)},` +
    `"isSending":false,"isFailedSend":false,"isDelivered":${m.isDelivered},"isRead":${m.isRead},"isDeleted":${m.isDeleted},` +
    `"isMessageEdited":${m.isEdited},"created":${m.created},"updated":${m.updated},"deleted":${m.deleted}}}`;
  const [b, a] = [Buffer.from(before), Buffer.from(after)];
  return rooms.map((room) => ({ text: before + room.text + after, bytes: Buffer.concat([b, room.bytes, a], b.length + room.bytes.length + a.length) }));
}

/** One socket event as the text of one binary frame (spec §4.2): no newline inside or after. */
export function eventFrame(eventName: string, data: unknown): string {
  // JSON.stringify escapes newlines inside strings, so the text never holds a raw "\n".
  return JSON.stringify({ eventName, data });
}
