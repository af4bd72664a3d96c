// POST /demo/ticket — {name} → {userID, ticket, appKeyID, appKeySecret}: the demo playing the
// customer's backend. The user `demo:<name in lower case>` is created or updated, as
// /v1/server/auth_ticket/request would, and the ticket comes with the app key that redeems it.
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ok } from '../../errors.ts';
import { STRING, bodyFromRules, describeRoute, object } from '../../http/openapi.ts';
import { DEMO_NAME_MAX, type DemoKeys, issueDemoTicket } from '../../services/demo.ts';
import { type FieldRule, POWERTALK_MESSAGES, validate } from '../../validation.ts';

const RULES = [{ name: 'name', field: 'name', label: 'Name', required: true, max: DEMO_NAME_MAX }] as const satisfies readonly FieldRule[];

export function demoTicket(deps: Deps, keys: DemoKeys): RouteOptions {
  return {
    method: 'POST',
    url: '/demo/ticket',
    schema: describeRoute({
      summary: 'Demo: an auth ticket for the user with this display name (no credentials: demo only)',
      realm: 'demo',
      body: bodyFromRules(RULES),
      data: object({ userID: STRING, ticket: STRING, appKeyID: STRING, appKeySecret: STRING }),
    }),
    handler: async (request) => {
      const { name } = validate(request.body, RULES, POWERTALK_MESSAGES);
      const key = await keys.get();
      const userAgent = request.headers['user-agent'];
      const device = {
        ipAddress: request.ip,
        userAgent: typeof userAgent === 'string' && userAgent !== '' ? userAgent.slice(0, 1000) : 'unknown',
        platform: 'web',
        deviceID: 'parley-demo',
      };
      return ok(await issueDemoTicket(deps, key, name, device));
    },
  };
}
