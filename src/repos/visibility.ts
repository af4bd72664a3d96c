// Which messages one user still sees of a room: a rule shared by every list query.
import { sql } from 'kysely';

/**
 * What one user no longer sees of a room (for a query where the message table is `alias`): messages
 * created up to the time the user cleared the room, and those the user deleted for themself.
 */
export function visibleTo(alias: string, userId: number) {
  const c = (col: string) => sql.ref(`${alias}.${col}`);
  return sql<boolean>`not exists (select 1 from room_user_states vs where vs.project_id = ${c('project_id')} and vs.user_id = ${userId} and vs.room_id = ${c('room_id')} and vs.cleared_at >= ${c('created_at')}) and not exists (select 1 from message_hides vh where vh.project_id = ${c('project_id')} and vh.user_id = ${userId} and vh.message_id = ${c('id')})`;
}
