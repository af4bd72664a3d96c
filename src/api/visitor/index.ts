// The OneTalk Live Chat ("visitor") realm: tickets from request_auth_ticket become sessions here.
// Authenticated by `Secret-Key` (the app key's secret), HTTP 200 always (onetalk-protocol.md §0.1, §2).
import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../deps.ts';
import { LIVECHAT_VISITORS } from '../../http/client-auth.ts';
import { useClientRealm } from '../../http/client-realm.ts';
import { accessTokenRefresh } from '../client/auth.access-token.refresh.ts';
import { accessTokenRequest } from '../client/auth.access-token.request.ts';
import { clientLogout } from '../client/logout.ts';
import { visitorUserGet } from './client.user.get.ts';

const PREFIX = '/api/visitor';

export async function visitorApi(app: FastifyInstance, deps: Deps): Promise<void> {
  useClientRealm(app, deps, LIVECHAT_VISITORS);
  app.route(accessTokenRequest(deps, 'onetalk', PREFIX));
  app.route(accessTokenRefresh(deps, 'onetalk', PREFIX));
  app.route(clientLogout(deps, `${PREFIX}/v1/client/logout`));
  app.route(clientLogout(deps, `${PREFIX}/v1/logout`));
  app.route(visitorUserGet(deps));
}
