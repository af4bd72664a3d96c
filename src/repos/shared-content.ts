// A room's shared content (chat/room/get_shared_content): its image, video, file and link messages,
// found by type alone (docs/chat-state.md), as one user sees the room.
import type { Kysely } from 'kysely';
import type { DB } from '../storage/schema.ts';
import { type StoredMessage, toMessage } from './messages.ts';
import { visibleTo } from './visibility.ts';

export const SHARED_TYPES = { image: 1002, video: 1003, file: 1004, link: 1010 } as const;

export async function listSharedContent(
  db: Kysely<DB>,
  projectId: string,
  roomId: string,
  viewer: number,
  window: { minCreated: number; maxCreated: number; newestFirst: boolean; limit: number },
): Promise<StoredMessage[]> {
  let query = db
    .selectFrom('messages')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('room_id', '=', roomId)
    .where('type', 'in', Object.values(SHARED_TYPES))
    .where('is_deleted', '=', 0)
    .where('is_hidden', '=', 0)
    .where('created_at', '>', window.minCreated)
    .where(visibleTo('messages', viewer));
  if (window.maxCreated > 0) query = query.where('created_at', '<', window.maxCreated);
  const order = window.newestFirst ? 'desc' : 'asc';
  const rows = await query.orderBy('created_at', order).orderBy('id', order).limit(window.limit).execute();
  return rows.map(toMessage);
}
