// Users' reports of other users and of messages, kept for the operator (`parley report list`).
import type { Kysely } from 'kysely';
import type { DB } from '../storage/schema.ts';

export interface NewReport {
  projectId: string;
  reporterId: number;
  reportedUserId: number;
  /** Set for a report of a message. */
  roomId: string | null;
  messageId: number | null;
  category: string;
  isOtherCategory: boolean;
  reason: string;
  createdAt: number;
}

export interface Report extends NewReport {
  id: number;
  reporterXcUserID: string;
  reportedXcUserID: string;
}

export async function insertReport(db: Kysely<DB>, r: NewReport): Promise<void> {
  await db
    .insertInto('chat_reports')
    .values({
      project_id: r.projectId,
      reporter_id: r.reporterId,
      reported_user_id: r.reportedUserId,
      room_id: r.roomId,
      message_id: r.messageId,
      category: r.category,
      is_other_category: r.isOtherCategory ? 1 : 0,
      reason: r.reason,
      created_at: r.createdAt,
    })
    .execute();
}

/** The project's latest reports, newest first, with both users' xcUserIDs (the operator's own ids). */
export async function listReports(db: Kysely<DB>, projectId: string, limit: number): Promise<Report[]> {
  const rows = await db
    .selectFrom('chat_reports as r')
    .leftJoin('users as reporter', (j) => j.onRef('reporter.project_id', '=', 'r.project_id').onRef('reporter.id', '=', 'r.reporter_id'))
    .leftJoin('users as reported', (j) => j.onRef('reported.project_id', '=', 'r.project_id').onRef('reported.id', '=', 'r.reported_user_id'))
    .selectAll('r')
    .select(['reporter.xc_user_id as reporter_xc', 'reported.xc_user_id as reported_xc'])
    .where('r.project_id', '=', projectId)
    .orderBy('r.created_at', 'desc')
    .orderBy('r.id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    id: Number(r.id),
    projectId: r.project_id,
    reporterId: Number(r.reporter_id),
    reportedUserId: Number(r.reported_user_id),
    roomId: r.room_id,
    messageId: r.message_id === null ? null : Number(r.message_id),
    category: r.category,
    isOtherCategory: r.is_other_category === 1,
    reason: r.reason,
    createdAt: Number(r.created_at),
    reporterXcUserID: r.reporter_xc ?? '',
    reportedXcUserID: r.reported_xc ?? '',
  }));
}
