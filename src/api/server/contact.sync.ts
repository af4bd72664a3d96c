// POST /v1/server/contact/sync — one-way contacts in bulk: {contacts: [{ownerXCUserID (102),
// contactXCUserID (103), isDeleted? (104)}]} (101) → {countInserted, countDeleted}; deletions last.
import type { RouteOptions } from 'fastify';
import type { Deps } from '../../deps.ts';
import { ApiError, ok } from '../../errors.ts';
import { INTEGER, STRING, describeRoute, object } from '../../http/openapi.ts';
import { keyAuthOf } from '../../http/request-auth.ts';
import { type ContactPair, syncContacts } from '../../services/server-users.ts';
import { jsonObject } from '../../validation.ts';
import { booleanParam } from './params.ts';

/** Pairs one call may carry. */
const MAX_PAIRS = 1000;

const invalid = (field: string, message: string) => new ApiError('ParamValidationFailed', { field, message });

function xcUserIdOf(item: Record<string, unknown>, name: string, field: string): string {
  const v = item[name];
  if (v === undefined || v === null || v === '') throw invalid(field, `Param '${name}' is required`);
  if (typeof v !== 'string' || v.length > 50) throw invalid(field, `Param '${name}' must be a string of 1 to 50 characters`);
  return v;
}

export function contactSync(deps: Deps): RouteOptions {
  return {
    method: 'POST',
    url: '/v1/server/contact/sync',
    schema: describeRoute({
      summary: 'Insert and delete one-way contacts in bulk (deletions applied last)',
      realm: 'server',
      body: object({
        contacts: { type: 'array', items: object({ ownerXCUserID: STRING, contactXCUserID: STRING, isDeleted: { type: 'boolean' } }) },
      }),
      data: object({ countInserted: INTEGER, countDeleted: INTEGER }),
    }),
    handler: async (request) => {
      const body = jsonObject(request.body);
      const list = body.contacts;
      if (list === undefined || list === null || (Array.isArray(list) && list.length === 0)) throw invalid('101', "Param 'contacts' cannot be empty");
      if (!Array.isArray(list)) throw invalid('101', "Param 'contacts' must be a list");
      if (list.length > MAX_PAIRS) throw invalid('101', `Param 'contacts' can hold at most ${MAX_PAIRS} items`);
      const pairs: ContactPair[] = list.map((item: unknown) => {
        if (typeof item !== 'object' || item === null || Array.isArray(item)) throw invalid('101', "Param 'contacts' must be a list of objects");
        const o = item as Record<string, unknown>;
        return {
          owner: xcUserIdOf(o, 'ownerXCUserID', '102'),
          contact: xcUserIdOf(o, 'contactXCUserID', '103'),
          isDeleted: booleanParam(o, 'isDeleted', '104') ?? false,
        };
      });
      return ok(await syncContacts(deps, keyAuthOf(request).projectId, pairs));
    },
  };
}
