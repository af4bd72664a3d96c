// Reads about rooms beyond their messages: the groups two users share, and a room's shared content.
import type { MessageView, RoomView } from '../chat/views.ts';
import type { Deps } from '../deps.ts';
import { ApiError } from '../errors.ts';
import { commonGroupIds } from '../repos/rooms.ts';
import { SHARED_TYPES, listSharedContent } from '../repos/shared-content.ts';
import { roomViewsFor } from './delivery.ts';
import { viewsFor } from './message-lists.ts';
import { type ChatActor, roomOfMember, roomStateIfExists, userView } from './room-state.ts';
import { parseId } from '../numeric-id.ts';

/** room/groups_in_common: the groups the caller and `userID` are both in (40401 for an unknown user). */
export async function groupsInCommon(deps: Deps, actor: ChatActor, userID: string): Promise<RoomView[]> {
  const other = parseId(userID);
  if (other === undefined) throw new ApiError('UserNotFound', { field: 'userID' });
  await userView(deps, actor.projectId, other).catch((err: unknown) => {
    throw err instanceof ApiError ? new ApiError('UserNotFound', { field: 'userID' }) : err;
  });
  const out: RoomView[] = [];
  for (const id of await commonGroupIds(deps.db, actor.projectId, actor.userId, other)) {
    const state = await roomStateIfExists(deps, actor.projectId, id);
    const view = state === undefined ? undefined : (await roomViewsFor(deps, state, [actor.userId])).get(actor.userId);
    if (view !== undefined) out.push(view);
  }
  return out;
}

/** One shared item: the message as listed, with the flat fields the Android SDK reads. */
type SharedItem = MessageView & { messageType: number; userID: string; userFullname: string };

/**
 * chat/room/get_shared_content: images and videos are `media`, files `files`, link messages `links`
 * (by message type; the content itself is the client's ciphertext).
 */
export async function sharedContent(
  deps: Deps,
  actor: ChatActor,
  roomId: string,
  window: { minCreated: number; maxCreated: number; newestFirst: boolean },
): Promise<{ media: SharedItem[]; files: SharedItem[]; links: SharedItem[] }> {
  await roomOfMember(deps, actor, roomId);
  const found = await listSharedContent(deps.db, actor.projectId, roomId, actor.userId, { ...window, limit: deps.chat.limits.listMax });
  const out = { media: [] as SharedItem[], files: [] as SharedItem[], links: [] as SharedItem[] };
  for (const view of await viewsFor(deps, actor, found)) {
    const item = { ...view, messageType: view.type, userID: view.user.userID, userFullname: view.user.fullname };
    if (view.type === SHARED_TYPES.file) out.files.push(item);
    else if (view.type === SHARED_TYPES.link) out.links.push(item);
    else out.media.push(item);
  }
  return out;
}
