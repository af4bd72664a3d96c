// The OneTalk Live Chat ("visitor") realm: tickets from request_auth_ticket become sessions here.
// Authenticated by `Secret-Key` (the app key's secret), HTTP 200 always (onetalk-protocol.md §0.1, §2).
import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../deps.ts';
import { LIVECHAT_VISITORS } from '../../http/client-auth.ts';
import { useClientRealm } from '../../http/client-realm.ts';
import { accessTokenRefresh } from '../client/auth.access-token.refresh.ts';
import { accessTokenRequest } from '../client/auth.access-token.request.ts';
import { clientLogout } from '../client/logout.ts';
import { visitorCaseClose } from './client.case.close.ts';
import { visitorCaseCreate } from './client.case.create.ts';
import { visitorCaseGetById } from './client.case.get-by-id.ts';
import { visitorCaseGetList } from './client.case.get-list.ts';
import { visitorCaseRate } from './client.case.rate.ts';
import { visitorCaseSendMessage } from './client.case.send-message.ts';
import { visitorProjectGetConfigs } from './client.project.get-configs.ts';
import { visitorScfGetPath } from './client.scf.get-path.ts';
import { visitorServerTime } from './client.server-time.ts';
import { visitorTaptalkRequestAuthTicket } from './client.taptalk.request-auth-ticket.ts';
import { visitorTopicGetList } from './client.topic.get-list.ts';
import { visitorUserCreate } from './client.user.create.ts';
import { visitorUserGet } from './client.user.get.ts';

const PREFIX = '/api/visitor';

export async function visitorApi(app: FastifyInstance, deps: Deps): Promise<void> {
  useClientRealm(app, deps, LIVECHAT_VISITORS);
  app.route(accessTokenRequest(deps, 'onetalk', PREFIX));
  app.route(accessTokenRefresh(deps, 'onetalk', PREFIX));
  app.route(clientLogout(deps, `${PREFIX}/v1/client/logout`));
  app.route(clientLogout(deps, `${PREFIX}/v1/logout`));
  app.route(visitorUserGet(deps));
  // Live Chat (docs/livechat.md).
  app.route(visitorProjectGetConfigs(deps));
  app.route(visitorTopicGetList(deps));
  app.route(visitorScfGetPath());
  app.route(visitorServerTime(deps));
  app.route(visitorUserCreate(deps));
  app.route(visitorTaptalkRequestAuthTicket(deps));
  app.route(visitorCaseCreate(deps));
  app.route(visitorCaseGetList(deps));
  app.route(visitorCaseGetById(deps));
  app.route(visitorCaseClose(deps));
  app.route(visitorCaseRate(deps));
  app.route(visitorCaseSendMessage(deps));
}
