// chat/message/send/custom (Android/iOS): a client sends a message over REST with its content in
// plain text. The server encrypts it the way the SDKs decrypt (spec §5.3), then it goes the way of
// every message from a client: the same checks (system types and actions refused, the room's
// participants only, blocks), stored as the room's next event, delivered to every participant.
import { encryptContent } from '../chat/cipher.ts';
import type { Deps } from '../deps.ts';
import { ApiError } from '../errors.ts';
import { sendMessage } from './messages.ts';
import type { ChatActor } from './room-state.ts';
import { parseId } from '../numeric-id.ts';

export interface CustomMessage {
  /** The room; empty for a personal room named by `recipientUserID` (as the Android SDK sends it). */
  roomID: string;
  recipientUserID: string;
  localID: string;
  messageType: number;
  /** Plain text. */
  body: string;
  /** Plain text (the SDKs send JSON text); empty for none. */
  data: string;
  filterID: string;
  isHidden: boolean;
}

function roomOf(actor: ChatActor, input: CustomMessage): string {
  if (input.roomID !== '') return input.roomID;
  const other = parseId(input.recipientUserID);
  if (other === undefined) {
    throw new ApiError('ParamValidationFailed', { field: 'roomID', message: 'roomID or recipientUserID is required' });
  }
  return actor.userId <= other ? `${actor.userId}-${other}` : `${other}-${actor.userId}`;
}

export async function sendCustomMessage(deps: Deps, actor: ChatActor, input: CustomMessage): Promise<{ success: boolean; message: string }> {
  // The localID keys the cipher: checked (as any message's) before anything is encrypted with it.
  const key = /^[\x21-\x7e]{1,64}$/.test(input.localID) ? input.localID : undefined;
  if (key === undefined) throw new ApiError('ParamValidationFailed', { field: 'localID', message: 'localID must be 1-64 printable ASCII characters' });
  const { done } = await sendMessage(deps, actor, {
    localID: key,
    type: input.messageType,
    room: { roomID: roomOf(actor, input) },
    body: input.body === '' ? '' : encryptContent(input.body, key),
    data: input.data === '' ? '' : encryptContent(input.data, key),
    filterID: input.filterID,
    isHidden: input.isHidden,
  });
  await done;
  return { success: true, message: 'Message sent' };
}
