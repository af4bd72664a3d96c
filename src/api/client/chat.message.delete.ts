// POST /v1/chat/message/delete — {roomID, messageIDs, forEveryone} → {deletedMessageIDs}.
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ok } from '../../errors.ts';
import { chatActorOf } from '../../http/request-auth.ts';
import { BOOLEAN, bodyFromRules, describeRoute, object } from '../../http/openapi.ts';
import { deleteMessages, messageIdsOf } from '../../services/messages.ts';
import { POWERTALK_MESSAGES, clientBody, validate } from '../../validation.ts';
import { ROOM_ID_RULE, boolParam } from './chat-params.ts';

const RULES = [ROOM_ID_RULE] as const;
const IDS = { type: 'array', items: { type: 'string' } };

export function messageDelete(deps: Deps): RouteOptions {
  return {
    method: 'POST',
    url: '/v1/chat/message/delete',
    schema: describeRoute({
      summary: 'Delete messages (own, or any as a group admin)',
      realm: 'client',
      body: { ...bodyFromRules(RULES), properties: { ...(bodyFromRules(RULES).properties as object), messageIDs: IDS, forEveryone: BOOLEAN } },
      data: object({ deletedMessageIDs: IDS }),
    }),
    handler: async (request) => {
      const body = clientBody(request.body);
      const { roomID } = validate(body, RULES, POWERTALK_MESSAGES);
      const ids = messageIdsOf(body.messageIDs);
      const forEveryone = boolParam(body, 'forEveryone', true);
      return ok({ deletedMessageIDs: await deleteMessages(deps, chatActorOf(request), roomID, ids, forEveryone) });
    },
  };
}
