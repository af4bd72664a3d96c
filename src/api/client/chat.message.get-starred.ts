// POST /v1/chat/message/get_starred_list — {roomID, pageNumber, pageSize} → {messages, hasMore, pageNumber, totalItems, totalPages}
// POST /v1/chat/message/get_starred_ids  — {roomID} → {messageIDs}. Newest message first.
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { starredIds, starredPage } from '../../services/message-marks.ts';
import { markedIdsRoute, markedPageRoute } from './message-marks-route.ts';

export function chatMessageGetStarredList(deps: Deps): RouteOptions {
  return markedPageRoute('/v1/chat/message/get_starred_list', "A page of the caller's starred messages of a room", (actor, roomId, n, size) =>
    starredPage(deps, actor, roomId, n, size),
  );
}

export function chatMessageGetStarredIds(deps: Deps): RouteOptions {
  return markedIdsRoute('/v1/chat/message/get_starred_ids', "The caller's starred message ids of a room", 'messageIDs', (actor, roomId) =>
    starredIds(deps, actor, roomId),
  );
}
