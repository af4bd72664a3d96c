// POST /v1/client/contact/add_by_phones — {phones} → {users}: the users with those numbers, now the
// caller's contacts (services/phone-contacts.ts). A single string counts as a list of one (the web
// SDK passes on whatever the app gives it). At most 1000 numbers.
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ApiError, ok } from '../../errors.ts';
import { chatActorOf } from '../../http/request-auth.ts';
import { STRING, describeRoute, object } from '../../http/openapi.ts';
import { addContactsByPhones } from '../../services/phone-contacts.ts';
import { clientBody } from '../../validation.ts';

const MAX_PHONES = 1000;

function phonesOf(body: Record<string, unknown>): string[] {
  const raw = typeof body.phones === 'string' ? [body.phones] : body.phones;
  if (!Array.isArray(raw)) throw new ApiError('ParamValidationFailed', { field: 'phones', message: "Param 'phones' must be an array of phone numbers" });
  if (raw.length > MAX_PHONES)
    throw new ApiError('ParamValidationFailed', { field: 'phones', message: `Param 'phones' can hold at most ${MAX_PHONES} numbers` });
  // Numbers that are no phone (letters, too long) simply match nobody: an address book holds anything.
  return raw.filter((p): p is string => typeof p === 'string' && p.length <= 40);
}

export function contactAddByPhones(deps: Deps): RouteOptions {
  return {
    method: 'POST',
    url: '/v1/client/contact/add_by_phones',
    schema: describeRoute({
      summary: 'Add the users with these phone numbers to the caller’s contacts',
      realm: 'client',
      body: object({ phones: { type: 'array', items: STRING, maxItems: MAX_PHONES } }),
      data: object({ users: { type: 'array', items: { type: 'object', additionalProperties: true } } }),
    }),
    handler: async (request) => ok(await addContactsByPhones(deps, chatActorOf(request), phonesOf(clientBody(request.body)))),
  };
}
