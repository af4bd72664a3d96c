// The room-state endpoints share one shape: {roomIDs[, …]} → {<key>: roomIDs}, the key each SDK
// reads (Android's TapGetUnreadRoomIdsResponse aliases). Each endpoint file names its path and change.
import type { RouteOptions } from 'fastify';
import { ok } from '../../errors.ts';
import { chatActorOf } from '../../http/request-auth.ts';
import { STRING, describeRoute, object } from '../../http/openapi.ts';
import type { ChatActor } from '../../services/room-state.ts';
import { clientBody } from '../../validation.ts';
import { roomIdsParam } from './chat-params.ts';

const IDS = { type: 'array', items: STRING };

export function roomIdsRoute(
  url: string,
  summary: string,
  key: string,
  change: (actor: ChatActor, roomIds: string[], body: Record<string, unknown>) => Promise<string[]>,
  extraBody: Record<string, Record<string, unknown>> = {},
): RouteOptions {
  return {
    method: 'POST',
    url,
    schema: describeRoute({
      summary,
      realm: 'client',
      body: { type: 'object', properties: { roomIDs: IDS, ...extraBody }, required: ['roomIDs'] },
      data: object({ [key]: IDS }),
    }),
    handler: async (request) => {
      const body = clientBody(request.body);
      return ok({ [key]: await change(chatActorOf(request), roomIdsParam(body), body) });
    },
  };
}
