// PowerTalk server API: users found by xcUserID, and their 1-hour auth tickets.
import type { Deps } from '../deps.ts';
import { addMembers } from '../repos/rooms.ts';
import { findRoomsAdmittingRole } from '../repos/server-rooms.ts';
import { type StoredProfile, type UserDevice, type UserProfile, findUserProfile, profileChanges, profileDiffers, userKey } from '../repos/users.ts';
import { saveUser, upsertUser } from '../repos/user-upsert.ts';
import { TICKET_TTL_SECONDS } from '../tokens.ts';
import { announceUser } from './user-events.ts';
import { subscribers } from './webhooks.ts';

export async function requestAuthTicket(
  deps: Deps,
  projectId: string,
  input: { profile: UserProfile; device: UserDevice },
): Promise<{ userID: string; ticket: string }> {
  const now = deps.clock.now();

  // The common case, a returning user on the same device: nothing about the user changes, and a
  // ticket is recorded only when it is redeemed, so issuing it writes nothing at all.
  const existing = await cachedProfile(deps, projectId, input.profile.xcUserID);
  if (existing !== undefined && profileChanges(existing, input.profile, input.device) === undefined) return returningTicket(deps, projectId, existing, now);

  // PostgreSQL: a new user is one row of its turn's multi-row statement (repos/user-batches.ts).
  if (existing === undefined && deps.sessionBatches !== undefined) {
    const created = await deps.sessionBatches.newUsers.submit({ projectId, profile: input.profile, device: input.device, now });
    // A row this statement inserted was in no node's cache; one it updated (a racing request's) may be.
    committed(deps, projectId, created.id, !created.inserted, created.joined);
    const userID = String(created.id);
    return { userID, ticket: ticketFor(deps, projectId, userID, now) };
  }

  // An existing user's shown profile changed (not just the device): announced as user.updated.
  const profileChanged = existing !== undefined && profileDiffers(existing, input.profile);
  const hooks = profileChanged ? await subscribers(deps, projectId, 'user.updated') : [];

  // One transaction for the user; on SQLite it shares its commit with the other new users of this
  // event-loop turn. The commit is synchronous, so an acknowledged userID is never lost.
  return deps.writes
    .run(async (trx) => {
      // A user the read above did not find is created by the race-safe upsert at once (no second read).
      const { id, written } =
        existing === undefined
          ? { id: await upsertUser(trx, projectId, input.profile, input.device, now), written: true }
          : await saveUser(trx, projectId, input.profile, input.device, now);
      // A user holding a role that rooms of the server API admit is one of their participants.
      const role = input.profile.userRoleCode;
      const joined = written && role !== undefined ? await findRoomsAdmittingRole(trx, projectId, role) : [];
      for (const roomId of joined) await addMembers(trx, projectId, roomId, [{ userId: id, isAdmin: false }], now);
      if (hooks.length > 0) await announceUser(trx, deps, hooks, projectId, id, now);
      const userID = String(id);
      return { userID, ticket: ticketFor(deps, projectId, userID, now), joined, id, written };
    })
    .then(({ joined, id, written, ...result }) => {
      committed(deps, projectId, id, written, joined);
      return result;
    });
}

/**
 * requestAuthTicket without waiting, for the fast path (api/server/auth-ticket.fast.ts): the ticket when
 * the user's profile is cached and the input changes nothing about it; undefined in every other case.
 */
export function cachedAuthTicket(
  deps: Deps,
  projectId: string,
  input: { profile: UserProfile; device: UserDevice },
): { userID: string; ticket: string } | undefined {
  const existing = deps.authCache.profiles.get(userKey(projectId, input.profile.xcUserID));
  if (existing === undefined || profileChanges(existing, input.profile, input.device) !== undefined) return undefined;
  return returningTicket(deps, projectId, existing, deps.clock.now());
}

function returningTicket(deps: Deps, projectId: string, user: StoredProfile, now: number): { userID: string; ticket: string } {
  const userID = String(user.id);
  deps.metrics.powertalkTicketIssued();
  return { userID, ticket: ticketFor(deps, projectId, userID, now) };
}

const ticketFor = (deps: Deps, projectId: string, userID: string, now: number) =>
  deps.signer.sign({ pur: 'auth_ticket', sub: userID, pid: projectId, now, ttlSeconds: TICKET_TTL_SECONDS }).token;

/**
 * After a ticket's user write committed (so no node caches the profile from before it; services/sessions.ts
 * does the same for sessions): the profile forgotten on every node if it may be cached, the joined rooms told.
 */
function committed(deps: Deps, projectId: string, id: number, invalidate: boolean, joined: string[]): void {
  if (invalidate) deps.authCache.invalidate({ kind: 'user', project: projectId, id });
  for (const roomId of joined) deps.chat.hub.roomChanged(projectId, roomId);
  deps.metrics.ticketsIssued.inc({ kind: 'powertalk' });
}

/**
 * A returning user's stored profile from the cache (filled from one indexed read), so a ticket for an
 * unchanged user costs no database round trip. Every write of a profile invalidates it on every node.
 */
async function cachedProfile(deps: Deps, projectId: string, xcUserID: string): Promise<StoredProfile | undefined> {
  const key = userKey(projectId, xcUserID);
  const cached = deps.authCache.profiles.get(key);
  if (cached !== undefined) return cached;
  const epoch = deps.authCache.epoch();
  // PostgreSQL: the turn's reads in one (repos/session-batches.ts).
  const row =
    deps.sessionBatches === undefined
      ? await findUserProfile(deps.db, projectId, xcUserID)
      : await deps.sessionBatches.profiles.submit({ projectId, xcUserID });
  if (row !== undefined && epoch === deps.authCache.epoch()) deps.authCache.profiles.set(key, row);
  return row;
}
