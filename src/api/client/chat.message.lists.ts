// The message lists the SDKs load (spec §7.3, §7.4):
//   POST /v1/chat/message/room_list_and_unread — newest message per room + unread from others
//   POST /v1/chat/message/new_and_updated       — what changed since this session last asked
//   POST /v1/chat/message/list_by_room/before   — {roomID, maxCreated (0 = now), limit} → {messages, hasMore}
//   POST /v1/chat/message/list_by_room/after    — {roomID, minCreated, lastUpdated} → {messages}
import type { FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ok } from '../../errors.ts';
import { chatActorOf, clientAuthOf } from '../../http/request-auth.ts';
import { BOOLEAN, INTEGER, bodyFromRules, describeRoute, object } from '../../http/openapi.ts';
import * as chat from '../../services/message-lists.ts';
import { POWERTALK_MESSAGES, clientBody, validate } from '../../validation.ts';
import { ROOM_ID_RULE, intParam } from './chat-params.ts';

const MESSAGES = { type: 'array', items: { type: 'object', additionalProperties: true } };
const MAX_TIME = 8_640_000_000_000_000;

/**
 * Sends a list and moves the session's cursor only once the whole answer has been handed to the
 * connection, and only if the client was still there to take it: an answer that failed, was cut off
 * or had nobody left to read it leaves its changes for the next call.
 */
function sendSyncedList(deps: Deps, request: FastifyRequest, reply: FastifyReply, list: chat.SyncedList) {
  const { sessionId } = clientAuthOf(request);
  if (!request.raw.destroyed) {
    reply.raw.once('finish', () => {
      chat.listDelivered(deps, sessionId, list.syncedUpTo).catch((err: Error) => request.log.warn({ err: { message: err.message } }, 'sync cursor not saved'));
    });
  }
  return reply.send(ok({ messages: list.messages }));
}

export function roomListAndUnread(deps: Deps): RouteOptions {
  return {
    method: 'POST',
    url: '/v1/chat/message/room_list_and_unread',
    schema: describeRoute({ summary: 'Newest message of every room, and unread messages from others', realm: 'client', data: object({ messages: MESSAGES }) }),
    handler: async (request, reply) => sendSyncedList(deps, request, reply, await chat.roomListAndUnread(deps, chatActorOf(request))),
  };
}

export function newAndUpdated(deps: Deps): RouteOptions {
  return {
    method: 'POST',
    url: '/v1/chat/message/new_and_updated',
    schema: describeRoute({ summary: 'Messages created or changed since this session last asked', realm: 'client', data: object({ messages: MESSAGES }) }),
    handler: async (request, reply) =>
      sendSyncedList(deps, request, reply, await chat.newAndUpdated(deps, chatActorOf(request), clientAuthOf(request).sessionId)),
  };
}

const BEFORE_RULES = [ROOM_ID_RULE] as const;

export function listBefore(deps: Deps): RouteOptions {
  return {
    method: 'POST',
    url: '/v1/chat/message/list_by_room/before',
    schema: describeRoute({
      summary: "A page of a room's messages older than maxCreated (0: the newest), newest first",
      realm: 'client',
      body: { ...bodyFromRules(BEFORE_RULES), properties: { ...(bodyFromRules(BEFORE_RULES).properties as object), maxCreated: INTEGER, limit: INTEGER } },
      data: object({ messages: MESSAGES, hasMore: BOOLEAN }),
    }),
    handler: async (request) => {
      const body = clientBody(request.body);
      const { roomID } = validate(body, BEFORE_RULES, POWERTALK_MESSAGES);
      const maxCreated = intParam(body, 'maxCreated', { min: 0, max: MAX_TIME, fallback: 0 });
      const limit = intParam(body, 'limit', { min: 1, max: 200, fallback: 50 });
      return ok(await chat.listBefore(deps, chatActorOf(request), roomID, maxCreated, limit));
    },
  };
}

export function listAfter(deps: Deps): RouteOptions {
  return {
    method: 'POST',
    url: '/v1/chat/message/list_by_room/after',
    schema: describeRoute({
      summary: "A room's messages created at/after minCreated or changed after lastUpdated",
      realm: 'client',
      body: {
        ...bodyFromRules(BEFORE_RULES),
        properties: { ...(bodyFromRules(BEFORE_RULES).properties as object), minCreated: INTEGER, lastUpdated: INTEGER },
      },
      data: object({ messages: MESSAGES }),
    }),
    handler: async (request) => {
      const body = clientBody(request.body);
      const { roomID } = validate(body, BEFORE_RULES, POWERTALK_MESSAGES);
      const minCreated = intParam(body, 'minCreated', { min: 0, max: MAX_TIME, fallback: 0 });
      const lastUpdated = intParam(body, 'lastUpdated', { min: 0, max: MAX_TIME, fallback: 0 });
      return ok(await chat.listAfter(deps, chatActorOf(request), roomID, minCreated, lastUpdated));
    },
  };
}
