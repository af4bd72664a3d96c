// The PowerTalk client realm: what TapTalk's chat SDKs call (App-Key + access token, HTTP 200 always).
import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../deps.ts';
import { useClientRealm } from '../../http/client-realm.ts';
import { accessTokenRefresh } from './auth.access-token.refresh.ts';
import { accessTokenRequest } from './auth.access-token.request.ts';
import { messageDelete } from './chat.message.delete.ts';
import { messageFeedback } from './chat.message.feedback.ts';
import { listAfter, listBefore, newAndUpdated, roomListAndUnread } from './chat.message.lists.ts';
import { connectCheck } from './connect.ts';
import { clientLogout } from './logout.ts';
import { projectConfigs } from './project-configs.ts';
import { chatSocket } from './socket.ts';
import { userGetById } from './user.get-by-id.ts';
import { userGetByXcUserId } from './user.get-by-xcuserid.ts';

export async function clientApi(app: FastifyInstance, deps: Deps): Promise<void> {
  useClientRealm(app, deps, 'powertalk', 'app-key');
  app.route(projectConfigs());
  app.route(accessTokenRequest(deps, 'powertalk'));
  app.route(accessTokenRefresh(deps, 'powertalk'));
  app.route(connectCheck());
  app.route(clientLogout(deps, '/v1/client/logout'));
  app.route(userGetById(deps));
  app.route(userGetByXcUserId(deps));
  chatSocket(app, deps);
  app.route(roomListAndUnread(deps));
  app.route(newAndUpdated(deps));
  app.route(listBefore(deps));
  app.route(listAfter(deps));
  app.route(messageFeedback(deps, 'delivered'));
  app.route(messageFeedback(deps, 'read'));
  app.route(messageDelete(deps));
}
