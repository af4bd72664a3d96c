// The OneTalk Integration API realm (`API-Key`). Every call needs a project with a tier.
import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../deps.ts';
import { useKeyRealm } from '../../http/key-realm.ts';
import { caseGetList } from './case.get-list.ts';
import { userRequestAuthTicket } from './user.request-auth-ticket.ts';
import { userSyncContact } from './user.sync-contact.ts';

export async function onetalkApi(app: FastifyInstance, deps: Deps): Promise<void> {
  await useKeyRealm(app, deps, 'api', { tierGated: true });
  app.route(userRequestAuthTicket(deps));
  app.route(userSyncContact(deps));
  app.route(caseGetList(deps));
}
