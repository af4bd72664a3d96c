// POST /api/visitor/v1/client/taptalk/request_auth_ticket — a ticket for the visitor's chat user, which
// the Live Chat SDK hands to the TapTalk chat SDK (onetalk-protocol.md §2.2 step 3).
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ok } from '../../errors.ts';
import { deviceInfo } from '../../http/client-realm.ts';
import { STRING, describeRoute, object } from '../../http/openapi.ts';
import { requestVisitorChatTicket } from '../../services/livechat-visitors.ts';
import { PLATFORMS } from '../../validation.ts';
import { visitorOf } from './visitor-params.ts';

export function visitorTaptalkRequestAuthTicket(deps: Deps): RouteOptions {
  return {
    method: 'POST',
    url: '/api/visitor/v1/client/taptalk/request_auth_ticket',
    schema: describeRoute({ summary: 'A chat ticket for the visitor’s chat user', realm: 'visitor', data: object({ ticket: STRING }) }),
    handler: async (request) => {
      const device = deviceInfo(request);
      const platform = (PLATFORMS as readonly string[]).includes(device.platform ?? '') ? (device.platform as string) : 'web';
      const userAgent = typeof request.headers['user-agent'] === 'string' ? request.headers['user-agent'].slice(0, 255) : '';
      const { ticket } = await requestVisitorChatTicket(deps, visitorOf(request), {
        ipAddress: request.ip,
        userAgent,
        platform,
        deviceID: device.deviceId ?? '',
      });
      return ok({ ticket });
    },
  };
}
