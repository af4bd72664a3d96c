// POST /v1/client/contact/list — "" → {contacts: [{user, isRequestPending, isRequestAccepted}]}, by name.
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ok } from '../../errors.ts';
import { chatActorOf } from '../../http/request-auth.ts';
import { BOOLEAN, describeRoute, object } from '../../http/openapi.ts';
import { listContacts } from '../../services/user-contacts.ts';

const ENTRY = object({ user: { type: 'object', additionalProperties: true }, isRequestPending: BOOLEAN, isRequestAccepted: BOOLEAN });

export function contactList(deps: Deps): RouteOptions {
  return {
    method: 'POST',
    url: '/v1/client/contact/list',
    schema: describeRoute({ summary: "The caller's contacts, ordered by name", realm: 'client', data: object({ contacts: { type: 'array', items: ENTRY } }) }),
    handler: async (request) => ok(await listContacts(deps, chatActorOf(request))),
  };
}
