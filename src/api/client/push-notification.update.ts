// POST /v1/client/push_notification/update — {fcmToken} (Android) or {apnToken} (iOS) →
// {success, message}. Stored for the calling session (neither token clears it); Parley delivers no
// push yet (docs/people.md). Tokens are device credentials: never logged.
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ok } from '../../errors.ts';
import { chatActorOf, clientAuthOf } from '../../http/request-auth.ts';
import { BOOLEAN, STRING, describeRoute, object } from '../../http/openapi.ts';
import { setPushToken } from '../../services/profile.ts';
import { POWERTALK_MESSAGES, clientBody, validate } from '../../validation.ts';

const RULES = [
  { name: 'fcmToken', field: 'fcmToken', label: 'FCM token', required: false, max: 4096 },
  { name: 'apnToken', field: 'apnToken', label: 'APNs token', required: false, max: 4096 },
] as const;

export function pushNotificationUpdate(deps: Deps): RouteOptions {
  return {
    method: 'POST',
    url: '/v1/client/push_notification/update',
    schema: describeRoute({
      summary: "Register the session's push token (stored; no push is sent yet)",
      realm: 'client',
      body: object({ fcmToken: STRING, apnToken: STRING }),
      data: object({ success: BOOLEAN, message: STRING }),
    }),
    handler: async (request) => {
      const tokens = validate(clientBody(request.body), RULES, POWERTALK_MESSAGES);
      return ok(await setPushToken(deps, { ...chatActorOf(request), sessionId: clientAuthOf(request).sessionId }, tokens));
    },
  };
}
