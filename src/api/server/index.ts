// The PowerTalk server API realm (`Server-Key`). Not tier-gated.
import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../deps.ts';
import { useKeyRealm } from '../../http/key-realm.ts';
import { authTicketRequest } from './auth-ticket.request.ts';
import { contactSync } from './contact.sync.ts';
import { messageSendCustom } from './message.send-custom.ts';
import { roomCreateOrUpdate } from './room.create-or-update.ts';
import { userUpdate } from './user.update.ts';
import { sessionRevokeAll } from './session.revoke-all.ts';
import { sessionRevokeUser } from './session.revoke-user.ts';

export async function serverApi(app: FastifyInstance, deps: Deps): Promise<void> {
  await useKeyRealm(app, deps, 'server', { tierGated: false });
  app.route(authTicketRequest(deps));
  app.route(userUpdate(deps));
  app.route(contactSync(deps));
  app.route(roomCreateOrUpdate(deps));
  app.route(messageSendCustom(deps));
  app.route(sessionRevokeUser(deps));
  app.route(sessionRevokeAll(deps));
}
