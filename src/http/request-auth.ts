// Who a request is, once its realm's hook has checked it: `request.auth`, one field for every realm.
import type { FastifyRequest } from 'fastify';
import type { InboxAuth } from '../services/agent-sessions.ts';
import type { KeyAuth } from '../services/key-auth.ts';
import type { AccessAuth } from '../services/sessions.ts';

export type RequestAuth =
  /** A server-to-server realm: the key. */
  | { realm: 'key'; key: KeyAuth }
  /** A client realm: the app key, and the session when the route takes an access token. */
  | { realm: 'client'; key: KeyAuth; session: AccessAuth | null }
  /** The agents' inbox: the agent signed in by cookie. */
  | ({ realm: 'inbox' } & InboxAuth);

declare module 'fastify' {
  interface FastifyRequest {
    auth: RequestAuth | null;
  }
}

/** The key of a server-to-server call. */
export function keyAuthOf(request: FastifyRequest): KeyAuth {
  if (request.auth?.realm !== 'key') throw new Error('route outside a key realm');
  return request.auth.key;
}

/** The project of a client call. */
export function clientProjectOf(request: FastifyRequest): string {
  if (request.auth?.realm !== 'client') throw new Error('route outside a client realm');
  return request.auth.key.projectId;
}

/** The session of a client call that takes an access token. */
export function clientAuthOf(request: FastifyRequest): AccessAuth {
  if (request.auth?.realm !== 'client' || request.auth.session === null) throw new Error('route without access-token authentication');
  return request.auth.session;
}

/** The PowerTalk user a client call acts as (chat endpoints). */
export function chatActorOf(request: FastifyRequest): { projectId: string; userId: number } {
  const session = clientAuthOf(request);
  return { projectId: session.projectId, userId: Number(session.subject) };
}

/** The agent of an inbox call. */
export function inboxAuthOf(request: FastifyRequest): InboxAuth {
  if (request.auth?.realm !== 'inbox') throw new Error('route outside the inbox realm');
  return request.auth;
}
