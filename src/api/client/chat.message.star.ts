// POST /v1/chat/message/star   — {roomID, messageIDs} → {starredMessageIDs}: for the caller only.
// POST /v1/chat/message/unstar — {roomID, messageIDs} → {unstarredMessageIDs}.
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { starMessages, unstarMessages } from '../../services/message-marks.ts';
import { messageIdsRoute } from './message-marks-route.ts';

export function chatMessageStar(deps: Deps): RouteOptions {
  return messageIdsRoute('/v1/chat/message/star', 'Star messages of a room, for the caller', 'starredMessageIDs', (actor, roomId, ids) =>
    starMessages(deps, actor, roomId, ids),
  );
}

export function chatMessageUnstar(deps: Deps): RouteOptions {
  return messageIdsRoute('/v1/chat/message/unstar', 'Unstar messages of a room', 'unstarredMessageIDs', (actor, roomId, ids) =>
    unstarMessages(deps, actor, roomId, ids),
  );
}
