// The PowerTalk server API realm (`Server-Key`). Not tier-gated.
import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../deps.ts';
import { useKeyRealm } from '../../http/key-realm.ts';
import { authTicketRequest } from './auth-ticket.request.ts';
import { sessionRevokeAll } from './session.revoke-all.ts';
import { sessionRevokeUser } from './session.revoke-user.ts';

export async function serverApi(app: FastifyInstance, deps: Deps): Promise<void> {
  await useKeyRealm(app, deps, 'server', { tierGated: false });
  app.route(authTicketRequest(deps));
  app.route(sessionRevokeUser(deps));
  app.route(sessionRevokeAll(deps));
}
