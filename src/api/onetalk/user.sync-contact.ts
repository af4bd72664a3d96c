// POST /api/integration/v1/user/sync_contact — seed 000.
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ok } from '../../errors.ts';
import { keyAuthOf } from '../../http/request-auth.ts';
import { syncContact } from '../../services/contacts.ts';
import { ONETALK_MESSAGES, validate } from '../../validation.ts';
import { SYNC_CONTACT_RULES, toContactFields } from './contact-rules.ts';
import { BOOLEAN, STRING, bodyFromRules, describeRoute, object } from '../../http/openapi.ts';

export function userSyncContact(deps: Deps): RouteOptions {
  return {
    method: 'POST',
    url: '/api/integration/v1/user/sync_contact',
    schema: describeRoute({
      summary: 'Sync a contact by customerUserID and phone',
      realm: 'integration',
      body: bodyFromRules(SYNC_CONTACT_RULES),
      data: object({ success: BOOLEAN, message: STRING, userID: STRING }),
    }),
    handler: async (request) => {
      const auth = keyAuthOf(request);
      const input = validate(request.body, SYNC_CONTACT_RULES, ONETALK_MESSAGES);
      const result = await syncContact(deps, auth.projectId, toContactFields(input));
      return ok({ success: true, message: result.message, userID: result.contactID });
    },
  };
}
