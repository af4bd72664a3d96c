// `parley chat`: the operator chats as one of a project's users, with nothing but Parley. The CLI has
// the database, so it plays the customer's backend itself: a ticket for the user (as
// /v1/server/auth_ticket/request would give), and the app key that redeems it (services/tool-keys.ts).
import type { Deps } from '../deps.ts';
import { findUserProfile } from '../repos/users.ts';
import { VERSION } from '../version.ts';
import { requestAuthTicket } from './powertalk.ts';
import { type ToolKey, toolAppKey } from './tool-keys.ts';

export interface OperatorChatStart {
  key: ToolKey;
  userID: string;
  ticket: string;
}

/**
 * A ticket for the user `xcUserID` of the project, created when new (named `name`, else its
 * xcUserID). An existing user keeps its profile; `name`, when given, becomes its full name.
 */
export async function operatorChatTicket(deps: Deps, projectId: string, xcUserID: string, name: string | undefined): Promise<OperatorChatStart> {
  const existing = await findUserProfile(deps.db, projectId, xcUserID);
  const fullname = name ?? existing?.fullname ?? xcUserID;
  const device = { ipAddress: '127.0.0.1', userAgent: `parley-chat/${VERSION}`, platform: 'web', deviceID: 'parley-chat' };
  const { userID, ticket } = await requestAuthTicket(deps, projectId, { profile: { xcUserID, fullname }, device });
  return { key: await toolAppKey(deps, 'chat', projectId), userID, ticket };
}
