// The caller's profile and look-ups of other users that Android and iOS make (client API
// user/update_bio, user/get_all_by_ids, user/exists/username), and the session's push token
// (push_notification/update: stored for a later delivery; nothing is pushed yet).
import type { Deps } from '../deps.ts';
import { ApiError } from '../errors.ts';
import { listPushTokens, savePushToken } from '../repos/push-tokens.ts';
import { findUserById, findUserByUsername, findUsersByIds, updateBio } from '../repos/users.ts';
import type { ChatActor } from './room-state.ts';
import { type ClientUser, toClientUser } from './user-view.ts';

/** user/update_bio: '' clears it. The user object everywhere carries it from now on. */
export async function setBio(deps: Deps, actor: ChatActor, bio: string): Promise<{ user: ClientUser }> {
  await updateBio(deps.db, actor.projectId, actor.userId, bio === '' ? null : bio, deps.clock.now());
  // This node forgets its cached copy now; other nodes' copies expire within seconds (chat/users cache).
  deps.chat.users.delete(`${actor.projectId}\0${actor.userId}`);
  const row = await findUserById(deps.db, actor.projectId, actor.userId);
  if (row === undefined) throw new ApiError('TokenUserNotFound');
  return { user: toClientUser(row) };
}

/** user/get_all_by_ids: the users that exist, in the order asked. */
export async function usersByIds(deps: Deps, actor: ChatActor, ids: number[]): Promise<{ users: ClientUser[] }> {
  const found = new Map((await findUsersByIds(deps.db, actor.projectId, ids)).map((u) => [u.id, toClientUser(u)]));
  return { users: ids.flatMap((id) => found.get(id) ?? []) };
}

/** user/exists/username: exact, or ignoring case when asked (as get_by_username). */
export async function usernameExists(deps: Deps, actor: ChatActor, username: string, ignoreCase: boolean): Promise<{ exists: boolean }> {
  return { exists: (await findUserByUsername(deps.db, actor.projectId, username, ignoreCase)) !== undefined };
}

/** push_notification/update: the session's FCM (Android) or APNs (iOS) token; none clears it. */
export async function setPushToken(
  deps: Deps,
  actor: ChatActor & { sessionId: string },
  tokens: { fcmToken: string | undefined; apnToken: string | undefined },
): Promise<{ success: boolean; message: string }> {
  await savePushToken(deps.db, {
    sessionId: actor.sessionId,
    projectId: actor.projectId,
    userId: actor.userId,
    fcmToken: tokens.fcmToken ?? null,
    apnToken: tokens.apnToken ?? null,
    updatedAt: deps.clock.now(),
  });
  return { success: true, message: 'Push notification token updated' };
}

/** The push tokens a delivery would address: those of the user's sessions still valid. */
export const pushTokensOf = (deps: Deps, actor: ChatActor) => listPushTokens(deps.db, actor.projectId, actor.userId);
