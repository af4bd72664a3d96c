// POST /api/visitor/v1/client/user/create — a guest signs up with a name and an email (Secret-Key only)
// and gets a Live Chat ticket, which the launcher redeems at once (onetalk-protocol.md §2.2).
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ok } from '../../errors.ts';
import { clientProjectOf } from '../../http/request-auth.ts';
import { STRING, bodyFromRules, describeRoute, object } from '../../http/openapi.ts';
import { createGuest } from '../../services/livechat-visitors.ts';
import { ONETALK_MESSAGES, type FieldRule, clientBody, validate } from '../../validation.ts';

const RULES = [
  { name: 'fullName', field: 'fullName', label: 'Full name', required: true, max: 250 },
  { name: 'email', field: 'email', label: 'Email', required: true, max: 250, format: 'email' },
] as const satisfies readonly FieldRule[];

export function visitorUserCreate(deps: Deps): RouteOptions {
  return {
    method: 'POST',
    url: '/api/visitor/v1/client/user/create',
    schema: describeRoute({
      summary: 'Sign up a Live Chat guest and get a ticket (Secret-Key only)',
      realm: 'visitor',
      appKeyOnly: true,
      body: bodyFromRules(RULES),
      data: object({ user: { type: 'object', additionalProperties: true }, ticket: STRING }),
    }),
    config: { bearer: 'own' },
    handler: async (request) => {
      const input = validate(clientBody(request.body), RULES, ONETALK_MESSAGES);
      return ok(await createGuest(deps, clientProjectOf(request), input));
    },
  };
}
