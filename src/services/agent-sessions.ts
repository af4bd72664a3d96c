// Agents signed in to /inbox. The cookie is `<session id>.<secret>`: looked up by id, the secret
// compared in constant time with its stored SHA-256. Sessions slide: 12 hours after the last use.
// The CSRF token is derived from the cookie (one-way), so it is never stored and a page that can read
// it still cannot learn the cookie. docs/livechat.md ("The inbox").
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Deps } from '../deps.ts';
import { hashSecret, newId, newSecret, secretMatches } from '../credentials.ts';
import { ApiError } from '../errors.ts';
import * as sessions from '../repos/agent-sessions.ts';
import type { AgentSession } from '../repos/agent-sessions.ts';
import { type Agent, findAgentLogin, listAgents } from '../repos/livechat.ts';
import { findProjectIds } from '../repos/projects.ts';
import { passwordMatches } from '../security/passwords.ts';

export const INBOX_SESSION_TTL_MS = 12 * 60 * 60 * 1000;
/** A session is pushed forward at most once a minute (one write a minute per active agent). */
const EXTEND_EVERY_MS = 60_000;
/** Checked when the project or the email is unknown, so a miss costs what a wrong password costs. */
const DECOY_HASH = `scrypt$${2 ** 15}$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`;

export interface InboxAuth {
  agent: Agent;
  session: AgentSession;
  /** The cookie's value (to derive the CSRF token and to end the session). */
  token: string;
  /** True when this request pushed the expiry forward (the cookie is sent again). */
  extended: boolean;
}

/** The CSRF token of a session: SHA-256 of the cookie under a label of its own. */
export function csrfTokenOf(token: string): string {
  return createHash('sha256').update(`parley-inbox-csrf\0${token}`).digest('base64url');
}

export function csrfMatches(token: string, presented: unknown): boolean {
  if (typeof presented !== 'string' || presented === '') return false;
  const want = createHash('sha256').update(csrfTokenOf(token)).digest();
  const got = createHash('sha256').update(presented).digest();
  return timingSafeEqual(want, got);
}

/** `project` is the project's id, or its name when only one project has it. Every miss is 40130. */
export async function signIn(deps: Deps, input: { project: string; email: string; password: string }) {
  const ids = await findProjectIds(deps.db, input.project);
  const projectId = ids.length === 1 ? ids[0] : undefined;
  const login = projectId === undefined ? undefined : await findAgentLogin(deps.db, projectId, input.email.trim().toLowerCase());
  const matches = await passwordMatches(input.password, login?.passwordHash ?? DECOY_HASH);
  if (projectId === undefined || login === undefined || !matches) throw new ApiError('InboxLoginFailed');
  const agent = (await listAgents(deps.db, projectId, [login.id]))[0];
  if (agent === undefined) throw new ApiError('InboxLoginFailed');
  const now = deps.clock.now();
  const id = newId('agentSession');
  const secret = newSecret();
  await sessions.insertAgentSession(deps.db, {
    id,
    projectId,
    agentId: agent.id,
    secretHash: hashSecret(secret),
    createdAt: now,
    expiresAt: now + INBOX_SESSION_TTL_MS,
  });
  const token = `${id}.${secret}`;
  return { agent, token, csrfToken: csrfTokenOf(token) };
}

/** The agent of a cookie: 40131 without one, 40132 for one that is not a live session, 40133 expired. */
export async function authenticateAgent(deps: Deps, token: string | undefined): Promise<InboxAuth> {
  if (token === undefined || token === '') throw new ApiError('InboxSignInRequired');
  const [id, secret, extra] = token.split('.');
  if (id === undefined || secret === undefined || extra !== undefined || id.length > 64) throw new ApiError('InboxSessionInvalid');
  const session = await sessions.findAgentSession(deps.db, id);
  if (session === undefined || !secretMatches(secret, session.secretHash)) throw new ApiError('InboxSessionInvalid');
  const now = deps.clock.now();
  if (session.expiresAt <= now) throw new ApiError('InboxSessionExpired');
  const agent = (await listAgents(deps.db, session.projectId, [session.agentId]))[0];
  if (agent === undefined) throw new ApiError('InboxSessionInvalid');
  const extended = session.expiresAt - now < INBOX_SESSION_TTL_MS - EXTEND_EVERY_MS;
  if (extended) {
    session.expiresAt = now + INBOX_SESSION_TTL_MS;
    await sessions.extendAgentSession(deps.db, session.id, session.expiresAt);
  }
  return { agent, session, token, extended };
}

export async function signOut(deps: Deps, session: AgentSession): Promise<void> {
  await sessions.deleteAgentSession(deps.db, session.id, deps.clock.now());
}
