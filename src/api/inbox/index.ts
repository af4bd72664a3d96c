// The agents' inbox realm, /inbox/api/ (issue #13): a cookie session (http/inbox-realm.ts), HTTP
// status = envelope status. The page itself (/inbox) is served by ./page.ts. docs/livechat.md.
import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../deps.ts';
import { useInboxRealm } from '../../http/inbox-realm.ts';
import { inboxKeys } from '../../services/inbox-chat.ts';
import { inboxCaseClose } from './case.close.ts';
import { inboxCaseGet } from './case.get.ts';
import { inboxCaseHandOver } from './case.hand-over.ts';
import { inboxCaseJunk } from './case.junk.ts';
import { inboxCaseRemark } from './case.remark.ts';
import { inboxCaseReply } from './case.reply.ts';
import { inboxCaseTake } from './case.take.ts';
import { inboxCases } from './cases.ts';
import { inboxChatTicket } from './chat-ticket.ts';
import { inboxLogin } from './login.ts';
import { inboxLogout } from './logout.ts';
import { inboxMe } from './me.ts';

export async function inboxApi(app: FastifyInstance, deps: Deps): Promise<void> {
  useInboxRealm(app, deps);
  const keys = inboxKeys(deps);
  app.addHook('onClose', async () => {
    await keys.revoke().catch((err: unknown) => deps.logger.warn({ err }, 'inbox app keys not revoked'));
  });
  app.route(inboxLogin(deps));
  app.route(inboxLogout(deps));
  app.route(inboxMe());
  app.route(inboxCases(deps));
  app.route(inboxCaseGet(deps));
  app.route(inboxCaseTake(deps));
  app.route(inboxCaseHandOver(deps));
  app.route(inboxCaseReply(deps));
  app.route(inboxCaseRemark(deps));
  app.route(inboxCaseJunk(deps));
  app.route(inboxCaseClose(deps));
  app.route(inboxChatTicket(deps, keys));
}
