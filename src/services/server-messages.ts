// Messages the server writes itself: system messages about room and profile changes, and the server
// API's custom messages sent on behalf of a user. The text arrives plain and is encrypted here the way
// the SDKs decrypt (spec §5.3), under the message's localID; then it is stored and delivered like any
// message (and announced to webhooks).
import { encryptContent, newLocalId } from '../chat/cipher.ts';
import { readClientMessage } from '../chat/message-input.ts';
import type { Deps } from '../deps.ts';
import * as messages from '../repos/messages.ts';
import type { StoredMessage } from '../repos/messages.ts';
import { targetsFor } from './delivery.ts';
import { freshMessage, nextMessageEvent } from './messages.ts';
import { roomState } from './room-state.ts';
import { announceNewMessage } from './message-announcements.ts';
import { subscribers } from './webhooks.ts';

export interface ServerMessage {
  /** 9001 for system messages (room changes), or any other type. */
  type: number;
  /** Plain text; encrypted here. */
  text: string;
  /** Optional object, sent as encrypted JSON text in `data`. */
  data?: Record<string, unknown>;
  /** Optional text sent as it is (encrypted) in `data`, instead of `data`. */
  dataText?: string;
  action?: string;
  target?: { targetType: string; targetID: string; targetXCID: string; targetName: string };
  filterID?: string;
  isHidden?: boolean;
  /** The caller's own localID (a replay of it answers the stored message); a fresh one otherwise. */
  localID?: string;
}

/**
 * Stores `message` from `senderId` in the room (a personal room's first message creates it) and
 * delivers it to the room's members as they are after the change, plus `alsoTo` (e.g. someone just
 * removed). Returns the message as stored.
 */
export async function sendServerMessage(
  deps: Deps,
  projectId: string,
  roomId: string,
  senderId: number,
  message: ServerMessage,
  alsoTo: number[] = [],
): Promise<StoredMessage> {
  deps.chat.rooms.delete(`${projectId}\0${roomId}`);
  const state = await roomState(deps, projectId, roomId);
  const localID = message.localID ?? newLocalId();
  const hooks = await subscribers(deps, projectId, 'message.sent');
  const now = deps.clock.now();
  const data = message.dataText ?? (message.data === undefined ? '' : JSON.stringify(message.data));
  const outcome = await deps.writes.run(async (trx) => {
    const event = await nextMessageEvent(trx, state, now);
    const m = freshMessage(
      {
        projectId,
        roomId,
        senderId,
        localID,
        type: message.type,
        body: encryptContent(message.text, localID),
        data: data === '' ? '' : encryptContent(data, localID),
        extra: readClientMessage(
          { localID, type: message.type, room: { roomID: roomId }, action: message.action ?? '', target: message.target, filterID: message.filterID ?? '' },
          deps.chat.limits,
          'server',
        ).extra,
        isHidden: message.isHidden === true,
      },
      event.at,
    );
    const id = await messages.insertMessage(trx, m);
    if (id === undefined) {
      // Only a caller's own localID can collide: it sent this message before, which is the answer.
      const stored = await messages.findMessageByLocalId(trx, projectId, senderId, localID);
      if (stored === undefined) throw new Error('a localID collided with no message behind it');
      return { stored, event, replay: true };
    }
    await announceNewMessage(trx, deps, hooks, { projectId, roomId, id });
    return { stored: messages.withId(m, id), event, replay: false };
  });
  deps.metrics.messages.inc({ event: outcome.replay ? 'replayed' : 'system' });
  const users = [...new Set([...state.members.map((m) => m.userId), ...alsoTo])];
  // A replay still took the room's event number: the note keeps every node's sequence whole.
  deps.chat.hub.roomEvent(projectId, roomId, outcome.event, outcome.replay ? [] : await targetsFor(deps, state, outcome.stored, 'chat/sendMessage', users));
  return outcome.stored;
}
