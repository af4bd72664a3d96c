// POST /v1/chat/message/feedback/delivered and …/feedback/read — {messageIDs} → {updatedMessageIDs}.
// Unknown, own, foreign and already-marked IDs are ignored (spec §7.3); the SDK sends them routinely.
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ok } from '../../errors.ts';
import { chatActorOf } from '../../http/request-auth.ts';
import { describeRoute, object } from '../../http/openapi.ts';
import { messageIdsOf } from '../../services/messages.ts';
import { markMessages } from '../../services/receipts.ts';
import { clientBody } from '../../validation.ts';

const IDS = { type: 'array', items: { type: 'string' } };

export function messageFeedback(deps: Deps, kind: 'delivered' | 'read'): RouteOptions {
  return {
    method: 'POST',
    url: `/v1/chat/message/feedback/${kind}`,
    schema: describeRoute({
      summary: `Mark messages ${kind} (the reader's own and unknown IDs are ignored)`,
      realm: 'client',
      body: { type: 'object', properties: { messageIDs: IDS } },
      data: object({ updatedMessageIDs: IDS }),
    }),
    handler: async (request) => {
      const ids = messageIdsOf(clientBody(request.body).messageIDs);
      return ok({ updatedMessageIDs: await markMessages(deps, chatActorOf(request), ids, kind === 'read') });
    },
  };
}
