// A PowerTalk user's contact list (spec §7.1) and the user look-up by username. Contacts are
// one-sided and accepted at once: there are no requests to approve.
import type { Deps } from '../deps.ts';
import { ApiError } from '../errors.ts';
import { refuseBlockers } from './blocks.ts';
import * as contacts from '../repos/user-contacts.ts';
import { findUserById, findUserByUsername } from '../repos/users.ts';
import type { ChatActor } from './room-state.ts';
import { type ClientUser, toClientUser } from './user-view.ts';
import { parseId } from '../numeric-id.ts';

export interface ContactEntry {
  user: ClientUser;
  isRequestPending: boolean;
  isRequestAccepted: boolean;
}

export async function listContacts(deps: Deps, actor: ChatActor): Promise<{ contacts: ContactEntry[] }> {
  const rows = await contacts.listContactUsers(deps.db, actor.projectId, actor.userId);
  return { contacts: rows.map((row) => ({ user: toClientUser(row), isRequestPending: false, isRequestAccepted: true })) };
}

/** A user of the project by the userID a client sent (a decimal string), or 40401. */
async function userOf(deps: Deps, projectId: string, userID: string): Promise<ClientUser> {
  const id = parseId(userID);
  const row = id === undefined ? undefined : await findUserById(deps.db, projectId, id);
  if (row === undefined) throw new ApiError('UserNotFound', { field: 'userID' });
  return toClientUser(row);
}

export async function addContact(deps: Deps, actor: ChatActor, userID: string): Promise<{ success: boolean; message: string; user: ClientUser }> {
  const user = await userOf(deps, actor.projectId, userID);
  if (Number(user.userID) === actor.userId) throw new ApiError('ParamValidationFailed', { field: 'userID', message: 'You cannot add yourself as a contact' });
  await refuseBlockers(deps, actor, [Number(user.userID)], 'userID');
  await contacts.addContact(deps.db, actor.projectId, actor.userId, Number(user.userID), deps.clock.now());
  return { success: true, message: 'Contact added', user };
}

/** Removing someone who is not a contact succeeds too (the SDK only shows a success text). */
export async function removeContact(deps: Deps, actor: ChatActor, userID: string): Promise<{ success: boolean; message: string }> {
  const user = await userOf(deps, actor.projectId, userID);
  await contacts.removeContact(deps.db, actor.projectId, actor.userId, Number(user.userID));
  return { success: true, message: 'Contact removed' };
}

export async function getUserByUsername(deps: Deps, projectId: string, username: string, ignoreCase: boolean): Promise<{ user: ClientUser }> {
  const row = await findUserByUsername(deps.db, projectId, username, ignoreCase);
  if (row === undefined) throw new ApiError('UserNotFound', { field: 'username' });
  return { user: toClientUser(row) };
}
