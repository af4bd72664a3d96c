// POST /v1/chat/message/pin   — {roomID, messageIDs} → {pinnedMessageIDs}; a `message/pin` system message per newly pinned one.
// POST /v1/chat/message/unpin — {roomID, messageIDs} → {unpinnedMessageIDs}; `message/unpin` per one that was pinned.
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { pinMessages, unpinMessages } from '../../services/message-marks.ts';
import { messageIdsRoute } from './message-marks-route.ts';

export function chatMessagePin(deps: Deps): RouteOptions {
  return messageIdsRoute('/v1/chat/message/pin', 'Pin messages of a room, for everyone in it', 'pinnedMessageIDs', (actor, roomId, ids) =>
    pinMessages(deps, actor, roomId, ids),
  );
}

export function chatMessageUnpin(deps: Deps): RouteOptions {
  return messageIdsRoute('/v1/chat/message/unpin', 'Unpin messages of a room', 'unpinnedMessageIDs', (actor, roomId, ids) =>
    unpinMessages(deps, actor, roomId, ids),
  );
}
