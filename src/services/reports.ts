// Reports of a user or of a message (client API chat_report/submit_user, submit_message), kept for
// the operator, who reads them with `parley report list`. Nothing is sent to anyone.
import type { Deps } from '../deps.ts';
import { ApiError } from '../errors.ts';
import { findMessagesByIds } from '../repos/messages.ts';
import * as reports from '../repos/reports.ts';
import { findUserById } from '../repos/users.ts';
import { type ChatActor, roomOfMember } from './room-state.ts';
import { parseId } from '../numeric-id.ts';

export interface ReportInput {
  category: string;
  isOtherCategory: boolean;
  reason: string;
}

const SUBMITTED = { success: true, message: 'Report submitted' };

export async function reportUser(deps: Deps, actor: ChatActor, userID: string, input: ReportInput): Promise<typeof SUBMITTED> {
  const id = parseId(userID);
  const user = id === undefined ? undefined : await findUserById(deps.db, actor.projectId, id);
  if (user === undefined) throw new ApiError('UserNotFound', { field: 'userID' });
  if (user.id === actor.userId) throw new ApiError('ParamValidationFailed', { field: 'userID', message: 'You cannot report yourself' });
  await reports.insertReport(deps.db, {
    projectId: actor.projectId,
    reporterId: actor.userId,
    reportedUserId: user.id,
    roomId: null,
    messageId: null,
    ...input,
    createdAt: deps.clock.now(),
  });
  return SUBMITTED;
}

/** Only a participant of the room may report one of its messages (others: as for any room, 40301). */
export async function reportMessage(deps: Deps, actor: ChatActor, roomId: string, messageID: string, input: ReportInput): Promise<typeof SUBMITTED> {
  await roomOfMember(deps, actor, roomId);
  const id = parseId(messageID);
  const [message] = id === undefined ? [] : await findMessagesByIds(deps.db, actor.projectId, [id]);
  if (message === undefined || message.roomId !== roomId) throw new ApiError('MessageNotFound', { field: 'messageID' });
  if (message.senderId === actor.userId) throw new ApiError('ParamValidationFailed', { field: 'messageID', message: 'You cannot report your own message' });
  await reports.insertReport(deps.db, {
    projectId: actor.projectId,
    reporterId: actor.userId,
    reportedUserId: message.senderId,
    roomId,
    messageId: message.id,
    ...input,
    createdAt: deps.clock.now(),
  });
  return SUBMITTED;
}

export const listReports = (deps: Deps, projectId: string, limit: number) => reports.listReports(deps.db, projectId, limit);
