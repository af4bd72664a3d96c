// PowerTalk server API: users found by xcUserID, and their 1-hour auth tickets.
import type { Deps } from '../deps.ts';
import { addMembers } from '../repos/rooms.ts';
import { findRoomsAdmittingRole } from '../repos/server-rooms.ts';
import { insertTicket, ticketRow } from '../repos/tickets.ts';
import { type UserDevice, type UserProfile, findUserProfile, profileChanges, profileDiffers, saveUser } from '../repos/users.ts';
import { commitWithoutFlush } from '../storage/dialect.ts';
import { TICKET_TTL_SECONDS } from '../tokens.ts';
import { announceUser } from './user-events.ts';
import { subscribers } from './webhooks.ts';

export async function requestAuthTicket(
  deps: Deps,
  projectId: string,
  input: { profile: UserProfile; device: UserDevice },
): Promise<{ userID: string; ticket: string }> {
  const now = deps.clock.now();
  const issue = (userID: string) => deps.signer.sign({ pur: 'auth_ticket', sub: userID, pid: projectId, now, ttlSeconds: TICKET_TTL_SECONDS });

  // The common case, a returning user on the same device: nothing about the user changes, so the
  // ticket record is the only write; it joins the other requests' records of this event-loop turn in
  // one commit.
  const existing = await findUserProfile(deps.db, projectId, input.profile.xcUserID);
  if (existing !== undefined && profileChanges(existing, input.profile, input.device) === undefined) {
    const userID = String(existing.id);
    const { token, claims } = issue(userID);
    await deps.tickets.insert(ticketRow('powertalk', claims));
    deps.metrics.ticketsIssued.inc({ kind: 'powertalk' });
    return { userID, ticket: token };
  }

  // An existing user's shown profile changed (not just the device): announced as user.updated.
  const profileChanged = existing !== undefined && profileDiffers(existing, input.profile);
  const hooks = profileChanged ? await subscribers(deps, projectId, 'user.updated') : [];

  // One transaction for the user and the ticket record; on SQLite it shares its commit with the
  // other new users of this event-loop turn.
  return deps.writes
    .run(async (trx) => {
      const { id, written } = await saveUser(trx, projectId, input.profile, input.device, now);
      // When only the ticket record is written, losing it in a crash just makes that ticket
      // unredeemable (fail closed): PostgreSQL need not wait for the WAL flush. Whenever the user
      // row is written, the commit is synchronous, so an acknowledged userID is never lost.
      if (!written) await commitWithoutFlush(trx, deps.dialect);
      // A user holding a role that rooms of the server API admit is one of their participants.
      const role = input.profile.userRoleCode;
      const joined = written && role !== undefined ? await findRoomsAdmittingRole(trx, projectId, role) : [];
      for (const roomId of joined) await addMembers(trx, projectId, roomId, [{ userId: id, isAdmin: false }], now);
      if (hooks.length > 0) await announceUser(trx, deps, hooks, projectId, id, now);
      const userID = String(id);
      const { token, claims } = issue(userID);
      await insertTicket(trx, 'powertalk', claims);
      return { userID, ticket: token, joined };
    })
    .then(({ joined, ...result }) => {
      for (const roomId of joined) deps.chat.hub.roomChanged(projectId, roomId);
      deps.metrics.ticketsIssued.inc({ kind: 'powertalk' });
      return result;
    });
}
