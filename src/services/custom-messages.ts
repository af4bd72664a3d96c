// POST /v1/server/message/send/custom: a backend sends a message on behalf of one of its users, in
// plain text, to a personal room (recipientXCUserID) or any room the sender is in (xcRoomID). Types:
// 1001 text (no data), 1002 image (data: a JSON array of {url, mediaType, size, width, height,
// caption}), 2001 products (data: a JSON array of objects) and the customer's own 3000-3999 (data:
// empty or JSON). Parley encrypts it as the SDKs expect, stores it and delivers it like any message.
import { personalRoomId } from '../chat/views.ts';
import type { Deps } from '../deps.ts';
import { ApiError } from '../errors.ts';
import { findRoomByXcRoomId } from '../repos/rooms.ts';
import { findUserByXcUserId } from '../repos/users.ts';
import { refuseBlockedSender } from './blocks.ts';
import { roomState } from './room-state.ts';
import { sendServerMessage } from './server-messages.ts';

export interface CustomMessage {
  senderXCUserID: string;
  recipientXCUserID: string | undefined;
  xcRoomID: string | undefined;
  messageType: number;
  body: string;
  data: string;
  filterID: string;
  isHidden: boolean;
  localID: string | undefined;
}

const invalid = (field: string, message: string) => new ApiError('ParamValidationFailed', { field, message });

/** Checks `data` against the message type; throws 40002 with field 106. */
export function checkCustomData(type: number, data: string): void {
  if (type === 1001) {
    if (data !== '') throw invalid('106', 'A text message (1001) carries no data');
    return;
  }
  if (data === '') {
    if (type === 1002 || type === 2001) throw invalid('106', `A message of type ${type} needs data`);
    return;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    throw invalid('106', "Param 'data' must be a JSON string");
  }
  if (type === 1002 || type === 2001) {
    if (!Array.isArray(parsed) || parsed.length === 0 || parsed.some((x) => typeof x !== 'object' || x === null || Array.isArray(x))) {
      throw invalid('106', `Param 'data' must be a JSON array of ${type === 1002 ? 'images' : 'products'}`);
    }
  }
  if (type === 1002) {
    for (const image of parsed as Array<Record<string, unknown>>) {
      if (typeof image.url !== 'string' || !/^https?:\/\//.test(image.url)) throw invalid('106', 'Every image needs a url');
      for (const n of ['size', 'width', 'height'] as const) {
        if (image[n] !== undefined && (typeof image[n] !== 'number' || !Number.isInteger(image[n]) || (image[n] as number) < 0)) {
          throw invalid('106', `An image's ${n} must be a whole number`);
        }
      }
    }
  }
}

export function isCustomType(type: number): boolean {
  return type === 1001 || type === 1002 || type === 2001 || (type >= 3000 && type <= 3999);
}

export async function sendCustomMessage(deps: Deps, projectId: string, m: CustomMessage): Promise<{ success: true; localID: string; messageID: string }> {
  const sender = await findUserByXcUserId(deps.db, projectId, m.senderXCUserID);
  if (sender === undefined) throw new ApiError('UserNotFound', { field: '101', message: `User not found (xcUserID ${m.senderXCUserID})` });
  let roomId: string;
  if (m.recipientXCUserID !== undefined) {
    const recipient = await findUserByXcUserId(deps.db, projectId, m.recipientXCUserID);
    if (recipient === undefined) throw new ApiError('UserNotFound', { field: '102', message: `User not found (xcUserID ${m.recipientXCUserID})` });
    roomId = personalRoomId(sender.id, recipient.id);
    try {
      refuseBlockedSender(await roomState(deps, projectId, roomId), { projectId, userId: sender.id });
    } catch (err) {
      throw err instanceof ApiError ? new ApiError('PermissionDenied', { field: '102', message: 'The recipient has blocked the sender' }) : err;
    }
  } else {
    const room = await findRoomByXcRoomId(deps.db, projectId, m.xcRoomID as string);
    if (room === undefined || room.isDeleted) throw new ApiError('RoomNotFound', { field: '103' });
    const state = await roomState(deps, projectId, room.id);
    if (!state.members.some((x) => x.userId === sender.id))
      throw new ApiError('PermissionDenied', { field: '101', message: 'The sender is not a participant of this room' });
    // Read just now from the database (not the cache): a closed case's room refuses the backend too.
    if (room.isLocked) throw new ApiError('RoomLocked', { field: '103' });
    roomId = room.id;
  }
  const stored = await sendServerMessage(deps, projectId, roomId, sender.id, {
    type: m.messageType,
    text: m.body,
    dataText: m.data,
    filterID: m.filterID,
    isHidden: m.isHidden,
    ...(m.localID === undefined ? {} : { localID: m.localID }),
  });
  return { success: true, localID: stored.localID, messageID: String(stored.id) };
}
