// The star and pin endpoints share their shapes: {roomID, messageIDs} → {<key>: messageIDs}, and
// {roomID[, pageNumber, pageSize]} → a page or the ids. Each endpoint file names its path and service.
import type { RouteOptions } from 'fastify';
import { ok } from '../../errors.ts';
import { chatActorOf } from '../../http/request-auth.ts';
import { BOOLEAN, INTEGER, STRING, bodyFromRules, describeRoute, object } from '../../http/openapi.ts';
import type { Page } from '../../services/message-marks.ts';
import { messageIdsOf } from '../../services/messages.ts';
import type { ChatActor } from '../../services/room-state.ts';
import { POWERTALK_MESSAGES, clientBody, validate } from '../../validation.ts';
import { ROOM_ID_RULE, intParam } from './chat-params.ts';

const RULES = [ROOM_ID_RULE] as const;
const BODY = bodyFromRules(RULES);
const IDS = { type: 'array', items: STRING };
const MESSAGES = { type: 'array', items: { type: 'object', additionalProperties: true } };

export function messageIdsRoute(
  url: string,
  summary: string,
  key: string,
  change: (actor: ChatActor, roomId: string, ids: number[]) => Promise<string[]>,
): RouteOptions {
  return {
    method: 'POST',
    url,
    schema: describeRoute({
      summary,
      realm: 'client',
      body: { ...BODY, properties: { ...(BODY.properties as object), messageIDs: IDS }, required: ['roomID', 'messageIDs'] },
      data: object({ [key]: IDS }),
    }),
    handler: async (request) => {
      const body = clientBody(request.body);
      const { roomID } = validate(body, RULES, POWERTALK_MESSAGES);
      return ok({ [key]: await change(chatActorOf(request), roomID, messageIdsOf(body.messageIDs ?? [])) });
    },
  };
}

export function markedIdsRoute(url: string, summary: string, key: string, read: (actor: ChatActor, roomId: string) => Promise<string[]>): RouteOptions {
  return {
    method: 'POST',
    url,
    schema: describeRoute({ summary, realm: 'client', body: BODY, data: object({ [key]: IDS }) }),
    handler: async (request) => {
      const { roomID } = validate(clientBody(request.body), RULES, POWERTALK_MESSAGES);
      return ok({ [key]: await read(chatActorOf(request), roomID) });
    },
  };
}

export function markedPageRoute(
  url: string,
  summary: string,
  read: (actor: ChatActor, roomId: string, pageNumber: number, pageSize: number) => Promise<Page>,
): RouteOptions {
  return {
    method: 'POST',
    url,
    schema: describeRoute({
      summary,
      realm: 'client',
      body: { ...BODY, properties: { ...(BODY.properties as object), pageNumber: INTEGER, pageSize: INTEGER } },
      data: object({ messages: MESSAGES, hasMore: BOOLEAN, pageNumber: INTEGER, totalItems: INTEGER, totalPages: INTEGER }),
    }),
    handler: async (request) => {
      const body = clientBody(request.body);
      const { roomID } = validate(body, RULES, POWERTALK_MESSAGES);
      const pageNumber = intParam(body, 'pageNumber', { min: 1, max: 1_000_000, fallback: 1 });
      const pageSize = intParam(body, 'pageSize', { min: 1, max: 100_000, fallback: 50 });
      return ok(await read(chatActorOf(request), roomID, pageNumber, pageSize));
    },
  };
}
