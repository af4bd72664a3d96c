// POST /v1/chat/message/get_pinned_list — {roomID, pageNumber, pageSize} → {messages, hasMore, pageNumber, totalItems, totalPages}
// POST /v1/chat/message/get_pinned_ids  — {roomID} → {pinnedMessageIDs}. Newest message first.
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { pinnedIds, pinnedPage } from '../../services/message-marks.ts';
import { markedIdsRoute, markedPageRoute } from './message-marks-route.ts';

export function chatMessageGetPinnedList(deps: Deps): RouteOptions {
  return markedPageRoute('/v1/chat/message/get_pinned_list', 'A page of the pinned messages of a room', (actor, roomId, n, size) =>
    pinnedPage(deps, actor, roomId, n, size),
  );
}

export function chatMessageGetPinnedIds(deps: Deps): RouteOptions {
  return markedIdsRoute('/v1/chat/message/get_pinned_ids', 'The pinned message ids of a room', 'pinnedMessageIDs', (actor, roomId) =>
    pinnedIds(deps, actor, roomId),
  );
}
